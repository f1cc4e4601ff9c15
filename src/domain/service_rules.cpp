#include "ecsd/domain/service_rules.h"

#include <algorithm>
#include <cmath>

#include "crypto/crypto.h"

namespace ecsd::service_rules {

namespace {

std::string named(const std::string& service) {
  return std::string("(service ").append(service).append(")");
}

std::string taskList(const std::vector<std::string>& taskIds) {
  std::string out;
  for (const auto& id : taskIds) {
    if (!out.empty()) out += ' ';
    out.append("(task ").append(id).append(")");
  }
  return out;
}

}  // namespace

int minimumHealthy(int desired, int minimumHealthyPercent) {
  return static_cast<int>((static_cast<long long>(desired) * minimumHealthyPercent + 99) / 100);
}

int maximumLive(int desired, int maximumPercent) {
  return static_cast<int>(static_cast<long long>(desired) * maximumPercent / 100);
}

int computedDesiredCount(int desired, double scalePercent) {
  // 10 x 30% is 3 tasks, though in doubles it is a hair over 3.
  return static_cast<int>(std::ceil(desired * scalePercent / 100.0 - 1e-9));
}

Step nextStep(const TaskCounts& c, const DeploymentConfiguration& configuration) {
  Step step;
  const int live = c.primaryLive + c.leavingHealthy + c.leavingUnhealthy;
  step.stopPrimary = std::max(0, c.primaryLive - c.desired);
  step.start = std::max(0, std::min(c.desired - c.primaryLive,
                                    maximumLive(c.desired, configuration.maximumPercent) - live));
  // Tasks that are not running keep nothing up: they go at once.
  step.stopLeavingUnhealthy = c.leavingUnhealthy;
  // Running ones go as far as the healthy minimum allows; the primary's
  // tasks that are not running yet do not count toward it.
  const int healthy = c.primaryHealthy + c.leavingHealthy;
  const int spare = healthy - minimumHealthy(c.desired, configuration.minimumHealthyPercent);
  step.stopLeavingHealthy = std::clamp(spare, 0, c.leavingHealthy);
  return step;
}

int circuitBreakerThreshold(int desired) { return std::clamp((desired + 1) / 2, 3, 200); }

double startDelay(int failed) {
  if (failed <= 1) return 0;
  return std::min(900.0, 5.0 * std::pow(2.0, std::min(failed - 2, 10)));
}

std::string newDeploymentId() {
  return "ecs-svc/" + crypto::randomString(1, "123456789") + crypto::randomString(18, "0123456789");
}

void startDeployment(Service& service, const std::string& definitionArn, double now) {
  if (Deployment* was = service.primary()) was->status = "ACTIVE";
  Deployment d;
  d.id = newDeploymentId();
  d.taskDefinitionArn = definitionArn;
  d.desiredCount = service.desiredCount;
  d.createdAt = d.updatedAt = now;
  d.rolloutStateReason = rolloutInProgress(d.id);
  service.deployments.insert(service.deployments.begin(), std::move(d));
  service.taskDefinitionArn = definitionArn;
  service.steady = false;
}

std::string startedTasks(const std::string& service, const std::vector<std::string>& taskIds) {
  return named(service) + " has started " + std::to_string(taskIds.size()) +
         " tasks: " + taskList(taskIds) + ".";
}

std::string stoppedTasks(const std::string& service, const std::vector<std::string>& taskIds) {
  return named(service) + " has stopped " + std::to_string(taskIds.size()) +
         " running tasks: " + taskList(taskIds) + ".";
}

std::string steadyState(const std::string& service) {
  return named(service) + " has reached a steady state.";
}

std::string deploymentCompleted(const std::string& service, const std::string& deploymentId) {
  return named(service) + " (deployment " + deploymentId + ") deployment completed.";
}

std::string deploymentFailed(const std::string& service, const std::string& deploymentId) {
  return named(service) + " (deployment " + deploymentId +
         ") deployment failed: tasks failed to start.";
}

std::string rollingBack(const std::string& service, const std::string& deploymentId) {
  return named(service) + " rolling back to deployment " + deploymentId + ".";
}

std::string unableToConsistentlyStart(const std::string& service) {
  return named(service) + " is unable to consistently start tasks successfully." +
         " For more information, see the Troubleshooting section of the Amazon ECS Developer "
         "Guide.";
}

std::string unableToPlace(const std::string& service, const std::string& closestInstanceId,
                          const std::string& reason) {
  const std::string prefix =
      named(service) +
      " was unable to place a task because no container instance met all of its requirements.";
  const std::string help =
      " For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.";
  if (closestInstanceId.empty()) {
    return prefix + " Reason: No Container Instances were found in your cluster." + help;
  }
  std::string why = "is missing an attribute required by your task";
  if (reason == "RESOURCE:MEMORY") why = "has insufficient memory available";
  if (reason == "RESOURCE:CPU") why = "has insufficient CPU units available";
  if (reason == "RESOURCE:PORTS") why = "is already using a port required by your task";
  if (reason == "AGENT") why = "has no agent connected";
  return prefix + " The closest matching (container-instance " + closestInstanceId + ") " + why +
         "." + help;
}

std::string rolloutInProgress(const std::string& deploymentId) {
  return "ECS deployment " + deploymentId + " in progress.";
}

std::string rolloutCompleted(const std::string& deploymentId) {
  return "ECS deployment " + deploymentId + " completed.";
}

std::string rolloutFailed() { return "ECS deployment circuit breaker: tasks failed to start."; }

std::string rolloutRollingBack(const std::string& toDeploymentId) {
  return "ECS deployment circuit breaker: rolling back to deploymentId " + toDeploymentId + ".";
}

void addEvent(Service& service, std::string message, double now) {
  if (!service.events.empty() && service.events.front().message == message) return;
  service.events.insert(service.events.begin(), {crypto::uuid4(), now, std::move(message)});
  if (service.events.size() > kMaxServiceEvents) service.events.resize(kMaxServiceEvents);
}

}  // namespace ecsd::service_rules
