#include "ecsd/domain/service.h"

#include <stdexcept>

namespace ecsd {

nlohmann::json deploymentToJson(const Deployment& d) {
  return {{"id", d.id},
          {"status", d.status},
          {"taskDefinition", d.taskDefinitionArn},
          {"desiredCount", d.desiredCount},
          {"pendingCount", d.pendingCount},
          {"runningCount", d.runningCount},
          {"failedTasks", d.failedTasks},
          {"createdAt", d.createdAt},
          {"updatedAt", d.updatedAt},
          {"rolloutState", d.rolloutState},
          {"rolloutStateReason", d.rolloutStateReason}};
}

Deployment deploymentFromJson(const nlohmann::json& j) {
  Deployment d;
  d.id = j.at("id");
  d.status = j.at("status");
  d.taskDefinitionArn = j.at("taskDefinition");
  d.desiredCount = j.at("desiredCount");
  d.pendingCount = j.at("pendingCount");
  d.runningCount = j.at("runningCount");
  d.failedTasks = j.at("failedTasks");
  d.createdAt = j.at("createdAt");
  d.updatedAt = j.at("updatedAt");
  d.rolloutState = j.at("rolloutState");
  d.rolloutStateReason = j.at("rolloutStateReason");
  return d;
}

nlohmann::json taskSetToJson(const TaskSet& t) {
  nlohmann::json out = {{"id", t.id},
                        {"taskSetArn", t.arn},
                        {"startedBy", t.id},
                        {"status", t.status},
                        {"taskDefinition", t.taskDefinitionArn},
                        {"computedDesiredCount", t.computedDesiredCount},
                        {"pendingCount", t.pendingCount},
                        {"runningCount", t.runningCount},
                        {"createdAt", t.createdAt},
                        {"updatedAt", t.updatedAt},
                        {"launchType", "EC2"},
                        {"loadBalancers", t.loadBalancers},
                        {"serviceRegistries", t.serviceRegistries},
                        {"scale", {{"value", t.scale}, {"unit", "PERCENT"}}},
                        {"stabilityStatus", t.stabilityStatus},
                        {"stabilityStatusAt", t.stabilityStatusAt},
                        {"tags", tagsToJson(t.tags)}};
  if (!t.externalId.empty()) out["externalId"] = t.externalId;
  if (!t.networkConfiguration.is_null()) out["networkConfiguration"] = t.networkConfiguration;
  if (!t.clientToken.empty()) out["clientToken"] = t.clientToken;
  return out;
}

TaskSet taskSetFromJson(const nlohmann::json& j) {
  TaskSet t;
  t.id = j.at("id");
  t.arn = j.at("taskSetArn");
  t.status = j.at("status");
  t.taskDefinitionArn = j.at("taskDefinition");
  t.externalId = j.value("externalId", "");
  t.clientToken = j.value("clientToken", "");
  t.scale = j.at("scale").at("value");
  t.computedDesiredCount = j.at("computedDesiredCount");
  t.pendingCount = j.at("pendingCount");
  t.runningCount = j.at("runningCount");
  t.stabilityStatus = j.at("stabilityStatus");
  t.stabilityStatusAt = j.at("stabilityStatusAt");
  t.createdAt = j.at("createdAt");
  t.updatedAt = j.at("updatedAt");
  t.networkConfiguration = j.value("networkConfiguration", nlohmann::json());
  t.loadBalancers = j.at("loadBalancers");
  t.serviceRegistries = j.at("serviceRegistries");
  auto tags = tagsFromJson(j.at("tags"));
  if (!tags) throw std::runtime_error(tags.error().message);
  t.tags = std::move(*tags);
  return t;
}

nlohmann::json eventToJson(const ServiceEvent& e) {
  return {{"id", e.id}, {"createdAt", e.createdAt}, {"message", e.message}};
}

ServiceEvent eventFromJson(const nlohmann::json& j) {
  return {j.at("id"), j.at("createdAt"), j.at("message")};
}

}  // namespace ecsd
