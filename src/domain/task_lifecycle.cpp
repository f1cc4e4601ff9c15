#include "ecsd/domain/task_lifecycle.h"

namespace ecsd {

int statusRank(const std::string& status) {
  if (status == "PENDING") return 0;
  if (status == "RUNNING") return 1;
  if (status == "STOPPED") return 2;
  return -1;
}

bool requestStop(Task& task, const std::string& reason, const std::string& stopCode, double now) {
  if (task.desiredStatus == "STOPPED") return false;
  task.desiredStatus = "STOPPED";
  task.stoppingAt = now;
  if (task.stoppedReason.empty()) task.stoppedReason = reason;
  if (task.stopCode.empty()) task.stopCode = stopCode;
  ++task.version;
  return true;
}

bool advanceStatus(Task& task, const std::string& status, double now) {
  const int to = statusRank(status);
  if (to < 0 || to <= statusRank(task.lastStatus)) return false;
  task.lastStatus = status;
  if (status == "RUNNING") task.startedAt = now;
  if (status == "STOPPED") {
    task.stoppedAt = now;
    task.desiredStatus = "STOPPED";
    if (!task.stoppingAt) task.stoppingAt = now;
  }
  ++task.version;
  return true;
}

void markStopped(Task& task, double now) {
  for (auto& container : task.containers) container.lastStatus = "STOPPED";
  advanceStatus(task, "STOPPED", now);
}

}  // namespace ecsd
