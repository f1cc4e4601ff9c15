// Every task this agent runs: takes the tasks ecsd sends, gives each a
// TaskRunner, adopts the containers a previous run of the agent left, and
// removes the containers of tasks stopped longer than the cleanup wait.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agent/task_runner.h"

namespace ecsd::agent {

class TaskEngine {
 public:
  TaskEngine(ContainerRuntime& runtime, StateSink report, const Clock& clock,
             RunnerSettings settings, std::chrono::seconds cleanupWait);
  ~TaskEngine();  // ends every runner; the containers stay

  // Containers found in the runtime at start-up, by task ARN: a task that
  // ecsd sends again adopts its containers instead of starting new ones.
  void recover(std::map<std::string, std::vector<ContainerState>> containersByTask);

  // The tasks of one PayloadMessage. A new task starts; a known one can only
  // be asked to stop (desired status never goes back to RUNNING, and a task
  // once stopped is never started again). Returns at once.
  void apply(const std::vector<TaskSpec>& tasks);

  // Removes the containers of tasks STOPPED for longer than the cleanup wait
  // (all of them with `everything`), and forgets those tasks.
  void cleanUp(bool everything = false);

  std::vector<TaskSnapshot> snapshot() const;

 private:
  ContainerRuntime& runtime_;
  const StateSink report_;
  const Clock& clock_;
  const RunnerSettings settings_;
  const std::chrono::seconds cleanupWait_;

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<TaskRunner>> runners_;
  std::map<std::string, std::vector<ContainerState>> recovered_;
  std::set<std::string> finished_;  // tasks cleaned up: never started again
};

}  // namespace ecsd::agent
