#include "ecsd/domain/task_lifecycle.h"

#include <algorithm>

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

bool orphaned(const Task& task, const ContainerInstance* instance) {
  return task.live() && (!instance || instance->status == "INACTIVE");
}

namespace {

void holdBoundPorts(Task& task, const nlohmann::json& bindings) {
  for (const auto& binding : bindings) {
    if (!binding.is_object() || !binding.value("hostPort", nlohmann::json()).is_number_integer()) {
      continue;
    }
    const int port = binding["hostPort"];
    if (port <= 0 || port > 65535) continue;
    PortList& ports =
        binding.value("protocol", "tcp") == "udp" ? task.held.udpPorts : task.held.tcpPorts;
    const auto p = static_cast<std::uint16_t>(port);
    if (!std::binary_search(ports.begin(), ports.end(), p)) {
      ports.insert(std::upper_bound(ports.begin(), ports.end(), p), p);
    }
  }
}

}  // namespace

bool applyContainerReport(Task& task, const ContainerReport& report) {
  auto container =
      std::find_if(task.containers.begin(), task.containers.end(),
                   [&](const TaskContainer& c) { return c.name == report.containerName; });
  if (container == task.containers.end()) return false;
  if (report.status && statusRank(*report.status) > statusRank(container->lastStatus)) {
    container->lastStatus = *report.status;
  }
  if (report.exitCode) container->exitCode = report.exitCode;
  if (report.reason) container->reason = *report.reason;
  if (report.runtimeId) container->runtimeId = *report.runtimeId;
  if (report.networkBindings && report.networkBindings->is_array()) {
    container->networkBindings = *report.networkBindings;
    holdBoundPorts(task, *report.networkBindings);
  }
  ++task.version;
  return true;
}

void reportStopped(Task& task, const std::optional<std::string>& reason, double now) {
  if (reason && task.stoppedReason.empty()) task.stoppedReason = *reason;
  if (task.stopCode.empty()) {
    task.stopCode = task.lastStatus == "PENDING" ? "TaskFailedToStart" : "EssentialContainerExited";
  }
  markStopped(task, now);
}

void settle(Task& task, double now) {
  for (const auto& c : task.containers) {
    if (c.essential && c.lastStatus == "STOPPED") {
      requestStop(task, "Essential container in task exited", "EssentialContainerExited", now);
    }
  }
  const bool allStopped =
      std::all_of(task.containers.begin(), task.containers.end(),
                  [](const TaskContainer& c) { return c.lastStatus == "STOPPED"; });
  if (allStopped) advanceStatus(task, "STOPPED", now);
}

}  // namespace ecsd
