#include "operations/service_scheduler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <random>

#include "ecsd/domain/service_rules.h"
#include "ecsd/domain/task_lifecycle.h"
#include "operations/cluster_pool.h"
#include "operations/delivery.h"
#include "operations/service_plan.h"
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
// A deployment's or task set's tasks (startedBy its id): the live ones, as
// ECS counts them (a task asked to stop runs until it has), and those running.
struct Live {
  int live = 0;
  int running = 0;
  int pending() const { return live - running; }
};
Live liveOf(const std::vector<const Task*>& tasks, const std::string& id) {
  Live n;
  for (const Task* t : tasks) {
    if (t->startedBy != id || !t->live()) continue;
    ++n.live;
    n.running += t->lastStatus == "RUNNING" ? 1 : 0;
  }
  return n;
}

Failures countDeployments(Service& service, const std::vector<const Task*>& tasks, double now) {
  Failures f;
  service.runningCount = service.pendingCount = 0;
  for (auto& d : service.deployments) {
    const Live n = liveOf(tasks, d.id);
    int failures = 0;
    for (const Task* t : tasks) {
      if (t->startedBy != d.id || !failed(*t)) continue;
      ++failures;
      if (&d == service.primary()) f.lastAt = std::max(f.lastAt, t->stoppedAt.value_or(0));
    }
    const int failedTasks =
        std::max(d.failedTasks, failures);  // tasks purged meanwhile count still
    if (d.runningCount != n.running || d.pendingCount != n.pending() ||
        d.failedTasks != failedTasks) {
      d.runningCount = n.running;
      d.pendingCount = n.pending();
      d.failedTasks = failedTasks;
      d.updatedAt = now;
    }
    service.runningCount += n.running;
    service.pendingCount += n.pending();
    if (&d == service.primary()) f.primary = failures;
  }
  return f;
}

// Counts each task set's tasks onto it, its computedDesiredCount (none once
// it or the service is DRAINING), and the service's totals.
void countTaskSets(Service& service, const std::vector<const Task*>& tasks, double now) {
  service.runningCount = service.pendingCount = 0;
  for (auto& set : service.taskSets) {
    const Live n = liveOf(tasks, set.id);
    const int desired = set.status == "DRAINING" || service.status == "DRAINING"
                            ? 0
                            : rules::computedDesiredCount(service.desiredCount, set.scale);
    if (set.runningCount != n.running || set.pendingCount != n.pending() ||
        set.computedDesiredCount != desired) {
      set.runningCount = n.running;
      set.pendingCount = n.pending();
      set.computedDesiredCount = desired;
      set.updatedAt = now;
    }
    service.runningCount += n.running;
    service.pendingCount += n.pending();
  }
}

