// Sending tasks to their agents once a write has committed.
#pragma once

#include <vector>

#include "ecsd/domain/task.h"
#include "operations/router.h"

namespace ecsd::operations {

// Delivers each task (with its definition) to its instance's agent, as it
// is stored now: a later write may have changed it since the caller's
// committed (a stop overtaking a start), and the agent must not see it go back.
void deliverTasks(const Services& services, const std::vector<Task>& tasks);

}  // namespace ecsd::operations
