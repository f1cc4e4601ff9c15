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

// The service's live tasks as this pass sorts them.
struct Sorted {
  std::vector<const Task*> primary;  // of the primary deployment, on ACTIVE instances
  std::vector<const Task*> leaving;  // of older deployments, or on instances being drained
  std::vector<const Task*> orphans;  // on instances that are gone
};

Sorted sortTasks(const Draft& draft, const std::vector<const Task*>& tasks,
                 const std::string& primaryId) {
  Sorted sorted;
  for (const Task* task : tasks) {
    if (!task->live() || task->desiredStatus != "RUNNING") continue;
    const ContainerInstance* instance = draft.instance(task->containerInstanceId);
    if (orphaned(*task, instance)) {
      sorted.orphans.push_back(task);
    } else if (task->startedBy == primaryId && instance->status == "ACTIVE") {
      sorted.primary.push_back(task);
    } else {
      sorted.leaving.push_back(task);
    }
  }
  return sorted;
}

int running(const std::vector<const Task*>& tasks) {
  return static_cast<int>(std::count_if(tasks.begin(), tasks.end(),
                                        [](const Task* t) { return t->lastStatus == "RUNNING"; }));
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
      clustersWithNewInstances_.insert(instance.cluster);
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
    clusters.swap(clustersWithNewInstances_);
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
    // The services with tasks on a changed instance (drained, deregistered).
    s_.state.read([&](const Data& data) {
      for (const auto& id : instances) {
        for (const auto& taskId : data.taskIdsOn(id)) {
          const Task* task = data.task(taskId);
          if (!task || !task->live()) continue;
          if (auto service = serviceOfGroup(task->group)) due.insert({task->cluster, *service});
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
    Deployment& primary = *service.primary();

    // The circuit breaker: too many of the primary's tasks failed to start.
    const auto& configuration = service.deploymentConfiguration;
    if (configuration.circuitBreakerEnable && primary.rolloutState == "IN_PROGRESS" &&
        primary.failedTasks >= rules::circuitBreakerThreshold(service.desiredCount)) {
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
    Deployment& current = *service.primary();
    const int desired = service.status == "DRAINING" ? 0 : service.desiredCount;
    current.desiredCount = desired;

    const Sorted sorted = sortTasks(draft, tasks, current.id);
    rules::TaskCounts counts;
    counts.desired = desired;
    counts.primaryLive = static_cast<int>(sorted.primary.size());
    counts.primaryHealthy = running(sorted.primary);
    counts.leavingHealthy = running(sorted.leaving);
    counts.leavingUnhealthy = static_cast<int>(sorted.leaving.size()) - counts.leavingHealthy;
    rules::Step step = rules::nextStep(counts, configuration);

    // A deployment that failed without a rollback starts nothing more; one
    // whose tasks keep failing waits longer each time.
    if (current.rolloutState == "FAILED") step.start = 0;
    if (step.start > 0 && counts.primaryHealthy == 0 && failures.primary >= 2) {
      const double at = failures.lastAt + rules::startDelay(failures.primary);
      if (failures.primary >= 3) {
        rules::addEvent(service, rules::unableToConsistentlyStart(service.name), now);
      }
      if (now < at) {
        step.start = 0;
        again = at;
      }
    }

    // Stop: orphans at once (no agent will), then what the step says.
    std::vector<Task> stopped;
    const std::string reason = "Scaling activity initiated by (deployment " + current.id + ")";
    for (const Task* t : sorted.orphans) {
      Task task = *t;
      requestStop(task, reason, kSchedulerStop, now);
      markStopped(task, now);
      draft.put(task);
    }
    std::vector<const Task*> stopping = pickToStop(sorted.primary, step.stopPrimary, false);
    const auto runningSurplus =
        pickToStop(sorted.primary, step.stopPrimary - static_cast<int>(stopping.size()), true);
    stopping.insert(stopping.end(), runningSurplus.begin(), runningSurplus.end());
    const auto leavingPending = pickToStop(sorted.leaving, step.stopLeavingUnhealthy, false);
    const auto leavingRunning = pickToStop(sorted.leaving, step.stopLeavingHealthy, true);
    stopping.insert(stopping.end(), leavingPending.begin(), leavingPending.end());
    stopping.insert(stopping.end(), leavingRunning.begin(), leavingRunning.end());
    std::vector<std::string> stoppedIds;
    for (const Task* t : stopping) {
      Task task = *t;
      if (!requestStop(task, reason, kSchedulerStop, now)) continue;
      draft.put(task);
      if (task.lastStatus == "RUNNING") stoppedIds.push_back(task.id);
      stopped.push_back(std::move(task));
    }
    if (!stoppedIds.empty()) {
      rules::addEvent(service, rules::stoppedTasks(service.name, stoppedIds), now);
    }

    // Start what the primary lacks, placed as RunTask places.
    std::vector<Task> started;
    if (step.start > 0) {
      const auto reference = s_.arns.taskDefinitionReference(current.taskDefinitionArn);
      const TaskDefinition* definition =
          reference && reference->revision
              ? draft.taskDefinition(reference->family, *reference->revision)
              : nullptr;
      if (definition) {
        const TaskPlan plan =
            planTask(*definition, nlohmann::json::object(), serviceGroup(service.name));
        ClusterPool pool(draft, s_.agents, service.cluster);
        thread_local std::mt19937_64 random{std::random_device{}()};
        const auto outcome =
            scheduler::place(pool, plan.demand, step.start,
                             scheduler::parseConstraints(service.placementConstraints).value(),
                             strategiesOf(service), random);
        started = createTasks(s_, draft,
                              TaskOrigin{service.cluster, nlohmann::json::object(), current.id,
                                         tagsFor(service, *definition)},
                              *definition, plan, outcome);
        if (static_cast<int>(started.size()) < step.start) {
          const auto& f = outcome.failures;
          rules::addEvent(service,
                          rules::unableToPlace(service.name, f.empty() ? "" : idOf(f.front().arn),
                                               f.empty() ? "" : f.front().reason),
                          now);
          again = now + kCapacityRetrySeconds;
        }
      }
    }
    if (!started.empty()) {
      std::vector<std::string> ids;
      for (const auto& t : started) ids.push_back(t.id);
      rules::addEvent(service, rules::startedTasks(service.name, ids), now);
      current.pendingCount += static_cast<int>(started.size());
      service.pendingCount += static_cast<int>(started.size());
    }

    // Older deployments leave once none of their tasks runs any more; the
    // primary completes once it alone runs all of desired.
    const std::string primaryId = current.id;
    std::erase_if(service.deployments, [&](const Deployment& d) {
      return d.id != primaryId && std::none_of(tasks.begin(), tasks.end(), [&](const Task* t) {
               return t->startedBy == d.id && t->live();
             });
    });
    const auto live =
        std::count_if(tasks.begin(), tasks.end(), [](const Task* t) { return t->live(); });
    Deployment& finished = *service.primary();
    const bool settled = stopping.empty() && started.empty() && live == counts.primaryLive &&
                         counts.primaryLive == desired && counts.primaryHealthy == desired;
    if (settled && finished.rolloutState == "IN_PROGRESS") {
      finished.rolloutState = "COMPLETED";
      finished.rolloutStateReason = rules::rolloutCompleted(finished.id);
      finished.updatedAt = now;
      service.completedTaskDefinitionArn = finished.taskDefinitionArn;
      rules::addEvent(service, rules::deploymentCompleted(service.name, finished.id), now);
    }
    if (!settled) service.steady = false;
    if (settled && service.deployments.size() == 1 && !service.steady) {
      service.steady = true;
      rules::addEvent(service, rules::steadyState(service.name), now);
    }
    if (service.status == "DRAINING" && live == 0) {  // every task has stopped
      service.status = "INACTIVE";
      for (auto& d : service.deployments) d.status = "INACTIVE";
    }

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
