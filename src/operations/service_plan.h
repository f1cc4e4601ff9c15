// What one pass of the service scheduler does to a service's tasks: which to
// stop and what to start, planned from committed state (and the pass's
// draft) by the service's kind. REPLICA rolls its deployments within the
// deployment configuration; DAEMON keeps one task on every instance that
// admits it; EXTERNAL keeps each task set at its share of the desired count.
#pragma once

#include <string>
#include <vector>

#include "ecsd/domain/service.h"
#include "ecsd/domain/task.h"
#include "ecsd/scheduler/placement.h"
#include "ecsd/state/state.h"
#include "operations/agents.h"

namespace ecsd::operations {

// Tasks to start for one deployment or task set.
struct Start {
  std::string startedBy;  // its id
  std::string taskDefinitionArn;
  int count = 0;                // placed as RunTask places them,
  std::vector<std::string> on;  // or one on each of these instances (DAEMON)
  int wanted() const { return on.empty() ? count : static_cast<int>(on.size()); }
};

struct Plan {
  int desired = 0;                   // the service's desired count, as planned
  std::vector<const Task*> orphans;  // on instances that are gone: stopped at once
  std::vector<const Task*> stop;     // asked to stop
  std::vector<Start> starts;
  bool complete = false;  // nothing to do: all of desired runs, and nothing else
  int starting() const;
};

// REPLICA: desiredCount tasks anywhere, rolled within the deployment
// configuration's minimum and maximum.
Plan planReplica(const Draft& draft, const Service& service,
                 const std::vector<const Task*>& tasks);

// DAEMON: one task on every instance that admits the service (demand and
// constraints: its primary's). An instance that no longer does (drained, or
// its attributes changed) loses its task at once; a deployment replaces the
// tasks instance by instance, stopping the old before starting the new there
// (it holds the resources), with at least minimumHealthyPercent of the
// instances running one meanwhile.
Plan planDaemon(const Draft& draft, const Agents& agents, const Service& service,
                const std::vector<const Task*>& tasks, const scheduler::TaskDemand& demand,
                const std::vector<scheduler::Constraint>& constraints);

// EXTERNAL: each task set keeps its computedDesiredCount; its tasks on
// drained instances are replaced within the deployment configuration, its
// surplus stops. How task sets take over from one another is the external
// controller's business.
Plan planTaskSets(const Draft& draft, const Service& service,
                  const std::vector<const Task*>& tasks);

}  // namespace ecsd::operations
