// Housekeeping the server runs on a timer.
#pragma once

#include <chrono>

#include "ecsd/clock.h"
#include "ecsd/state/state.h"

namespace ecsd::operations {

// Forgets tasks STOPPED longer ago than retention (ECS keeps stopped tasks
// describable for about an hour). Returns how many it removed.
Result<int> purgeStoppedTasks(State& state, const Clock& clock, std::chrono::seconds retention);

// How long a client token's answer is kept: ECS keeps RunTask's for 24 hours.
inline constexpr std::chrono::hours kClientTokenLifetime{24};

// Forgets idempotency answers recorded longer ago than lifetime, so that a
// token is honoured as long as ECS honours it and no longer (the AWS CLI and
// SDKs send one with every RunTask). Returns how many it forgot.
Result<int> forgetExpiredAnswers(State& state, const Clock& clock, std::chrono::seconds lifetime);

}  // namespace ecsd::operations
