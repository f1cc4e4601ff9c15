// Which constraints an index can serve, and the instances each admits: the
// subsets the pool walks instead of the whole cluster.
#include <spdlog/spdlog.h>

#include "ecsd/scheduler/placement.h"
#include "scheduler/instance_target.h"

namespace ecsd::scheduler {

Narrowing withoutGroup(const std::string& group) {
  return {"without group " + group, [group](const ContainerInstance&, const LayeredUsage& usage) {
            return usage.groupCount(group) == 0;
          }};
}

std::vector<Narrowing> narrowingsOf(const std::vector<Constraint>& constraints,
                                    const TaskDemand& demand) {
  std::vector<Narrowing> out;
  for (const auto& constraint : constraints) {
    if (constraint.type == Constraint::Type::DistinctInstance) {
      out.push_back(withoutGroup(demand.group));
    } else if (!constraint.expression->readsAgentConnected()) {
      out.push_back({"memberOf " + constraint.expression->text(),
                     [query = *constraint.expression](const ContainerInstance& instance,
                                                      const LayeredUsage& usage) {
                       // agentConnected is not asked: any value does.
                       return query.matches(InstanceTarget(instance, true, usage));
                     }});
    } else {
      spdlog::debug(
          "event=placement_unindexed constraint=memberOf reason=\"asks agentConnected\" "
          "expression=\"{}\"",
          constraint.expression->text());
    }
  }
  return out;
}

}  // namespace ecsd::scheduler
