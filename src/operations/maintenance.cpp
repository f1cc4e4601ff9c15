#include "operations/maintenance.h"

#include <vector>

namespace ecsd::operations {

Result<int> purgeStoppedTasks(State& state, const Clock& clock, std::chrono::seconds retention) {
  const double cutoff = clock.epochSeconds() - static_cast<double>(retention.count());
  return state.write([&](Draft& draft) -> Result<int> {
    std::vector<std::string> expired;
    for (const auto& [id, task] : draft.base().tasks) {
      if (!task.live() && task.stoppedAt && *task.stoppedAt < cutoff) expired.push_back(id);
    }
    for (const auto& id : expired) draft.removeTask(id);
    return static_cast<int>(expired.size());
  });
}

Result<int> forgetExpiredAnswers(State& state, const Clock& clock, std::chrono::seconds lifetime) {
  const double cutoff = clock.epochSeconds() - static_cast<double>(lifetime.count());
  return state.write([&](Draft& draft) -> Result<int> {
    std::vector<std::string> expired;
    for (const auto& [key, answer] : draft.base().idempotency) {
      if (answer.recordedAt < cutoff) expired.push_back(key);
    }
    for (const auto& key : expired) draft.forgetAnswer(key);
    return static_cast<int>(expired.size());
  });
}

}  // namespace ecsd::operations
