#include "agent/task_engine.h"

#include <spdlog/spdlog.h>

namespace ecsd::agent {

TaskEngine::TaskEngine(ContainerRuntime& runtime, StateSink report, const Clock& clock,
                       RunnerSettings settings, std::chrono::seconds cleanupWait)
    : runtime_(runtime),
      report_(std::move(report)),
      clock_(clock),
      settings_(std::move(settings)),
      cleanupWait_(cleanupWait) {}

TaskEngine::~TaskEngine() {
  std::lock_guard lock(mutex_);
  for (auto& [arn, runner] : runners_) runner->shutdown();
  runners_.clear();  // joins each runner's threads
}

void TaskEngine::recover(std::map<std::string, std::vector<ContainerState>> containersByTask) {
  std::lock_guard lock(mutex_);
  recovered_ = std::move(containersByTask);
}

void TaskEngine::apply(const std::vector<TaskSpec>& tasks) {
  std::lock_guard lock(mutex_);
  for (const auto& task : tasks) {
    if (auto known = runners_.find(task.arn); known != runners_.end()) {
      if (task.desiredStatus == "STOPPED") known->second->stop();
      continue;
    }
    if (finished_.count(task.arn)) continue;
    std::vector<ContainerState> recovered;
    if (auto found = recovered_.find(task.arn); found != recovered_.end()) {
      recovered = std::move(found->second);
      recovered_.erase(found);
    }
    runners_[task.arn] = std::make_unique<TaskRunner>(task, std::move(recovered), runtime_, report_,
                                                      clock_, settings_);
  }
}

void TaskEngine::cleanUp(bool everything) {
  std::vector<std::unique_ptr<TaskRunner>> done;
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    for (auto it = runners_.begin(); it != runners_.end();) {
      const auto stoppedAt = it->second->stoppedAt();
      if (stoppedAt && (everything || now - *stoppedAt >= cleanupWait_)) {
        finished_.insert(it->first);
        done.push_back(std::move(it->second));
        it = runners_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Outside the lock: removing containers talks to the runtime.
  for (auto& runner : done) runner->removeContainers();
}

std::vector<TaskSnapshot> TaskEngine::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<TaskSnapshot> out;
  for (const auto& [arn, runner] : runners_) out.push_back(runner->snapshot());
  return out;
}

}  // namespace ecsd::agent
