// Housekeeping the server runs on a timer.
#pragma once

#include <chrono>

#include "ecsd/clock.h"
#include "ecsd/state/state.h"

namespace ecsd::operations {

// Forgets tasks STOPPED longer ago than retention (ECS keeps stopped tasks
// describable for about an hour). Returns how many it removed.
Result<int> purgeStoppedTasks(State& state, const Clock& clock, std::chrono::seconds retention);

}  // namespace ecsd::operations
