// Placement strategies: how the instances that can take a task are ranked.
#pragma once

#include <random>
#include <vector>

#include "ecsd/scheduler/placement.h"

namespace ecsd::scheduler {

// The chain placement ranks by: with none given, binpack on memory; a chain
// of spreads alone breaks its last ties by binpack on memory too (ECS leaves
// them open), so that an index walk serves it (ECS's default for services is
// spread across zones alone).
std::vector<Strategy> rankingChain(const std::vector<Strategy>& strategies);

// The best of `feasible` (indexes into candidates) under the strategies,
// applied in order, each breaking the ties of the one before. REQUIRES:
// feasible is not empty. `strategies` as rankingChain gives them.
std::size_t best(const std::vector<Candidate>& candidates, const std::vector<std::size_t>& feasible,
                 const TaskDemand& demand, const std::vector<Strategy>& strategies,
                 std::mt19937_64& random);

}  // namespace ecsd::scheduler
