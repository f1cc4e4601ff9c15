// How a task's status moves: lastStatus only forward (PENDING -> RUNNING ->
// STOPPED); desiredStatus RUNNING -> STOPPED once. A task holds its resources
// until lastStatus is STOPPED.
#pragma once

#include <string>

#include "ecsd/domain/task.h"

namespace ecsd {

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

// RUNNING < STOPPED etc.; -1 for an unknown status.
int statusRank(const std::string& status);

}  // namespace ecsd