bool anyLive(const std::vector<const Task*>& tasks, const std::string& startedBy) {
  return liveOf(tasks, startedBy).live > 0;
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
  if (const auto set = timerOf_.find(key); set != timerOf_.end()) {
    if (set->second <= when) return;  // woken sooner already
    timers_.erase({set->second, key});
  }
  timers_.insert({when, key});
  timerOf_[key] = when;
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
    // Those whose time has come, and those waiting for capacity in a cluster
    // whose instances changed (one may have room now).
    for (auto it = timers_.begin(); it != timers_.end();) {
      if (it->first > now && clusters.empty()) break;
      if (it->first <= now || clusters.contains(it->second.first)) {
        due.insert(it->second);
        timerOf_.erase(it->second);
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

// Once the tasks are where the plan leaves them (ECS controller): older
// deployments leave once none of their tasks runs any more, and the primary
// completes once it alone runs all of desired.
void finishDeployments(Service& service, const std::vector<const Task*>& tasks, bool settled,
                       double now) {
  const std::string primaryId = service.primary()->id;
  std::erase_if(service.deployments, [&](const Deployment& d) {
    return d.id != primaryId && !anyLive(tasks, d.id);
  });
  Deployment& primary = *service.primary();
  if (settled && primary.rolloutState == "IN_PROGRESS") {
    primary.rolloutState = "COMPLETED";
    primary.rolloutStateReason = rules::rolloutCompleted(primary.id);
    primary.updatedAt = now;
    service.completedTaskDefinitionArn = primary.taskDefinitionArn;
    rules::addEvent(service, rules::deploymentCompleted(service.name, primary.id), now);
  }
}

// EXTERNAL: a deleted task set leaves once none of its tasks runs; each is
// STEADY_STATE while its tasks are all of its count, running, and the pass
// touched none of them.
void finishTaskSets(Service& service, const std::vector<const Task*>& tasks,
                    const std::vector<Task>& touched, double now) {
  std::erase_if(service.taskSets, [&](const TaskSet& set) {
    return set.status == "DRAINING" && !anyLive(tasks, set.id);
  });
  for (auto& set : service.taskSets) {
    const bool changed = std::any_of(touched.begin(), touched.end(),
                                     [&](const Task& t) { return t.startedBy == set.id; });
    const bool steady = !changed && set.pendingCount == 0 &&
                        set.runningCount == set.computedDesiredCount;
    const std::string status = steady ? "STEADY_STATE" : "STABILIZING";
    if (set.stabilityStatus != status) {
      set.stabilityStatus = status;
      set.stabilityStatusAt = set.updatedAt = now;
    }
  }
}

// A deployment's or task set's definition: they name only registered revisions.
const TaskDefinition* definitionOf(const Services& s, const Draft& draft, const std::string& arn) {
  const auto reference = s.arns.taskDefinitionReference(arn);
  return reference && reference->revision
             ? draft.taskDefinition(reference->family, *reference->revision)
             : nullptr;
}

// The ECS controller's plan: the deployments counted, the circuit breaker
// consulted, the tasks planned by the scheduling strategy, and the starts
// held back while the primary's tasks keep failing (`again`: when to retry).
// nullopt when the primary's definition is gone.
std::optional<Plan> planDeployments(const Services& s, const Draft& draft, Service& service,
                                    const std::vector<const Task*>& tasks,
                                    const std::vector<scheduler::Constraint>& constraints,
                                    double now, double& again) {
  Failures failures = countDeployments(service, tasks, now);
  tripCircuitBreaker(service, failures, now);
  Deployment& current = *service.primary();
  const TaskDefinition* definition = definitionOf(s, draft, current.taskDefinitionArn);
  if (!definition) return std::nullopt;
  Plan plan;
  if (service.schedulingStrategy == "DAEMON") {
    const TaskPlan taskPlan =
        planTask(*definition, nlohmann::json::object(), serviceGroup(service.name));
    plan = planDaemon(draft, s.agents, service, tasks, taskPlan.demand, constraints);
    service.desiredCount = plan.desired;
  } else {
    plan = planReplica(draft, service, tasks);
  }
  current.desiredCount = plan.desired;
  // A deployment that failed without a rollback starts nothing more; one
  // whose tasks keep failing waits longer each time.
  if (current.rolloutState == "FAILED") plan.starts.clear();
  if (plan.starting() > 0 && current.runningCount == 0 && failures.primary >= 2) {
    const double at = failures.lastAt + rules::startDelay(failures.primary);
    if (failures.primary >= 3) {
      rules::addEvent(service, rules::unableToConsistentlyStart(service.name), now);
    }
    if (now < at) {
      plan.starts.clear();
      again = at;
    }
  }
  return plan;
}

// Stops what the plan says: orphans at once (no agent will report them), the
// rest asked to stop; returns those, for their agents.
std::vector<Task> stopPlanned(Draft& draft, Service& service, const Plan& plan, double now) {
  const std::string reason =
      service.deploymentController == "EXTERNAL"
          ? "Scaling activity initiated by (service " + service.name + ")"
          : "Scaling activity initiated by (deployment " + service.primary()->id + ")";
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
  return stopped;
}

// Starts what each deployment or task set lacks, placed as RunTask places
// (or, on named instances, as StartTask), and says so; what could not be
// placed is said too, and tried again later (`again`).
std::vector<Task> startPlanned(const Services& s, Draft& draft, Service& service, const Plan& plan,
                               const std::vector<scheduler::Constraint>& constraints, double now,
                               double& again) {
  std::vector<Task> started;
  for (const Start& start : plan.starts) {
    const TaskDefinition* definition = definitionOf(s, draft, start.taskDefinitionArn);
    if (!definition) continue;
    const TaskPlan taskPlan =
        planTask(*definition, nlohmann::json::object(), serviceGroup(service.name));
    ClusterPool pool(draft, s.agents, service.cluster);
    thread_local std::mt19937_64 random{std::random_device{}()};
    scheduler::Outcome outcome;
    if (start.on.empty()) {
      outcome = scheduler::place(pool, taskPlan.demand, start.count, constraints,
                                 strategiesOf(service), random);
    } else {
      auto candidates = pool.of(start.on);
      outcome = scheduler::placeOnEach(candidates, taskPlan.demand);
    }
    auto made = createTasks(s, draft,
                            TaskOrigin{service.cluster, nlohmann::json::object(), start.startedBy,
                                       tagsFor(service, *definition)},
                            *definition, taskPlan, outcome);
    if (static_cast<int>(made.size()) < start.wanted()) {
      const auto& f = outcome.failures;
      rules::addEvent(service,
                      rules::unableToPlace(service.name, f.empty() ? "" : idOf(f.front().arn),
                                           f.empty() ? "" : f.front().reason),
                      now);
      again = now + kCapacityRetrySeconds;
    }
    started.insert(started.end(), made.begin(), made.end());
  }
  if (started.empty()) return started;
  std::vector<std::string> ids;
  for (const auto& t : started) {
    ids.push_back(t.id);
    for (auto& d : service.deployments) d.pendingCount += d.id == t.startedBy ? 1 : 0;
    for (auto& set : service.taskSets) set.pendingCount += set.id == t.startedBy ? 1 : 0;
  }
  rules::addEvent(service, rules::startedTasks(service.name, ids), now);
  service.pendingCount += static_cast<int>(started.size());
  return started;
}

// Said once each time the service settles with one rollout left; a deleted
// service is INACTIVE once none of its tasks runs.
void finishService(Service& service, const std::vector<const Task*>& tasks, bool settled,
                   double now) {
  const bool one = service.deploymentController == "EXTERNAL"
                       ? std::none_of(service.taskSets.begin(), service.taskSets.end(),
                                      [](const TaskSet& t) { return t.status == "DRAINING"; })
                       : service.deployments.size() == 1;
  if (!settled) service.steady = false;
  if (settled && one && !service.steady) {
    service.steady = true;
    rules::addEvent(service, rules::steadyState(service.name), now);
  }
  if (service.status == "DRAINING" &&
      std::none_of(tasks.begin(), tasks.end(), [](const Task* t) { return t->live(); })) {
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
    if (!stored || stored->status == "INACTIVE") return 0;
    const bool external = stored->deploymentController == "EXTERNAL";
    if (!external && !stored->primary()) return 0;
    Service service = *stored;
    const double now = s_.clock.epochSeconds();
    const auto tasks = draft.serviceTasks(key.first, key.second);
    const auto constraints = scheduler::parseConstraints(service.placementConstraints).value();

    // Plan, stop, start.
    std::optional<Plan> plan;
    if (external) {
      countTaskSets(service, tasks, now);
      plan = planTaskSets(draft, service, tasks);
    } else {
      plan = planDeployments(s_, draft, service, tasks, constraints, now, again);
      if (!plan) return 0;
    }
    std::vector<Task> stopped = stopPlanned(draft, service, *plan, now);
    touched = startPlanned(s_, draft, service, *plan, constraints, now, again);
    touched.insert(touched.end(), stopped.begin(), stopped.end());
    const bool settled = plan->complete && touched.empty();
    if (external) {
      finishTaskSets(service, tasks, touched, now);
    } else {
      finishDeployments(service, tasks, settled, now);
    }
    finishService(service, tasks, settled, now);
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
