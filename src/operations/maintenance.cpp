#include "operations/maintenance.h"

#include <optional>
#include <string>
#include <vector>

namespace ecsd::operations {

namespace {

// Nothing periodic may stop the world: expired rows are found under the
// shared lock a slice at a time, and forgotten in writes of a bounded size,
// each re-checking that its rows are still expired.
constexpr std::size_t kScanSlice = 4096;  // rows looked at per shared lock
constexpr std::size_t kBatch = 128;       // rows forgotten per write

// Forgets every row of the table for which expired(row) holds, by forget(draft, key).
template <class Row, class Expired, class Forget>
Result<int> forgetInBatches(State& state, Expired expired, Forget forget) {
  int forgotten = 0;
  std::optional<std::string> last;
  bool more = true;
  while (more) {
    std::vector<std::string> keys;
    more = state.read([&](const Data& data) {
      const Table<Row>& rows = data.template table<Row>();
      auto it = last ? rows.after(*last) : rows.begin();
      for (std::size_t n = 0; it != rows.end() && n < kScanSlice; ++it, ++n) {
        if (expired(it->second)) keys.push_back(it->first);
        last = it->first;
      }
      return it != rows.end();
    });
    for (std::size_t first = 0; first < keys.size(); first += kBatch) {
      const std::size_t end = std::min(keys.size(), first + kBatch);
      auto batch = state.write([&](Draft& draft) -> Result<int> {
        int n = 0;
        for (std::size_t i = first; i < end; ++i) n += forget(draft, keys[i]) ? 1 : 0;
        return n;
      });
      if (!batch) return batch.error();
      forgotten += *batch;
    }
  }
  return forgotten;
}

}  // namespace

Result<int> purgeStoppedTasks(State& state, const Clock& clock, std::chrono::seconds retention) {
  const double cutoff = clock.epochSeconds() - static_cast<double>(retention.count());
  const auto expired = [cutoff](const Task& task) {
    return !task.live() && task.stoppedAt && *task.stoppedAt < cutoff;
  };
  return forgetInBatches<Task>(state, expired, [&](Draft& draft, const std::string& id) {
    const Task* task = draft.task(id);
    if (!task || !expired(*task)) return false;
    draft.removeTask(id);
    return true;
  });
}

Result<int> forgetExpiredAnswers(State& state, const Clock& clock, std::chrono::seconds lifetime) {
  const double cutoff = clock.epochSeconds() - static_cast<double>(lifetime.count());
  return forgetInBatches<RecordedAnswer>(
      state, [cutoff](const RecordedAnswer& a) { return a.answer.recordedAt < cutoff; },
      [&](Draft& draft, const std::string& key) {
        const RecordedAnswer* recorded = draft.answer(key);
        if (!recorded || recorded->answer.recordedAt >= cutoff) return false;
        draft.forgetAnswer(key);
        return true;
      });
}

}  // namespace ecsd::operations
