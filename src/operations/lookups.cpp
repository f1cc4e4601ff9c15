#include "operations/lookups.h"

#include "ecsd/errors.h"

namespace ecsd::operations {

std::string clusterName(const ArnFactory& arns, const protocol::RequestReader& in) {
  return protocol::orThrow(arns.clusterName(in.optString("cluster").value_or("default")));
}

const Cluster& activeCluster(const StateView& view, const std::string& name) {
  const Cluster* cluster = view.cluster(name);
  if (!cluster || cluster->status != "ACTIVE") throw protocol::ApiError(errors::clusterNotFound());
  return *cluster;
}

const ContainerInstance* findInstance(const StateView& view, const ArnFactory& arns,
                                      const std::string& cluster, const std::string& reference) {
  const auto id = arns.resourceId(reference, "container-instance");
  const ContainerInstance* instance = id ? view.instance(*id) : nullptr;
  return instance && instance->cluster == cluster ? instance : nullptr;
}

const Task* findTask(const StateView& view, const ArnFactory& arns, const std::string& cluster,
                     const std::string& reference) {
  const auto id = arns.resourceId(reference, "task");
  const Task* task = id ? view.task(*id) : nullptr;
  return task && task->cluster == cluster ? task : nullptr;
}

void refuseOtherLaunchTypes(const protocol::RequestReader& in) {
  if (auto launchType = in.optString("launchType"); launchType && *launchType != "EC2") {
    throw protocol::ApiError(errors::invalidParameter(
        "ecsd places tasks on registered container instances: launchType must be EC2, not " +
        *launchType + "."));
  }
  if (!in.list("capacityProviderStrategy").empty()) {
    throw protocol::ApiError(
        errors::unsupportedFeature("ecsd does not support capacity providers yet."));
  }
}

const TaskDefinition& serviceDefinition(const StateView& view, const ArnFactory& arns,
                                        const std::string& reference) {
  const auto parsed = protocol::orThrow(arns.taskDefinitionReference(reference));
  const TaskDefinition* definition = resolveTaskDefinition(view, parsed.family, parsed.revision);
  if (!definition) throw protocol::ApiError(errors::client("TaskDefinition not found."));
  if (definition->status != "ACTIVE") {
    throw protocol::ApiError(errors::client("TaskDefinition is inactive"));
  }
  return *definition;
}

const Service* findService(const StateView& view, const ArnFactory& arns,
                           const std::string& cluster, const std::string& reference) {
  const auto name = arns.resourceId(reference, "service");
  if (!name) return nullptr;
  const Service* service = view.service(cluster, *name);
  if (service && reference.starts_with("arn:") && service->arn != reference &&
      reference.find("/" + cluster + "/") == std::string::npos) {
    return nullptr;  // a long ARN of another cluster
  }
  return service;
}

}  // namespace ecsd::operations
