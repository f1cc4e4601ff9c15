// RunTask, StartTask, StopTask, ListTasks, DescribeTasks.
#include <random>

#include "ecsd/domain/quotas.h"
#include "ecsd/domain/task_lifecycle.h"
#include "ecsd/errors.h"
#include "operations/client_token.h"
#include "operations/cluster_pool.h"
#include "operations/delivery.h"
#include "operations/lookups.h"
#include "operations/pagination.h"
#include "operations/render.h"
#include "operations/router.h"
#include "operations/task_creation.h"
#include "operations/task_plan.h"

namespace ecsd::operations {

namespace {

using nlohmann::json;
using protocol::ApiError;
using protocol::CallContext;
using protocol::orThrow;
using protocol::RequestReader;

// What RunTask and StartTask share: which definition, with what, for whom.
struct TaskRequest : TaskOrigin {
  TaskDefinitionReference definition;
  std::string group;  // "" until the definition is known
};

TaskRequest readTaskRequest(const Services& s, const RequestReader& in) {
  TaskRequest request;
  request.cluster = clusterName(s.arns, in);
  request.definition = orThrow(s.arns.taskDefinitionReference(in.requiredString("taskDefinition")));
  request.overrides = in.optObject("overrides");
  if (request.overrides.is_null()) request.overrides = json::object();
  if (request.overrides.dump().size() > quotas::kOverridesCharacters) {
    throw ApiError(errors::invalidParameter("Container Overrides length must be at most " +
                                            std::to_string(quotas::kOverridesCharacters)));
  }
  request.group = in.optString("group").value_or("");
  if (request.group.size() > quotas::kGroupCharacters) {
    throw ApiError(errors::invalidParameter(
        "group is at most " + std::to_string(quotas::kGroupCharacters) + " characters."));
  }
  request.startedBy = in.optString("startedBy").value_or("");
  if (request.startedBy.size() > quotas::kStartedByCharacters) {
    throw ApiError(errors::invalidParameter(
        "startedBy is at most " + std::to_string(quotas::kStartedByCharacters) + " characters."));
  }
  request.tags = in.tags("tags");
  return request;
}

const TaskDefinition& activeDefinition(const StateView& view, const TaskRequest& request) {
  const TaskDefinition* definition =
      resolveTaskDefinition(view, request.definition.family, request.definition.revision);
  if (!definition) throw ApiError(errors::client("Unable to find task definition."));
  if (definition->status != "ACTIVE") throw ApiError(errors::client("TaskDefinition is inactive"));
  return *definition;
}

protocol::Answer tasksOutput(const Services& s, const StateView& view,
                             const std::vector<Task>& tasks,
                             const std::vector<scheduler::Failure>& failures) {
  JsonWriter out;
  out.beginObject().key("tasks").beginArray();
  for (const auto& task : tasks) {
    writeTask(out, task, s.arns, view.instance(task.containerInstanceId)->arn, false);
  }
  out.endArray().key("failures").beginArray();
  for (const auto& f : failures) out.value(failure(f.arn, f.reason));
  out.endArray().endObject();
  return protocol::Answer::text(out.take());
}

// What a RunTask with a clientToken records, for a retry to answer the same:
// its parameters' digest, its tasks' ids and its failures. Not the whole
// answer: SDKs send a token with every RunTask, and a whole answer costs
// about 1.2 KB per task.
std::string runTaskRecord(const std::string& digest, const std::vector<Task>& tasks,
                          const std::vector<scheduler::Failure>& failures) {
  json record = {{"parameters", digest}, {"taskIds", json::array()}, {"failures", json::array()}};
  for (const auto& task : tasks) record["taskIds"].push_back(task.id);
  for (const auto& f : failures) record["failures"].push_back(failure(f.arn, f.reason));
  return record.dump();
}

// A retried RunTask: the tasks it placed as they are now, and its failures;
// ConflictException when the retry's parameters differ, as ECS answers.
// Answers recorded whole (before records were compact) are returned as they are.
Result<std::optional<json>> replayRunTask(const StateView& view, const std::string& recorded,
                                          const std::string& digest, std::vector<Task>& tasks,
                                          std::vector<scheduler::Failure>& failures) {
  json record = json::parse(recorded);
  if (!record.contains("taskIds")) return std::optional<json>(std::move(record));
  for (const auto& id : record["taskIds"]) {
    // Gone only once purged, long after it stopped.
    if (const Task* task = view.task(id.get<std::string>())) tasks.push_back(*task);
  }
  if (record.value("parameters", digest) != digest) {
    std::string arns;
    for (const auto& task : tasks) arns += (arns.empty() ? "" : ", ") + task.arn;
    return errors::make("ConflictException",
                        "The clientToken was used for a RunTask with other parameters" +
                            (arns.empty() ? std::string(".") : "; its tasks: " + arns + "."));
  }
  for (const auto& f : record["failures"]) failures.push_back({f["arn"], f["reason"]});
  return std::optional<json>();
}

Later<protocol::Answer> runTask(const Services& s, const CallContext&, const RequestReader& in) {
  TaskRequest request = readTaskRequest(s, in);
  const int count = in.optInt("count", 1, 10).value_or(1);
  refuseOtherLaunchTypes(in);
  const auto constraints = orThrow(scheduler::parseConstraints(in.list("placementConstraints")));
  const auto strategies = orThrow(scheduler::parseStrategies(in.list("placementStrategy")));
  const auto token = in.optString("clientToken");
  const std::string digest = token ? parametersDigest(in) : "";
  std::vector<Task> created;   // placed by this call, for their agents
  std::vector<Task> answered;  // what the answer shows: these, or a retry's
  std::vector<scheduler::Failure> failures;
  const auto earlier = orThrow(co_await s.state.committed([&](Draft& draft)
                                                              -> Result<std::optional<json>> {
    const std::string key = token ? "RunTask:" + request.cluster + ":" + *token : "";
    if (token) {
      if (auto record = draft.idempotentAnswer(key)) {
        return replayRunTask(draft, *record, digest, answered, failures);
      }
    }
    activeCluster(draft, request.cluster);
    const TaskDefinition& definition = activeDefinition(draft, request);
    if (request.group.empty()) request.group = "family:" + definition.family;
    const TaskPlan plan = planTask(definition, request.overrides, request.group);
    if (!draft.hasInstances(request.cluster)) {
      return errors::invalidParameter("No Container Instances were found in your cluster.");
    }
    ClusterPool pool(draft, s.agents, request.cluster);
    thread_local std::mt19937_64 random{std::random_device{}()};
    auto outcome = scheduler::place(pool, plan.demand, count, constraints, strategies, random);
    created = createTasks(s, draft, request, definition, plan, outcome);
    answered = created;
    failures = std::move(outcome.failures);
    if (token) {
      draft.recordAnswer(key, {runTaskRecord(digest, created, failures), s.clock.epochSeconds()});
    }
    return std::optional<json>();
  }));
  deliverTasks(s, created);
  if (earlier) co_return *earlier;
  // Rendered after the write: writes run one at a time.
  co_return s.state.read(
      [&](const Data& data) { return tasksOutput(s, data, answered, failures); });
}

Later<protocol::Answer> startTask(const Services& s, const CallContext&, const RequestReader& in) {
  TaskRequest request = readTaskRequest(s, in);
  const auto references = in.stringList("containerInstances");
  if (references.empty() || references.size() > 10) {
    throw ApiError(errors::invalidParameter("containerInstances must name 1 to 10 instances."));
  }
  std::vector<Task> created;
  auto output = orThrow(co_await s.state.committed([&](Draft& draft) -> Result<protocol::Answer> {
    activeCluster(draft, request.cluster);
    const TaskDefinition& definition = activeDefinition(draft, request);
    if (request.group.empty()) request.group = "family:" + definition.family;
    const TaskPlan plan = planTask(definition, request.overrides, request.group);
    std::vector<std::string> ids;
    std::vector<scheduler::Failure> missing;
    for (const auto& reference : references) {
      const ContainerInstance* instance = findInstance(draft, s.arns, request.cluster, reference);
      if (instance && instance->status != "INACTIVE") {
        // Named twice still means one task there: ECS takes the set of instances.
        if (std::find(ids.begin(), ids.end(), instance->id) == ids.end()) {
          ids.push_back(instance->id);
        }
      } else {
        missing.push_back({reference, "MISSING"});
      }
    }
    auto named = ClusterPool(draft, s.agents, request.cluster).of(ids);
    auto outcome = scheduler::placeOnEach(named, plan.demand);
    outcome.failures.insert(outcome.failures.end(), missing.begin(), missing.end());
    created = createTasks(s, draft, request, definition, plan, outcome);
    return tasksOutput(s, draft, created, outcome.failures);
  }));
  deliverTasks(s, created);
  co_return output;
}

Later<protocol::Answer> stopTask(const Services& s, const CallContext&, const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  const std::string reference = in.requiredString("task");
  const std::string reason = in.optString("reason").value_or("Task stopped by user");
  if (reason.size() > quotas::kReasonCharacters) {
    throw ApiError(errors::invalidParameter(
        "reason is at most " + std::to_string(quotas::kReasonCharacters) + " characters."));
  }
  Task stopping;
  auto output = orThrow(co_await s.state.committed([&](Draft& draft) -> Result<protocol::Answer> {
    activeCluster(draft, cluster);
    const Task* found = findTask(draft, s.arns, cluster, reference);
    if (!found) return errors::invalidParameter("The referenced task was not found.");
    stopping = *found;
    const double now = s.clock.epochSeconds();
    const bool asked = requestStop(stopping, reason, "UserInitiated", now);
    // With its instance gone there is no agent to report STOPPED: it is.
    const bool gone = orphaned(stopping, draft.instance(stopping.containerInstanceId));
    if (gone) markStopped(stopping, now);
    if (asked || gone) draft.put(stopping);
    const std::string instanceArn = draft.instance(stopping.containerInstanceId)->arn;
    return singleItem(
        "task", [&](JsonWriter& out) { writeTask(out, stopping, s.arns, instanceArn, false); });
  }));
  if (stopping.live()) deliverTasks(s, {stopping});
  co_return output;
}

json listTasks(const Services& s, const CallContext&, const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  const auto instanceReference = in.optString("containerInstance");
  const auto family = in.optString("family");
  const auto startedBy = in.optString("startedBy");
  const auto service = in.optString("serviceName");
  const std::string desired =
      in.optEnum("desiredStatus", {"RUNNING", "PENDING", "STOPPED"}).value_or("RUNNING");
  const auto launchType =
      in.optEnum("launchType", {"EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"});
  PageBuilder page(in, "taskArns");
  return s.state.read([&](const Data& data) {
    activeCluster(data, cluster);
    std::optional<std::string> instanceId;
    if (instanceReference) {
      const ContainerInstance* instance = findInstance(data, s.arns, cluster, *instanceReference);
      if (!instance) throw ApiError(errors::invalidParameter("Container instance not found."));
      instanceId = instance->id;
    }
    if (launchType && *launchType != "EC2") return std::move(page).output("taskArns");
    // A service's tasks are its group's (serviceName is a name or an ARN).
    const std::string group = service ? serviceGroup(service->substr(service->rfind('/') + 1)) : "";
    // The cluster's task ids are kept in order, and its ARNs differ only in
    // the id: walk from the token on until the page is full.
    const auto& ids = data.taskIds(cluster);
    auto it = ids.begin();
    if (page.after()) it = ids.upper_bound(page.after()->substr(page.after()->rfind('/') + 1));
    for (; it != ids.end(); ++it) {
      const Task& task = *data.task(*it);
      if (instanceId && task.containerInstanceId != *instanceId) continue;
      if (family && task.family != *family) continue;
      if (startedBy && task.startedBy != *startedBy) continue;
      if (service && task.group != group) continue;
      // PENDING here means "desired RUNNING and not yet running", as in ECS.
      const bool matches = desired == "PENDING"
                               ? task.desiredStatus == "RUNNING" && task.lastStatus == "PENDING"
                               : task.desiredStatus == desired;
      if (matches && page.isAfterToken(task.arn) && !page.add(task.arn, task.arn)) break;
    }
    return std::move(page).output("taskArns");
  });
}

protocol::Answer describeTasks(const Services& s, const CallContext&, const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  const auto references = in.stringList("tasks");
  if (references.empty() || references.size() > 100) {
    throw ApiError(errors::invalidParameter("tasks must name 1 to 100 tasks."));
  }
  const auto include = in.enumList("include", {"TAGS"});
  const bool withTags = !include.empty();
  return s.state.read([&](const Data& data) {
    activeCluster(data, cluster);
    return describedList(
        "tasks", references,
        [&](JsonWriter& out, const std::string& reference) {
          const Task* task = findTask(data, s.arns, cluster, reference);
          if (task) {
            writeTask(out, *task, s.arns, data.instance(task->containerInstanceId)->arn, withTags);
          }
          return task != nullptr;
        },
        [&](const std::string& reference) {
          return reference.starts_with("arn:") ? reference : s.arns.task(cluster, reference);
        });
  });
}

}  // namespace

void addTaskOperations(Router& router) {
  router.add("RunTask",
             touching({{"cluster", Names::kCluster}, {"taskDefinition", Names::kTaskDefinition}}),
             runTask);
  router.add("StartTask",
             touching({{"cluster", Names::kCluster},
                       {"taskDefinition", Names::kTaskDefinition},
                       {"containerInstances", Names::kContainerInstance}}),
             startTask);
  router.add("StopTask", touching({{"cluster", Names::kCluster}, {"task", Names::kTask}}),
             stopTask);
  router.add(
      "ListTasks",
      touching({{"cluster", Names::kCluster}, {"containerInstance", Names::kContainerInstance}}),
      listTasks);
  router.add("DescribeTasks", touching({{"cluster", Names::kCluster}, {"tasks", Names::kTask}}),
             describeTasks);
}

}  // namespace ecsd::operations
