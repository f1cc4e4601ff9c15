// A task's lifecycle, in one place: how its status moves and what follows
// from what its agent reports.
//
// lastStatus moves only forward (PENDING -> RUNNING -> STOPPED); desiredStatus
// RUNNING -> STOPPED once, and the first reason and stop code given are kept.
// A task holds its resources until lastStatus is STOPPED. An essential
// container that stops asks its task to stop; when every container has
// stopped, the task has. A task whose instance is gone has no agent left to
// report it STOPPED, so stopping it stops it at once.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "ecsd/domain/container_instance.h"
#include "ecsd/domain/task.h"

namespace ecsd {

// RUNNING < STOPPED etc.; -1 for an unknown status.
int statusRank(const std::string& status);

// Asks the task to stop (StopTask, an essential container exiting, a forced
// deregistration). The first reason given is kept. Returns false when it was
// already asked to.
bool requestStop(Task& task, const std::string& reason, const std::string& stopCode, double now);

// Moves lastStatus forward to status (PENDING, RUNNING or STOPPED), with its
// timestamps. Returns false, changing nothing, for an unknown status or a
// step backwards.
bool advanceStatus(Task& task, const std::string& status, double now);

// Records the task STOPPED without an agent saying so (its instance is gone):
// every container is STOPPED too, and its resources are released.
void markStopped(Task& task, double now);

// Whether the task is live on an instance that is gone (deregistered, or
// never known): nothing will report it STOPPED.
bool orphaned(const Task& task, const ContainerInstance* instance);

// What an agent reports of one container; absent members leave it as it is.
struct ContainerReport {
  std::string containerName = {};
  std::optional<std::string> status = {};  // a known status (statusRank >= 0)
  std::optional<int> exitCode = {};
  std::optional<std::string> reason = {};
  std::optional<std::string> runtimeId = {};
  std::optional<nlohmann::json> networkBindings = {};  // as the agent sent them
};

// Applies the report to the task's container of that name: its status only
// forward; host ports it bound join what the task holds (a dynamic port may
// differ from the one placement reserved; both stay held until STOPPED).
// Returns false, changing nothing, when the task has no such container.
bool applyContainerReport(Task& task, const ContainerReport& report);

// The agent reports the whole task STOPPED: its reason is kept if none was,
// the stop code says whether it ever started, and every container stops.
void reportStopped(Task& task, const std::optional<std::string>& reason, double now);

// What follows from the containers' statuses: an essential one stopped asks
// the task to stop; all of them stopped means the task is.
void settle(Task& task, double now);

}  // namespace ecsd
