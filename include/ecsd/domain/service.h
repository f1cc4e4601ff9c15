// A service: a number of copies of one task definition kept running (REPLICA)
// or one on every instance that can take it (DAEMON), rolled to a new
// definition by deployments. The service scheduler
// (src/operations/service_controller.h) keeps it so.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ecsd/domain/tag.h"

namespace ecsd {

// One rollout of the service to a task definition. The tasks it starts carry
// its id as their startedBy.
struct Deployment {
  std::string id;                  // "ecs-svc/" and 19 digits, as ECS makes them
  std::string status = "PRIMARY";  // PRIMARY | ACTIVE | INACTIVE
  std::string taskDefinitionArn;
  int desiredCount = 0;
  int pendingCount = 0;
  int runningCount = 0;
  int failedTasks = 0;  // tasks of it that stopped without being asked to
  double createdAt = 0;
  double updatedAt = 0;
  std::string rolloutState = "IN_PROGRESS";  // IN_PROGRESS | COMPLETED | FAILED
  std::string rolloutStateReason;
  bool operator==(const Deployment&) const = default;
};

// A task set: the EXTERNAL deployment controller's unit, a share (scale, a
// percentage of the service's desired count) of tasks of one definition
// that the controller adds, scales, makes primary and deletes by itself.
// Its tasks carry its id as their startedBy.
struct TaskSet {
  std::string id;  // "ecs-svc/" and 19 digits, as a deployment's
  std::string arn;  // arn:aws:ecs:REGION:ACCOUNT:task-set/CLUSTER/SERVICE/ID
  std::string status = "ACTIVE";  // PRIMARY | ACTIVE | DRAINING
  std::string taskDefinitionArn;
  std::string externalId;
  double scale = 100;  // percent
  int computedDesiredCount = 0;
  int pendingCount = 0;
  int runningCount = 0;
  std::string stabilityStatus = "STABILIZING";  // STEADY_STATE | STABILIZING
  double stabilityStatusAt = 0;
  double createdAt = 0;
  double updatedAt = 0;
  // As the API shapes them: stored and returned.
  nlohmann::json networkConfiguration;  // null when unset
  nlohmann::json loadBalancers = nlohmann::json::array();
  nlohmann::json serviceRegistries = nlohmann::json::array();
  Tags tags;
  std::string clientToken;  // of the CreateTaskSet that made it, for its retries
  bool operator==(const TaskSet&) const = default;
};

struct ServiceEvent {
  std::string id;
  double createdAt = 0;
  std::string message;
  bool operator==(const ServiceEvent&) const = default;
};

// deploymentConfiguration, as the service keeps it (ECS's defaults filled in).
struct DeploymentConfiguration {
  int maximumPercent = 200;
  int minimumHealthyPercent = 100;
  bool circuitBreakerEnable = false;
  bool circuitBreakerRollback = false;
  bool operator==(const DeploymentConfiguration&) const = default;
};

struct Service {
  std::string cluster;  // name
  std::string name;
  std::string arn;                // arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME
  std::string status = "ACTIVE";  // ACTIVE | DRAINING | INACTIVE
  std::string taskDefinitionArn;  // the primary deployment's
  int desiredCount = 0;
  int runningCount = 0;
  int pendingCount = 0;
  std::string schedulingStrategy = "REPLICA";  // REPLICA | DAEMON
  std::string launchType = "EC2";
  std::string deploymentController = "ECS";  // ECS | EXTERNAL
  DeploymentConfiguration deploymentConfiguration;
  // As the API shapes them: stored and returned.
  nlohmann::json placementConstraints = nlohmann::json::array();
  nlohmann::json placementStrategy = nlohmann::json::array();
  nlohmann::json loadBalancers = nlohmann::json::array();
  nlohmann::json serviceRegistries = nlohmann::json::array();
  nlohmann::json networkConfiguration;  // null when unset
  std::optional<int> healthCheckGracePeriodSeconds;
  std::string propagateTags = "NONE";  // NONE | SERVICE | TASK_DEFINITION
  bool enableECSManagedTags = false;
  std::string roleArn;
  std::string createdBy;
  double createdAt = 0;
  Tags tags;
  std::vector<Deployment> deployments;  // PRIMARY first; finished ones leave (ECS controller)
  std::vector<TaskSet> taskSets;        // the EXTERNAL controller's, oldest first
  std::vector<ServiceEvent> events;     // newest first, at most kMaxServiceEvents
  // The scheduler's own bookkeeping, durable so that a restart carries on
  // (what it can derive from the service's tasks, it derives).
  std::string completedTaskDefinitionArn;  // of the last COMPLETED deployment: rollback's
  std::string createDigest;                // of the CreateService call, for its retries
  bool steady = false;                     // "has reached a steady state" was said

  const Deployment* primary() const { return deployments.empty() ? nullptr : &deployments.front(); }
  Deployment* primary() { return deployments.empty() ? nullptr : &deployments.front(); }
  bool operator==(const Service&) const = default;
};

inline constexpr std::size_t kMaxServiceEvents = 100;
inline constexpr std::size_t kMaxTaskSets = 5;  // ECS's: "5 deployments exist on the service."

// A deployment and an event in the API's shape, which is also how the store keeps it;
// deploymentFromJson throws (nlohmann::json's exceptions) on a wrong shape.
nlohmann::json deploymentToJson(const Deployment& deployment);
Deployment deploymentFromJson(const nlohmann::json& json);
// A task set as the store keeps it: the API's shape, without serviceArn and
// clusterArn, with its clientToken.
nlohmann::json taskSetToJson(const TaskSet& taskSet);
TaskSet taskSetFromJson(const nlohmann::json& json);
nlohmann::json eventToJson(const ServiceEvent& event);
ServiceEvent eventFromJson(const nlohmann::json& json);

// The group a service's tasks are placed in (and found by).
inline constexpr std::string_view kServiceGroupPrefix = "service:";
inline std::string serviceGroup(const std::string& serviceName) {
  return std::string(kServiceGroupPrefix) + serviceName;
}
// The service whose group it is, or nullopt for a group of no service.
inline std::optional<std::string> serviceOfGroup(const std::string& group) {
  if (!group.starts_with(kServiceGroupPrefix)) return std::nullopt;
  return group.substr(kServiceGroupPrefix.size());
}

}  // namespace ecsd
