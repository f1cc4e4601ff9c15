// CreateTaskSet, UpdateTaskSet, DeleteTaskSet, DescribeTaskSets,
// UpdateServicePrimaryTaskSet: the EXTERNAL deployment controller's calls.
// They change what a service's task sets want; the service scheduler
// (service_scheduler.h) keeps each at its computedDesiredCount.
#include "ecsd/domain/service_rules.h"
#include "ecsd/errors.h"
#include "operations/lookups.h"
#include "operations/render.h"
#include "operations/router.h"

namespace ecsd::operations {

namespace {

using nlohmann::json;
using protocol::ApiError;
using protocol::CallContext;
using protocol::orThrow;
using protocol::RequestReader;

Error taskSetNotFound() {
  return errors::make("TaskSetNotFoundException", "The specified task set does not exist.");
}

// The ACTIVE, EXTERNAL service a task-set call names.
const Service& externalService(const StateView& view, const ArnFactory& arns,
                               const std::string& cluster, const std::string& reference) {
  activeCluster(view, cluster);
  const Service* service = findService(view, arns, cluster, reference);
  if (!service) throw ApiError(errors::serviceNotFound());
  if (service->status != "ACTIVE") throw ApiError(errors::serviceNotActive());
  if (service->deploymentController != "EXTERNAL") {
    throw ApiError(errors::invalidParameter(
        "Amazon ECS only supports task set management on services configured to use external "
        "deployment controllers."));
  }
  return *service;
}

// A task set by id ("ecs-svc/...") or ARN.
TaskSet* findTaskSet(Service& service, const std::string& reference) {
  for (auto& set : service.taskSets) {
    if (set.id == reference || set.arn == reference) return &set;
  }
  return nullptr;
}

// The scale member: a percentage of the service's desired count, 0 to 100.
double readScale(const RequestReader& in, double otherwise) {
  const json scale = in.optObject("scale");
  if (scale.is_null()) return otherwise;
  RequestReader(scale).optEnum("unit", {"PERCENT"});  // refuses any other unit
  // A number when present: every call's input is checked against its declared types first.
  const double percent = scale.value("value", otherwise);
  if (percent < 0 || percent > 100) {
    throw ApiError(errors::invalidParameter("The scale value must be between 0 and 100."));
  }
  return percent;
}

// The task set after a change of its scale or status, counted anew.
void rescale(TaskSet& set, const Service& service, double now) {
  set.computedDesiredCount =
      set.status == "DRAINING" ? 0 : service_rules::computedDesiredCount(service.desiredCount,
                                                                         set.scale);
  set.stabilityStatus = "STABILIZING";
  set.stabilityStatusAt = set.updatedAt = now;
}

json taskSetOutput(const TaskSet& set, const Service& service, const ArnFactory& arns) {
  return {{"taskSet", renderTaskSet(set, service, arns, true)}};
}

Later<json> createTaskSet(const Services& s, const CallContext&, const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  const std::string reference = in.requiredString("service");
  const std::string definitionReference = in.requiredString("taskDefinition");
  refuseOtherLaunchTypes(in);
  TaskSet set;
  set.externalId = in.optString("externalId").value_or("");
  set.scale = readScale(in, 100);
  if (in.has("networkConfiguration")) set.networkConfiguration = in.optObject("networkConfiguration");
  if (in.has("loadBalancers")) set.loadBalancers = in.list("loadBalancers");
  if (in.has("serviceRegistries")) set.serviceRegistries = in.list("serviceRegistries");
  set.tags = in.tags("tags");
  set.clientToken = in.optString("clientToken").value_or("");
  co_return orThrow(co_await s.state.committed([&](Draft& draft) -> Result<json> {
    Service service = externalService(draft, s.arns, cluster, reference);
    if (!set.clientToken.empty()) {
      for (const auto& existing : service.taskSets) {
        if (existing.clientToken == set.clientToken) {
          return taskSetOutput(existing, service, s.arns);  // a retry
        }
      }
    }
    if (service.taskSets.size() >= kMaxTaskSets) {
      return errors::invalidParameter(std::to_string(kMaxTaskSets) +
                                      " deployments exist on the service. Unable to create new "
                                      "TaskSet since this exceeds the maximum limit.");
    }
    set.taskDefinitionArn = serviceDefinition(draft, s.arns, definitionReference).arn;
    set.id = service_rules::newDeploymentId();
    set.arn = s.arns.taskSet(service.cluster, service.name, set.id);
    set.createdAt = s.clock.epochSeconds();
    rescale(set, service, set.createdAt);
    service.taskSets.push_back(set);
    service.steady = false;
    draft.put(service);
    return taskSetOutput(set, service, s.arns);
  }));
}

// A change to one task set of the service the call names, written back.
template <class Change>
Later<json> changeTaskSet(const Services& s, const RequestReader& in, const char* member,
                          Change change) {
  const std::string cluster = clusterName(s.arns, in);
  const std::string reference = in.requiredString("service");
  const std::string setReference = in.requiredString(member);
  co_return orThrow(co_await s.state.committed([&](Draft& draft) -> Result<json> {
    Service service = externalService(draft, s.arns, cluster, reference);
    TaskSet* set = findTaskSet(service, setReference);
    if (!set) return taskSetNotFound();
    if (auto refused = change(service, *set, s.clock.epochSeconds()); !refused.ok()) {
      return refused.error();
    }
    service.steady = false;
    draft.put(service);
    return taskSetOutput(*findTaskSet(service, setReference), service, s.arns);
  }));
}

Later<json> updateTaskSet(const Services& s, const CallContext&, const RequestReader& in) {
  if (!in.has("scale")) throw ApiError(errors::invalidParameter("scale is required."));
  const double scale = readScale(in, 100);
  return changeTaskSet(s, in, "taskSet", [scale](Service& service, TaskSet& set, double now) {
    if (set.status == "DRAINING") return Status(errors::invalidParameter(
        "The task set is being deleted and cannot be scaled."));
    set.scale = scale;
    rescale(set, service, now);
    return Status();
  });
}

Later<json> deleteTaskSet(const Services& s, const CallContext&, const RequestReader& in) {
  const bool force = in.optBool("force").value_or(false);
  return changeTaskSet(s, in, "taskSet", [force](Service& service, TaskSet& set, double now) {
    if (set.status == "DRAINING") return Status();  // being deleted already
    if (set.computedDesiredCount > 0 && !force) {
      return Status(errors::invalidParameter(
          "The task set cannot be deleted while it is scaled above 0: scale it to 0 or use "
          "force."));
    }
    // DRAINING until the scheduler has stopped its tasks, then gone.
    set.status = "DRAINING";
    rescale(set, service, now);
    return Status();
  });
}

Later<json> updateServicePrimaryTaskSet(const Services& s, const CallContext&,
                                        const RequestReader& in) {
  return changeTaskSet(s, in, "primaryTaskSet", [](Service& service, TaskSet& set, double now) {
    if (set.status == "DRAINING") {
      return Status(errors::invalidParameter("A task set being deleted cannot be primary."));
    }
    for (auto& other : service.taskSets) {
      if (other.status == "PRIMARY") other.status = "ACTIVE", other.updatedAt = now;
    }
    set.status = "PRIMARY";
    set.updatedAt = now;
    service.taskDefinitionArn = set.taskDefinitionArn;  // the service's is its primary's
    return Status();
  });
}

json describeTaskSets(const Services& s, const CallContext&, const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  const std::string reference = in.requiredString("service");
  const auto references = in.stringList("taskSets");
  const bool withTags = !in.enumList("include", {"TAGS"}).empty();
  return s.state.read([&](const Data& data) {
    Service service = externalService(data, s.arns, cluster, reference);
    json out = {{"taskSets", json::array()}, {"failures", json::array()}};
    if (references.empty()) {
      for (const auto& set : service.taskSets) {
        out["taskSets"].push_back(renderTaskSet(set, service, s.arns, withTags));
      }
    }
    for (const auto& r : references) {
      if (const TaskSet* set = findTaskSet(service, r)) {
        out["taskSets"].push_back(renderTaskSet(*set, service, s.arns, withTags));
      } else {
        out["failures"].push_back(failure(r, "MISSING"));
      }
    }
    return out;
  });
}

}  // namespace

void addTaskSetOperations(Router& router) {
  const Touches touches = touching({{"cluster", Names::kCluster}, {"service", Names::kService}});
  router.add("CreateTaskSet",
             touching({{"cluster", Names::kCluster},
                       {"service", Names::kService},
                       {"taskDefinition", Names::kTaskDefinition}}),
             createTaskSet);
  router.add("UpdateTaskSet", touches, updateTaskSet);
  router.add("DeleteTaskSet", touches, deleteTaskSet);
  router.add("DescribeTaskSets", touches, describeTaskSets);
  router.add("UpdateServicePrimaryTaskSet", touches, updateServicePrimaryTaskSet);
}

}  // namespace ecsd::operations
