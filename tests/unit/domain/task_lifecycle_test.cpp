#include "ecsd/domain/task_lifecycle.h"

#include <gtest/gtest.h>

namespace ecsd {
namespace {

Task twoContainers() {
  Task task;
  task.arn = "arn:aws:ecs:us-east-1:123456789012:task/default/t1";
  task.containers.resize(2);
  task.containers[0].name = "web";
  task.containers[1].name = "sidecar";
  task.containers[1].essential = false;
  return task;
}

TEST(TaskLifecycleTest, AContainerStatusMovesOnlyForward) {
  Task task = twoContainers();
  ASSERT_TRUE(applyContainerReport(task, {.containerName = "web", .status = "RUNNING"}));
  ASSERT_TRUE(applyContainerReport(task, {.containerName = "web", .status = "PENDING"}));
  EXPECT_EQ(task.containers[0].lastStatus, "RUNNING");
}

TEST(TaskLifecycleTest, AReportForAnUnknownContainerChangesNothing) {
  Task task = twoContainers();
  const auto version = task.version;
  EXPECT_FALSE(applyContainerReport(task, {.containerName = "db", .status = "RUNNING"}));
  EXPECT_EQ(task.version, version);
}

TEST(TaskLifecycleTest, BoundHostPortsJoinWhatTheTaskHolds) {
  Task task = twoContainers();
  task.held.tcpPorts = {8080};
  const auto bindings = nlohmann::json::parse(
      R"([{"hostPort":49153,"protocol":"tcp"},{"hostPort":8080},{"hostPort":53,"protocol":"udp"},
          {"hostPort":70000}])");
  ASSERT_TRUE(applyContainerReport(task, {.containerName = "web", .networkBindings = bindings}));
  EXPECT_EQ(task.held.tcpPorts, (PortList{8080, 49153}));
  EXPECT_EQ(task.held.udpPorts, (PortList{53}));
  EXPECT_EQ(task.containers[0].networkBindings, bindings);
}

TEST(TaskLifecycleTest, AnEssentialContainerStoppingAsksTheTaskToStop) {
  Task task = twoContainers();
  applyContainerReport(task, {.containerName = "web", .status = "STOPPED", .exitCode = 1});
  settle(task, 10.0);
  EXPECT_EQ(task.desiredStatus, "STOPPED");
  EXPECT_EQ(task.stopCode, "EssentialContainerExited");
  EXPECT_EQ(task.stoppedReason, "Essential container in task exited");
  EXPECT_EQ(task.lastStatus, "PENDING");  // the sidecar still runs
  applyContainerReport(task, {.containerName = "sidecar", .status = "STOPPED"});
  settle(task, 11.0);
  EXPECT_EQ(task.lastStatus, "STOPPED");
  EXPECT_EQ(task.stoppedAt, 11.0);
}

TEST(TaskLifecycleTest, ANonEssentialContainerStoppingLeavesTheTaskRunning) {
  Task task = twoContainers();
  applyContainerReport(task, {.containerName = "sidecar", .status = "STOPPED"});
  settle(task, 10.0);
  EXPECT_EQ(task.desiredStatus, "RUNNING");
}

TEST(TaskLifecycleTest, StoppedBeforeRunningIsAFailureToStart) {
  Task pending = twoContainers();
  reportStopped(pending, "CannotPullContainerError", 5.0);
  EXPECT_EQ(pending.lastStatus, "STOPPED");
  EXPECT_EQ(pending.stopCode, "TaskFailedToStart");
  EXPECT_EQ(pending.stoppedReason, "CannotPullContainerError");
  for (const auto& c : pending.containers) EXPECT_EQ(c.lastStatus, "STOPPED");

  Task running = twoContainers();
  advanceStatus(running, "RUNNING", 1.0);
  requestStop(running, "Task stopped by user", "UserInitiated", 2.0);
  reportStopped(running, "ignored: a reason was given first", 3.0);
  EXPECT_EQ(running.stopCode, "UserInitiated");
  EXPECT_EQ(running.stoppedReason, "Task stopped by user");
}

TEST(TaskLifecycleTest, ALiveTaskOnAGoneInstanceIsOrphaned) {
  Task task = twoContainers();
  ContainerInstance instance;
  instance.status = "ACTIVE";
  EXPECT_FALSE(orphaned(task, &instance));
  instance.status = "INACTIVE";
  EXPECT_TRUE(orphaned(task, &instance));
  EXPECT_TRUE(orphaned(task, nullptr));
  markStopped(task, 1.0);
  EXPECT_FALSE(orphaned(task, nullptr));
}

}  // namespace
}  // namespace ecsd
