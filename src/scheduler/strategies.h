// Placement strategies: how the instances that can take a task are ranked.
#pragma once

#include <random>
#include <vector>

#include "ecsd/scheduler/placement.h"

namespace ecsd::scheduler {

// The best of `feasible` (indexes into candidates) under the strategies,
// applied in order, each breaking the ties of the one before. REQUIRES:
// feasible is not empty.
std::size_t best(const std::vector<Candidate>& candidates, const std::vector<std::size_t>& feasible,
                 const TaskDemand& demand, const std::vector<Strategy>& strategies,
                 std::mt19937_64& random);

}  // namespace ecsd::scheduler
