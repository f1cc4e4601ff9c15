// ECS's rules for services: how far a deployment may go at each step, when the
// circuit breaker trips, how long a failing service waits before it tries
// again, and the words of its events.
#pragma once

#include <string>
#include <vector>

#include "ecsd/domain/service.h"

namespace ecsd::service_rules {

// What a service's tasks count at one moment. Live: desired RUNNING.
// Healthy: live and RUNNING. "Leaving": the tasks that must go (those of
// older deployments, and those on instances being drained).
struct TaskCounts {
  int desired = 0;
  int primaryLive = 0;
  int primaryHealthy = 0;
  int leavingHealthy = 0;
  int leavingUnhealthy = 0;
};

// One step toward the desired state, within deploymentConfiguration: at
// most maximumPercent of desired live at once (rounded down), and at least
// minimumHealthyPercent healthy (rounded up) while older tasks are stopped.
struct Step {
  int start = 0;        // new tasks of the primary deployment
  int stopPrimary = 0;  // its surplus (desired count lowered)
  int stopLeavingUnhealthy = 0;
  int stopLeavingHealthy = 0;
};
Step nextStep(const TaskCounts& counts, const DeploymentConfiguration& configuration);

int minimumHealthy(int desired, int minimumHealthyPercent);  // rounded up
int maximumLive(int desired, int maximumPercent);            // rounded down
// A task set's computedDesiredCount: its scale (percent) of the service's
// desired count, rounded up.
int computedDesiredCount(int desired, double scalePercent);

// The circuit breaker's failed-task threshold: half the desired count,
// rounded up, at least 3 and at most 200.
int circuitBreakerThreshold(int desired);

// Seconds to wait before starting another task after `failed` tasks of the
// primary failed and none of it runs: none for the first, then doubling
// from 5 s up to 15 minutes.
double startDelay(int failed);

// "ecs-svc/" and 19 digits.
std::string newDeploymentId();

// Starts a deployment of the definition: a new PRIMARY (IN_PROGRESS, of the
// service's desired count); the primary before it becomes ACTIVE.
void startDeployment(Service& service, const std::string& definitionArn, double now);

// The events' words, as ECS writes them.
std::string startedTasks(const std::string& service, const std::vector<std::string>& taskIds);
std::string stoppedTasks(const std::string& service, const std::vector<std::string>& taskIds);
std::string steadyState(const std::string& service);
std::string deploymentCompleted(const std::string& service, const std::string& deploymentId);
std::string deploymentFailed(const std::string& service, const std::string& deploymentId);
std::string rollingBack(const std::string& service, const std::string& deploymentId);
std::string unableToConsistentlyStart(const std::string& service);
// From a placement failure's reason (RESOURCE:MEMORY, ...) on the closest
// instance, or, with no instance at all, ECS's "No Container Instances" reason.
std::string unableToPlace(const std::string& service, const std::string& closestInstanceId,
                          const std::string& reason);

// rolloutStateReason's words.
std::string rolloutInProgress(const std::string& deploymentId);
std::string rolloutCompleted(const std::string& deploymentId);
std::string rolloutFailed();
std::string rolloutRollingBack(const std::string& toDeploymentId);

// Adds an event, newest first, keeping at most kMaxServiceEvents; the same
// message as the newest is not repeated (ECS says a thing once until it changes).
void addEvent(Service& service, std::string message, double now);

}  // namespace ecsd::service_rules
