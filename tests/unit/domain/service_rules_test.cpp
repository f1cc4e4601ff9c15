// ECS's rules for services: rounding of the deployment bounds, each step of
// a rolling deployment, the circuit breaker's threshold, the backoff, and
// the events' words.
#include "ecsd/domain/service_rules.h"

#include <gtest/gtest.h>

#include <regex>

namespace ecsd::service_rules {
namespace {

DeploymentConfiguration bounds(int minimum, int maximum) {
  DeploymentConfiguration c;
  c.minimumHealthyPercent = minimum;
  c.maximumPercent = maximum;
  return c;
}

TEST(ServiceRulesTest, MinimumRoundsUpAndMaximumDown) {
  EXPECT_EQ(minimumHealthy(3, 50), 2);  // 1.5 -> 2
  EXPECT_EQ(minimumHealthy(4, 50), 2);
  EXPECT_EQ(minimumHealthy(3, 0), 0);
  EXPECT_EQ(minimumHealthy(3, 100), 3);
  EXPECT_EQ(maximumLive(3, 150), 4);  // 4.5 -> 4
  EXPECT_EQ(maximumLive(3, 200), 6);
  EXPECT_EQ(maximumLive(1, 100), 1);
}

TEST(ServiceRulesTest, AFreshServiceStartsItsDesiredCount) {
  const Step step = nextStep({3, 0, 0, 0, 0}, bounds(100, 200));
  EXPECT_EQ(step.start, 3);
  EXPECT_EQ(step.stopPrimary + step.stopLeavingHealthy + step.stopLeavingUnhealthy, 0);
}

TEST(ServiceRulesTest, MaximumPercentCapsWhatIsLiveAtOnce) {
  // 4 old running, max 150%: 6 live at most, so 2 new first.
  const Step step = nextStep({4, 0, 0, 4, 0}, bounds(100, 150));
  EXPECT_EQ(step.start, 2);
  EXPECT_EQ(step.stopLeavingHealthy, 0);  // 4 healthy, minimum 4
}

TEST(ServiceRulesTest, OldTasksGoOnlyDownToTheMinimumHealthy) {
  // min 50 max 200, 4 desired: 4 new start at once, and 2 old may go
  // (healthy 4, minimum 2); the new ones do not count until they run.
  const Step first = nextStep({4, 0, 0, 4, 0}, bounds(50, 200));
  EXPECT_EQ(first.start, 4);
  EXPECT_EQ(first.stopLeavingHealthy, 2);
  // 4 new pending, 2 old running: nothing more may go.
  const Step waiting = nextStep({4, 4, 0, 2, 0}, bounds(50, 200));
  EXPECT_EQ(waiting.start, 0);
  EXPECT_EQ(waiting.stopLeavingHealthy, 0);
  // 3 new running: healthy 5, minimum 2, the 2 old may go.
  const Step later = nextStep({4, 4, 3, 2, 0}, bounds(50, 200));
  EXPECT_EQ(later.stopLeavingHealthy, 2);
}

TEST(ServiceRulesTest, AtMaximumOneHundredOldTasksMakeRoomFirst) {
  // min 50 max 100: no room to start until old ones stop.
  const Step step = nextStep({4, 0, 0, 4, 0}, bounds(50, 100));
  EXPECT_EQ(step.start, 0);
  EXPECT_EQ(step.stopLeavingHealthy, 2);
}

TEST(ServiceRulesTest, PendingOldTasksAndASurplusGoAtOnce) {
  const Step step = nextStep({2, 3, 3, 0, 2}, bounds(100, 200));
  EXPECT_EQ(step.stopPrimary, 1);
  EXPECT_EQ(step.stopLeavingUnhealthy, 2);
  EXPECT_EQ(step.start, 0);
}

TEST(ServiceRulesTest, ScaledToZeroEverythingGoes) {
  const Step step = nextStep({0, 2, 2, 1, 0}, bounds(100, 200));
  EXPECT_EQ(step.stopPrimary, 2);
  EXPECT_EQ(step.stopLeavingHealthy, 1);
}

TEST(ServiceRulesTest, CircuitBreakerThresholdIsHalfTheDesiredBetween3And200) {
  EXPECT_EQ(circuitBreakerThreshold(1), 3);
  EXPECT_EQ(circuitBreakerThreshold(6), 3);
  EXPECT_EQ(circuitBreakerThreshold(7), 4);  // 3.5 -> 4
  EXPECT_EQ(circuitBreakerThreshold(100), 50);
  EXPECT_EQ(circuitBreakerThreshold(1000), 200);
}

TEST(ServiceRulesTest, StartDelayDoublesUpToFifteenMinutes) {
  EXPECT_EQ(startDelay(0), 0);
  EXPECT_EQ(startDelay(1), 0);
  EXPECT_EQ(startDelay(2), 5);
  EXPECT_EQ(startDelay(3), 10);
  EXPECT_EQ(startDelay(4), 20);
  EXPECT_EQ(startDelay(50), 900);
}

TEST(ServiceRulesTest, DeploymentIdsAreEcsSvcAnd19Digits) {
  const std::string id = newDeploymentId();
  EXPECT_TRUE(std::regex_match(id, std::regex("ecs-svc/[1-9][0-9]{18}"))) << id;
  EXPECT_NE(id, newDeploymentId());
}

TEST(ServiceRulesTest, ANewDeploymentLeadsAndThePrimaryBeforeItBecomesActive) {
  Service service;
  service.desiredCount = 3;
  startDeployment(service, "arn:td/web:1", 10);
  startDeployment(service, "arn:td/web:2", 20);
  ASSERT_EQ(service.deployments.size(), 2u);
  EXPECT_EQ(service.deployments[0].status, "PRIMARY");
  EXPECT_EQ(service.deployments[0].taskDefinitionArn, "arn:td/web:2");
  EXPECT_EQ(service.deployments[0].desiredCount, 3);
  EXPECT_EQ(service.deployments[0].rolloutState, "IN_PROGRESS");
  EXPECT_EQ(service.deployments[0].rolloutStateReason,
            "ECS deployment " + service.deployments[0].id + " in progress.");
  EXPECT_EQ(service.deployments[1].status, "ACTIVE");
  EXPECT_EQ(service.taskDefinitionArn, "arn:td/web:2");
}

TEST(ServiceRulesTest, EventsAreWordedAsEcsWordsThem) {
  EXPECT_EQ(startedTasks("web", {"a1", "b2"}),
            "(service web) has started 2 tasks: (task a1) (task b2).");
  EXPECT_EQ(stoppedTasks("web", {"a1"}), "(service web) has stopped 1 running tasks: (task a1).");
  EXPECT_EQ(steadyState("web"), "(service web) has reached a steady state.");
  EXPECT_EQ(deploymentCompleted("web", "ecs-svc/1"),
            "(service web) (deployment ecs-svc/1) deployment completed.");
  EXPECT_EQ(unableToPlace("web", "abc", "RESOURCE:MEMORY"),
            "(service web) was unable to place a task because no container instance met all of "
            "its requirements. The closest matching (container-instance abc) has insufficient "
            "memory available. For more information, see the Troubleshooting section of the "
            "Amazon ECS Developer Guide.");
  EXPECT_EQ(unableToPlace("web", "", ""),
            "(service web) was unable to place a task because no container instance met all of "
            "its requirements. Reason: No Container Instances were found in your cluster. For "
            "more information, see the Troubleshooting section of the Amazon ECS Developer "
            "Guide.");
  EXPECT_EQ(rolloutCompleted("ecs-svc/1"), "ECS deployment ecs-svc/1 completed.");
}

TEST(ServiceRulesTest, EventsAreNewestFirstAtMost100AndNotRepeated) {
  Service service;
  for (int i = 0; i < 150; ++i) addEvent(service, "event " + std::to_string(i), i);
  ASSERT_EQ(service.events.size(), kMaxServiceEvents);
  EXPECT_EQ(service.events.front().message, "event 149");
  EXPECT_EQ(service.events.back().message, "event 50");
  addEvent(service, "event 149", 200);
  EXPECT_EQ(service.events.front().createdAt, 149);
}

}  // namespace
}  // namespace ecsd::service_rules
