// Planning a pass: see service_plan.h.
#include "operations/service_plan.h"

#include <algorithm>
#include <map>
#include <set>

#include "ecsd/domain/service_rules.h"
#include "ecsd/domain/task_lifecycle.h"
#include "operations/cluster_pool.h"

namespace ecsd::operations {

namespace rules = service_rules;

namespace {

int running(const std::vector<const Task*>& tasks) {
  return static_cast<int>(std::count_if(tasks.begin(), tasks.end(),
                                        [](const Task* t) { return t->lastStatus == "RUNNING"; }));
}

int live(const std::vector<const Task*>& tasks) {
  return static_cast<int>(
      std::count_if(tasks.begin(), tasks.end(), [](const Task* t) { return t->live(); }));
}

// Up to n of the tasks, those not running first (they keep nothing up), then
// the newest.
std::vector<const Task*> pickToStop(std::vector<const Task*> tasks, int n, bool runningOnes) {
  std::vector<const Task*> out;
  std::sort(tasks.begin(), tasks.end(), [](const Task* a, const Task* b) {
    const bool aRunning = a->lastStatus == "RUNNING", bRunning = b->lastStatus == "RUNNING";
    if (aRunning != bRunning) return !aRunning;
    return a->id > b->id;
  });
  for (const Task* t : tasks) {
    if (static_cast<int>(out.size()) >= n) break;
    if ((t->lastStatus == "RUNNING") == runningOnes) out.push_back(t);
  }
  return out;
}

void append(std::vector<const Task*>& to, const std::vector<const Task*>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

// n of the tasks to stop: those not running, then running ones.
std::vector<const Task*> surplus(const std::vector<const Task*>& tasks, int n) {
  auto out = pickToStop(tasks, n, false);
  append(out, pickToStop(tasks, n - static_cast<int>(out.size()), true));
  return out;
}

// One step of a rollout to `id` (a deployment or a task set) of `desired`
// tasks, within the configuration: the live tasks asked to run are its own on
// ACTIVE instances, the leaving (the others of `tasks`, or its own on
// instances being drained) and orphans (to plan.orphans). Adds what to stop to
// plan.stop.
struct Rollout {
  int start = 0;
  int current = 0;        // its own live tasks on ACTIVE instances
  bool complete = false;  // all of desired of its own run, nothing leaving
};
Rollout rollTo(const Draft& draft, const std::vector<const Task*>& tasks, const std::string& id,
               int desired, const DeploymentConfiguration& configuration, Plan& plan) {
  std::vector<const Task*> current, leaving;
  for (const Task* task : tasks) {
    if (!task->live() || task->desiredStatus != "RUNNING") continue;
    const ContainerInstance* instance = draft.instance(task->containerInstanceId);
    if (orphaned(*task, instance)) {
      plan.orphans.push_back(task);
    } else if (task->startedBy == id && instance->status == "ACTIVE") {
      current.push_back(task);
    } else {
      leaving.push_back(task);
    }
  }
  rules::TaskCounts counts;
  counts.desired = desired;
  counts.primaryLive = static_cast<int>(current.size());
  counts.primaryHealthy = running(current);
  counts.leavingHealthy = running(leaving);
  counts.leavingUnhealthy = static_cast<int>(leaving.size()) - counts.leavingHealthy;
  const rules::Step step = rules::nextStep(counts, configuration);
  append(plan.stop, surplus(current, step.stopPrimary));
  append(plan.stop, pickToStop(leaving, step.stopLeavingUnhealthy, false));
  append(plan.stop, pickToStop(leaving, step.stopLeavingHealthy, true));
  return {step.start, counts.primaryLive,
          leaving.empty() && counts.primaryLive == desired && counts.primaryHealthy == desired};
}

}  // namespace

int Plan::starting() const {
  int n = 0;
  for (const auto& s : starts) n += s.wanted();
  return n;
}

Plan planReplica(const Draft& draft, const Service& service,
                 const std::vector<const Task*>& tasks) {
  Plan plan;
  plan.desired = service.status == "DRAINING" ? 0 : service.desiredCount;
  const Rollout rollout = rollTo(draft, tasks, service.primary()->id, plan.desired,
                                 service.deploymentConfiguration, plan);
  if (rollout.start > 0) {
    plan.starts.push_back(
        {service.primary()->id, service.primary()->taskDefinitionArn, rollout.start, {}});
  }
  plan.complete = live(tasks) == rollout.current && rollout.complete;
  return plan;
}

Plan planDaemon(const Draft& draft, const Agents& agents, const Service& service,
                const std::vector<const Task*>& tasks, const scheduler::TaskDemand& demand,
                const std::vector<scheduler::Constraint>& constraints) {
  Plan plan;
  std::set<std::string> admitting;
  if (service.status != "DRAINING") {
    ClusterPool pool(draft, agents, service.cluster);
    for (const auto& c : pool.all()) {
      if (scheduler::admits(c, demand, constraints)) admitting.insert(c.instance->id);
    }
  }
  plan.desired = static_cast<int>(admitting.size());
  // The live tasks asked to run, by instance; an instance with any live task
  // (one stopping included) takes no new one yet.
  std::map<std::string, std::vector<const Task*>> primary, leaving;
  std::set<std::string> occupied;
  for (const Task* task : tasks) {
    if (!task->live()) continue;
    occupied.insert(task->containerInstanceId);
    if (task->desiredStatus != "RUNNING") continue;
    if (orphaned(*task, draft.instance(task->containerInstanceId))) {
      plan.orphans.push_back(task);
    } else if (!admitting.contains(task->containerInstanceId)) {
      plan.stop.push_back(task);
    } else if (task->startedBy == service.primary()->id) {
      primary[task->containerInstanceId].push_back(task);
    } else {
      leaving[task->containerInstanceId].push_back(task);
    }
  }
  int healthy = 0, primaryRunning = 0;
  std::vector<std::string> startOn;
  for (const auto& id : admitting) {
    const auto p = primary.find(id);
    const auto l = leaving.find(id);
    const int up = (p == primary.end() ? 0 : running(p->second)) +
                   (l == leaving.end() ? 0 : running(l->second));
    healthy += up > 0 ? 1 : 0;
    if (p != primary.end()) {
      primaryRunning += running(p->second) > 0 ? 1 : 0;
      append(plan.stop, surplus(p->second, static_cast<int>(p->second.size()) - 1));  // one each
    }
    if (!occupied.contains(id)) startOn.push_back(id);
  }
  if (!startOn.empty()) {
    plan.starts.push_back(
        {service.primary()->id, service.primary()->taskDefinitionArn, 0, std::move(startOn)});
  }
  // The older deployments' tasks: those not running at once, the running
  // ones while the instances left running one stay at the minimum.
  int spare =
      healthy - rules::minimumHealthy(plan.desired,
                                      service.deploymentConfiguration.minimumHealthyPercent);
  for (const auto& [id, old] : leaving) {
    append(plan.stop, pickToStop(old, static_cast<int>(old.size()), false));
    const auto p = primary.find(id);
    const bool coveredHere = p != primary.end() && running(p->second) > 0;
    for (const Task* t : pickToStop(old, static_cast<int>(old.size()), true)) {
      if (!coveredHere && spare <= 0) break;
      if (!coveredHere) --spare;
      plan.stop.push_back(t);
    }
  }
  plan.complete = live(tasks) == plan.desired && primaryRunning == plan.desired &&
                  leaving.empty() && std::all_of(primary.begin(), primary.end(), [](auto& p) {
                    return p.second.size() == 1;
                  });
  return plan;
}

Plan planTaskSets(const Draft& draft, const Service& service,
                  const std::vector<const Task*>& tasks) {
  Plan plan;
  plan.desired = service.status == "DRAINING" ? 0 : service.desiredCount;
  plan.complete = true;
  for (const TaskSet& set : service.taskSets) {
    std::vector<const Task*> own;
    for (const Task* t : tasks) {
      if (t->startedBy == set.id) own.push_back(t);
    }
    const Rollout rollout = rollTo(draft, own, set.id, set.computedDesiredCount,
                                   service.deploymentConfiguration, plan);
    if (rollout.start > 0) plan.starts.push_back({set.id, set.taskDefinitionArn, rollout.start, {}});
    plan.complete = plan.complete && rollout.complete && live(own) == rollout.current;
  }
  // Tasks of no task set (of one deleted meanwhile) go.
  for (const Task* t : tasks) {
    const bool ofASet = std::any_of(service.taskSets.begin(), service.taskSets.end(),
                                    [&](const TaskSet& set) { return set.id == t->startedBy; });
    if (ofASet || !t->live() || t->desiredStatus != "RUNNING") continue;
    if (orphaned(*t, draft.instance(t->containerInstanceId))) {
      plan.orphans.push_back(t);
    } else {
      plan.stop.push_back(t);
    }
    plan.complete = false;
  }
  return plan;
}

}  // namespace ecsd::operations
