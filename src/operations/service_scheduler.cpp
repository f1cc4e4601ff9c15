#include "operations/service_scheduler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "ecsd/domain/service_rules.h"
#include "ecsd/domain/task_lifecycle.h"
#include "operations/cluster_pool.h"
#include "operations/delivery.h"
#include "operations/task_creation.h"
#include "operations/task_plan.h"

namespace ecsd::operations {

namespace rules = service_rules;

namespace {

// How long a service that could not place all its tasks waits before it
// tries again (sooner when an instance registers in its cluster).
constexpr double kCapacityRetrySeconds = 10;

// A stop code of the scheduler's own: the task did not fail.
constexpr const char* kSchedulerStop = "ServiceSchedulerInitiated";

bool failed(const Task& task) {
  // Stopped without being asked (it failed to start, or an essential
  // container exited): what the circuit breaker and the backoff count.
  return !task.live() && task.stopCode != kSchedulerStop && task.stopCode != "UserInitiated";
}

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

// What one pass does to a service's tasks.
struct Plan {
  int desired = 0;
  std::vector<const Task*> orphans;  // on instances that are gone: stopped at once
  std::vector<const Task*> stop;     // asked to stop
  int start = 0;                     // REPLICA: how many to place
  std::vector<std::string> startOn;  // DAEMON: the instances that get one each
  bool complete = false;             // the primary alone runs all of desired
  int starting() const { return start + static_cast<int>(startOn.size()); }
};

// REPLICA: desiredCount tasks anywhere, rolled within the deployment
// configuration's minimum and maximum.
Plan planReplica(const Draft& draft, const Service& service,
                 const std::vector<const Task*>& tasks) {
  Plan plan;
  plan.desired = service.status == "DRAINING" ? 0 : service.desiredCount;
  // The live tasks asked to run: the primary's on ACTIVE instances; the
  // leaving (older deployments', or on instances being drained); orphans.
  std::vector<const Task*> primary, leaving;
  for (const Task* task : tasks) {
    if (!task->live() || task->desiredStatus != "RUNNING") continue;
    const ContainerInstance* instance = draft.instance(task->containerInstanceId);
    if (orphaned(*task, instance)) {
      plan.orphans.push_back(task);
    } else if (task->startedBy == service.primary()->id && instance->status == "ACTIVE") {
      primary.push_back(task);
    } else {
      leaving.push_back(task);
    }
  }
  rules::TaskCounts counts;
  counts.desired = plan.desired;
  counts.primaryLive = static_cast<int>(primary.size());
  counts.primaryHealthy = running(primary);
  counts.leavingHealthy = running(leaving);
  counts.leavingUnhealthy = static_cast<int>(leaving.size()) - counts.leavingHealthy;
  const rules::Step step = rules::nextStep(counts, service.deploymentConfiguration);
  plan.stop = surplus(primary, step.stopPrimary);
  append(plan.stop, pickToStop(leaving, step.stopLeavingUnhealthy, false));
  append(plan.stop, pickToStop(leaving, step.stopLeavingHealthy, true));
  plan.start = step.start;
  plan.complete = live(tasks) == counts.primaryLive && counts.primaryLive == plan.desired &&
                  counts.primaryHealthy == plan.desired;
  return plan;
}

// DAEMON: one task on every instance that admits the service. An instance
// that no longer does (drained, or its attributes changed) loses its task at
// once; a deployment replaces the tasks instance by instance, stopping the
// old before starting the new there (it holds the resources), with at least
// minimumHealthyPercent of the instances running one meanwhile.
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
    if (!occupied.contains(id)) plan.startOn.push_back(id);
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

std::vector<scheduler::Strategy> strategiesOf(const Service& service) {
  if (service.placementStrategy.empty()) {
    // ECS's default for services: spread across availability zones.
    return {{scheduler::Strategy::Type::Spread, "attribute:ecs.availability-zone"}};
  }
  return scheduler::parseStrategies(service.placementStrategy).value();
}

Tags tagsFor(const Service& service, const TaskDefinition& definition) {
  Tags tags;
  if (service.propagateTags == "SERVICE") tags = service.tags;
  if (service.propagateTags == "TASK_DEFINITION") tags = definition.tags;
  if (service.enableECSManagedTags) {
    tags = mergeTags(std::move(tags), {{"aws:ecs:clusterName", service.cluster},
                                       {"aws:ecs:serviceName", service.name}});
  }
  return tags;
}

std::string idOf(const std::string& arn) { return arn.substr(arn.rfind('/') + 1); }

// Counts each deployment's tasks onto it, and the failures the circuit
// breaker and the backoff look at.
struct Failures {
  int primary = 0;
  double lastAt = 0;
};
Failures countDeployments(Service& service, const std::vector<const Task*>& tasks, double now) {
  Failures f;
  service.runningCount = service.pendingCount = 0;
  for (auto& d : service.deployments) {
    int live = 0, up = 0, failures = 0;
    for (const Task* t : tasks) {
      if (t->startedBy != d.id) continue;
      if (t->live()) {  // as ECS counts them: a task asked to stop runs until it has
        ++live;
        up += t->lastStatus == "RUNNING" ? 1 : 0;
      }
      if (failed(*t)) {
        ++failures;
        if (&d == service.primary()) f.lastAt = std::max(f.lastAt, t->stoppedAt.value_or(0));
      }
    }
    const int failedTasks =
        std::max(d.failedTasks, failures);  // tasks purged meanwhile count still
    if (d.runningCount != up || d.pendingCount != live - up || d.failedTasks != failedTasks) {
      d.runningCount = up;
      d.pendingCount = live - up;
      d.failedTasks = failedTasks;
      d.updatedAt = now;
    }
    service.runningCount += up;
    service.pendingCount += live - up;
    if (&d == service.primary()) f.primary = failures;
  }
  return f;
}

}  // namespace

ServiceScheduler::ServiceScheduler(Services services) : s_(services) {}

ServiceScheduler::~ServiceScheduler() { stop(); }

void ServiceScheduler::changed(const ChangeSet& changes) {
  bool any = false;
  {
    std::lock_guard lock(mutex_);
    for (const auto& service : changes.of<Service>().put) {
      due_.insert({service.cluster, service.name});
      any = true;
    }
    for (const auto& task : changes.of<Task>().put) {
      const auto service = serviceOfGroup(task.group);
      if (!service) continue;
      due_.insert({task.cluster, *service});
      any = true;
    }
    for (const auto& instance : changes.of<ContainerInstance>().put) {
      changedInstances_.insert(instance.id);
      clustersWithChangedInstances_.insert(instance.cluster);
      any = true;
    }
  }
  if (any) wake_.notify_one();
}

void ServiceScheduler::wakeAll() {
  auto keys = s_.state.read([](const Data& data) {
    std::vector<Key> keys;
    for (const auto& [key, service] : data.services()) {
      if (service.status != "INACTIVE") keys.push_back(key);
    }
    return keys;
  });
  std::lock_guard lock(mutex_);
  due_.insert(keys.begin(), keys.end());
  wake_.notify_one();
}

void ServiceScheduler::wakeAt(const Key& key, double when) {
  std::lock_guard lock(mutex_);
  for (auto it = timers_.begin(); it != timers_.end(); ++it) {
    if (it->second == key) {
      if (it->first <= when) return;  // woken sooner already
      timers_.erase(it);
      break;
    }
  }
  timers_.emplace(when, key);
}

int ServiceScheduler::runDue() {
  std::set<Key> due;
  std::set<std::string> instances, clusters;
  {
    std::lock_guard lock(mutex_);
    due.swap(due_);
    instances.swap(changedInstances_);
    clusters.swap(clustersWithChangedInstances_);
    const double now = s_.clock.epochSeconds();
    for (auto it = timers_.begin(); it != timers_.end() && it->first <= now;) {
      due.insert(it->second);
      it = timers_.erase(it);
    }
    // A service waiting for capacity tries again when its cluster gains an instance.
    for (auto it = timers_.begin(); it != timers_.end();) {
      if (clusters.contains(it->second.first)) {
        due.insert(it->second);
        it = timers_.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (!instances.empty()) {
    s_.state.read([&](const Data& data) {
      // The services with tasks on a changed instance (drained, deregistered).
      for (const auto& id : instances) {
        for (const auto& taskId : data.taskIdsOn(id)) {
          const Task* task = data.task(taskId);
          if (!task || !task->live()) continue;
          if (auto service = serviceOfGroup(task->group)) due.insert({task->cluster, *service});
        }
      }
      // And every DAEMON service of its cluster: the instance may now admit it, or no longer.
      for (const auto& cluster : clusters) {
        const auto& services = data.services();
        for (auto it = services.from(std::make_pair(cluster, std::string()));
             it != services.end() && it->first.first == cluster; ++it) {
          if (it->second.schedulingStrategy == "DAEMON" && it->second.status != "INACTIVE") {
            due.insert(it->first);
          }
        }
      }
      return 0;
    });
  }
  for (const auto& key : due) {
    const double again = reconcile(key);
    if (again > 0) wakeAt(key, again);
  }
  return static_cast<int>(due.size());
}

namespace {

// The circuit breaker: too many of the primary's tasks failed to start. The
// deployment fails, and rolls back to the last completed one when asked.
void tripCircuitBreaker(Service& service, Failures& failures, double now) {
  const auto& configuration = service.deploymentConfiguration;
  Deployment& primary = *service.primary();
  if (!configuration.circuitBreakerEnable || primary.rolloutState != "IN_PROGRESS" ||
      primary.failedTasks < rules::circuitBreakerThreshold(service.desiredCount)) {
    return;
  }
  primary.rolloutState = "FAILED";
  primary.rolloutStateReason = rules::rolloutFailed();
  primary.updatedAt = now;
  rules::addEvent(service, rules::deploymentFailed(service.name, primary.id), now);
  if (configuration.circuitBreakerRollback && !service.completedTaskDefinitionArn.empty()) {
    const std::string failedId = primary.id;
    rules::startDeployment(service, service.completedTaskDefinitionArn, now);
    failures = {};  // the new deployment's own, none yet
    Deployment& back = *service.primary();
    back.rolloutStateReason = rules::rolloutRollingBack(failedId);
    rules::addEvent(service, rules::rollingBack(service.name, back.id), now);
  }
}

// Once the tasks are where the plan leaves them: older deployments leave
// once none of their tasks runs any more, the primary completes once it alone
// runs all of desired, and a deleted service is INACTIVE once none runs.
void finishPass(Service& service, const std::vector<const Task*>& tasks, bool settled,
                double now) {
  const std::string primaryId = service.primary()->id;
  std::erase_if(service.deployments, [&](const Deployment& d) {
    return d.id != primaryId && std::none_of(tasks.begin(), tasks.end(), [&](const Task* t) {
             return t->startedBy == d.id && t->live();
           });
  });
  Deployment& primary = *service.primary();
  if (settled && primary.rolloutState == "IN_PROGRESS") {
    primary.rolloutState = "COMPLETED";
    primary.rolloutStateReason = rules::rolloutCompleted(primary.id);
    primary.updatedAt = now;
    service.completedTaskDefinitionArn = primary.taskDefinitionArn;
    rules::addEvent(service, rules::deploymentCompleted(service.name, primary.id), now);
  }
  if (!settled) service.steady = false;
  if (settled && service.deployments.size() == 1 && !service.steady) {
    service.steady = true;
    rules::addEvent(service, rules::steadyState(service.name), now);
  }
  if (service.status == "DRAINING" && live(tasks) == 0) {
    service.status = "INACTIVE";
    for (auto& d : service.deployments) d.status = "INACTIVE";
  }
}

}  // namespace

double ServiceScheduler::reconcile(const Key& key) {
  std::vector<Task> touched;  // started and stopped, for their agents
  double again = 0;
  const auto written = s_.state.write([&](Draft& draft) -> Result<int> {
    const Service* stored = draft.service(key.first, key.second);
    if (!stored || stored->status == "INACTIVE" || !stored->primary()) return 0;
    Service service = *stored;
    const double now = s_.clock.epochSeconds();
    const auto tasks = draft.serviceTasks(key.first, key.second);
    Failures failures = countDeployments(service, tasks, now);
    tripCircuitBreaker(service, failures, now);
    Deployment& current = *service.primary();
    const auto reference = s_.arns.taskDefinitionReference(current.taskDefinitionArn);
    const TaskDefinition* definition =
        reference && reference->revision
            ? draft.taskDefinition(reference->family, *reference->revision)
            : nullptr;
    if (!definition) return 0;  // a deployment names only registered revisions
    const TaskPlan taskPlan =
        planTask(*definition, nlohmann::json::object(), serviceGroup(service.name));
    const auto constraints = scheduler::parseConstraints(service.placementConstraints).value();
    Plan plan = service.schedulingStrategy == "DAEMON"
                    ? planDaemon(draft, s_.agents, service, tasks, taskPlan.demand, constraints)
                    : planReplica(draft, service, tasks);
    if (service.schedulingStrategy == "DAEMON") service.desiredCount = plan.desired;
    current.desiredCount = plan.desired;

    // A deployment that failed without a rollback starts nothing more; one
    // whose tasks keep failing waits longer each time.
    if (current.rolloutState == "FAILED") plan.start = 0, plan.startOn.clear();
    const bool primaryUp = current.runningCount > 0;
    if (plan.starting() > 0 && !primaryUp && failures.primary >= 2) {
      const double at = failures.lastAt + rules::startDelay(failures.primary);
      if (failures.primary >= 3) {
        rules::addEvent(service, rules::unableToConsistentlyStart(service.name), now);
      }
      if (now < at) {
        plan.start = 0, plan.startOn.clear();
        again = at;
      }
    }

    // Stop: orphans at once (no agent will), then what the plan says.
    const std::string reason = "Scaling activity initiated by (deployment " + current.id + ")";
    for (const Task* t : plan.orphans) {
      Task task = *t;
      requestStop(task, reason, kSchedulerStop, now);
      markStopped(task, now);
      draft.put(task);
    }
    std::vector<Task> stopped;
    std::vector<std::string> stoppedIds;
    for (const Task* t : plan.stop) {
      Task task = *t;
      if (!requestStop(task, reason, kSchedulerStop, now)) continue;
      draft.put(task);
      if (task.lastStatus == "RUNNING") stoppedIds.push_back(task.id);
      stopped.push_back(std::move(task));
    }
    if (!stoppedIds.empty()) {
      rules::addEvent(service, rules::stoppedTasks(service.name, stoppedIds), now);
    }

    // Start what the primary lacks, placed as RunTask (REPLICA) or StartTask
    // (DAEMON, on its instances) places.
    std::vector<Task> started;
    if (plan.starting() > 0) {
      ClusterPool pool(draft, s_.agents, service.cluster);
      thread_local std::mt19937_64 random{std::random_device{}()};
      scheduler::Outcome outcome;
      if (plan.start > 0) {
        outcome = scheduler::place(pool, taskPlan.demand, plan.start, constraints,
                                   strategiesOf(service), random);
      } else {
        auto candidates = pool.of(plan.startOn);
        outcome = scheduler::placeOnEach(candidates, taskPlan.demand);
      }
      started = createTasks(s_, draft,
                            TaskOrigin{service.cluster, nlohmann::json::object(), current.id,
                                       tagsFor(service, *definition)},
                            *definition, taskPlan, outcome);
      if (static_cast<int>(started.size()) < plan.starting()) {
        const auto& f = outcome.failures;
        rules::addEvent(service,
                        rules::unableToPlace(service.name, f.empty() ? "" : idOf(f.front().arn),
                                             f.empty() ? "" : f.front().reason),
                        now);
        again = now + kCapacityRetrySeconds;
      }
    }
    if (!started.empty()) {
      std::vector<std::string> ids;
      for (const auto& t : started) ids.push_back(t.id);
      rules::addEvent(service, rules::startedTasks(service.name, ids), now);
      current.pendingCount += static_cast<int>(started.size());
      service.pendingCount += static_cast<int>(started.size());
    }

    finishPass(service, tasks, plan.complete && stopped.empty() && started.empty(), now);
    touched = std::move(started);
    touched.insert(touched.end(), stopped.begin(), stopped.end());
    if (!(service == *stored)) draft.put(std::move(service));
    return 0;
  });
  if (!written) {
    spdlog::warn("msg=\"service pass failed\" cluster={} service={} error=\"{}\"", key.first,
                 key.second, written.error().message);
    return s_.clock.epochSeconds() + kCapacityRetrySeconds;
  }
  if (!touched.empty()) deliverTasks(s_, touched);
  return again;
}

void ServiceScheduler::start() {
  thread_ = std::thread([this] {
    while (true) {
      {
        std::unique_lock lock(mutex_);
        const auto nothingDue = [&] {
          return due_.empty() && changedInstances_.empty() &&
                 (timers_.empty() || timers_.begin()->first > s_.clock.epochSeconds());
        };
        while (!stopping_ && nothingDue()) {
          if (timers_.empty()) {
            wake_.wait(lock);
          } else {
            const double wait = timers_.begin()->first - s_.clock.epochSeconds();
            wake_.wait_for(lock, std::chrono::duration<double>(std::max(0.0, wait)));
          }
        }
        if (stopping_) return;
      }
      runDue();
    }
  });
}

void ServiceScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ecsd::operations
