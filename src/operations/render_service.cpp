// A service as ECS shows it: its deployments (the primary first), the newest
// events first, and the members it was created with.
#include "operations/render.h"

namespace ecsd::operations {

using nlohmann::json;

namespace {

json renderDeployment(const Deployment& d, const std::string& launchType,
                      const json& networkConfiguration) {
  json out = deploymentToJson(d);
  out["launchType"] = launchType;
  if (!networkConfiguration.is_null()) out["networkConfiguration"] = networkConfiguration;
  return out;
}

}  // namespace

json renderTaskSet(const TaskSet& taskSet, const Service& service, const ArnFactory& arns,
                   bool withTags) {
  json out = taskSetToJson(taskSet);
  out["serviceArn"] = service.arn;
  out["clusterArn"] = arns.cluster(service.cluster);
  out.erase("clientToken");
  if (!withTags) out.erase("tags");
  return out;
}

json renderService(const Service& service, const ArnFactory& arns, bool withTags) {
  const auto& c = service.deploymentConfiguration;
  json deployments = json::array();
  for (const auto& d : service.deployments) {
    deployments.push_back(renderDeployment(d, service.launchType, service.networkConfiguration));
  }
  json events = json::array();
  for (const auto& e : service.events) {
    events.push_back(eventToJson(e));
  }
  json out = {
      {"serviceArn", service.arn},
      {"serviceName", service.name},
      {"clusterArn", arns.cluster(service.cluster)},
      {"loadBalancers", service.loadBalancers},
      {"serviceRegistries", service.serviceRegistries},
      {"status", service.status},
      {"desiredCount", service.desiredCount},
      {"runningCount", service.runningCount},
      {"pendingCount", service.pendingCount},
      {"launchType", service.launchType},
      {"deploymentConfiguration",
       {{"deploymentCircuitBreaker",
         {{"enable", c.circuitBreakerEnable}, {"rollback", c.circuitBreakerRollback}}},
        {"maximumPercent", c.maximumPercent},
        {"minimumHealthyPercent", c.minimumHealthyPercent}}},
      {"deployments", deployments},
      {"events", events},
      {"createdAt", service.createdAt},
      {"placementConstraints", service.placementConstraints},
      {"placementStrategy", service.placementStrategy},
      {"schedulingStrategy", service.schedulingStrategy},
      {"deploymentController", {{"type", service.deploymentController}}},
      {"createdBy", service.createdBy},
      {"enableECSManagedTags", service.enableECSManagedTags},
      {"propagateTags", service.propagateTags},
      {"enableExecuteCommand", false},
  };
  // An EXTERNAL service's is its primary task set's, once it has one.
  if (!service.taskDefinitionArn.empty()) out["taskDefinition"] = service.taskDefinitionArn;
  if (service.deploymentController == "EXTERNAL") {
    json taskSets = json::array();
    for (const auto& t : service.taskSets) taskSets.push_back(renderTaskSet(t, service, arns, false));
    out["taskSets"] = std::move(taskSets);
  }
  if (!service.roleArn.empty()) out["roleArn"] = service.roleArn;
  if (!service.networkConfiguration.is_null()) {
    out["networkConfiguration"] = service.networkConfiguration;
  }
  if (service.healthCheckGracePeriodSeconds) {
    out["healthCheckGracePeriodSeconds"] = *service.healthCheckGracePeriodSeconds;
  }
  if (withTags) out["tags"] = tagsToJson(service.tags);
  return out;
}

}  // namespace ecsd::operations
