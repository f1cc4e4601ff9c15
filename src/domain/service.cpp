#include "ecsd/domain/service.h"

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

nlohmann::json eventToJson(const ServiceEvent& e) {
  return {{"id", e.id}, {"createdAt", e.createdAt}, {"message", e.message}};
}

ServiceEvent eventFromJson(const nlohmann::json& j) {
  return {j.at("id"), j.at("createdAt"), j.at("message")};
}

}  // namespace ecsd
