#include "agent/task_engine.h"

#include <gtest/gtest.h>

#include "support/agent_fixtures.h"
#include "support/fake_runtime.h"

namespace ecsd::agent {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test_support::containerEntry;
using test_support::eventually;
using test_support::FakeRuntime;
using test_support::kTestNow;
using test_support::ManualClock;
using test_support::RecordingSink;
using test_support::spec;
using test_support::taskEntry;

const std::string kArn = "arn:aws:ecs:us-east-1:000000000000:task/demo/t1";

class TaskEngineTest : public ::testing::Test {
 protected:
  RunnerSettings settings() {
    RunnerSettings s{"demo", "arn:aws:ecs:us-east-1:000000000000:container-instance/demo/i1"};
    s.watchSlice = 20ms;
    s.runtimeRetry = 10ms;
    s.stopTimeout = 7s;
    return s;
  }
  std::unique_ptr<TaskEngine> makeEngine(std::chrono::seconds cleanupWait = 3600s) {
    return std::make_unique<TaskEngine>(runtime_, sink_.sink(), clock_, settings(), cleanupWait);
  }
  bool reported(const std::vector<std::string>& statuses) {
    return eventually([&] { return sink_.statuses() == statuses; });
  }
  const FakeRuntime::Container* container(const std::string& part) {
    for (const auto& c : runtime_.containers()) {
      if (c.state.name.find(part) != std::string::npos) {
        static thread_local FakeRuntime::Container copy;
        copy = c;
        return &copy;
      }
    }
    return nullptr;
  }

  FakeRuntime runtime_;
  RecordingSink sink_;
  ManualClock clock_{kTestNow};
};

TEST_F(TaskEngineTest, StartsContainersInLinkOrderWithTheirSettings) {
  json web = containerEntry("web", "busybox", false);
  web["links"] = {"db:database"};
  web["portMappings"] = {{{"containerPort", 80}, {"hostPort", 0}, {"protocol", "tcp"}}};
  web["environment"] = {{"STAGE", "prod"}};
  auto engine = makeEngine();
  engine->apply({spec(taskEntry("t1", {web, containerEntry("db", "busybox")}))});
  ASSERT_TRUE(reported({"RUNNING"}));

  const auto all = runtime_.containers();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].config.labels.at("com.amazonaws.ecs.container-name"),
            "db");  // link target first
  const auto& w = all[1].config;
  EXPECT_EQ(w.name, "ecs-web-3-web-t1");
  EXPECT_EQ(w.links, std::vector<std::string>{"ecs-web-3-db-t1:database"});
  EXPECT_EQ(w.environment, (std::vector<std::pair<std::string, std::string>>{{"STAGE", "prod"}}));
  EXPECT_EQ(w.memoryMiB, 64);
  EXPECT_EQ(w.cpuShares, 10);
  EXPECT_EQ(w.networkMode, "bridge");
  EXPECT_EQ(w.labels.at("com.amazonaws.ecs.task-arn"), kArn);
  EXPECT_EQ(w.labels.at("ecsd.container-instance-arn"),
            "arn:aws:ecs:us-east-1:000000000000:container-instance/demo/i1");

  // The RUNNING report carries the real host port the runtime bound.
  const auto running = sink_.changes().front();
  ASSERT_EQ(running.containers.size(), 2u);
  const auto& reportedWeb =
      running.containers[0].containerName == "web" ? running.containers[0] : running.containers[1];
  ASSERT_EQ(reportedWeb.networkBindings.size(), 1u);
  EXPECT_EQ(reportedWeb.networkBindings[0].containerPort, 80);
  EXPECT_GE(reportedWeb.networkBindings[0].hostPort, 32768);
  EXPECT_TRUE(running.pullStartedAt.has_value());
}

TEST_F(TaskEngineTest, StopRequestStopsEveryContainerWithItsTimeoutAndReportsStopped) {
  json db = containerEntry("db", "busybox");
  db["stopTimeout"] = 2;
  auto engine = makeEngine();
  engine->apply({spec(taskEntry("t1", {containerEntry("web", "busybox"), db}))});
  ASSERT_TRUE(reported({"RUNNING"}));
  engine->apply({spec(taskEntry("t1", {containerEntry("web", "busybox"), db}, "STOPPED"))});
  ASSERT_TRUE(reported({"RUNNING", "STOPPED"}));
  EXPECT_TRUE(runtime_.live().size() == 2u);  // kept until the cleanup wait passes
  for (const auto& c : runtime_.live()) EXPECT_FALSE(c.state.running);
  const auto timeouts = runtime_.stopTimeouts();
  EXPECT_EQ(timeouts, (std::vector<std::chrono::seconds>{2s, 7s}));  // reverse order
  const auto stopped = sink_.changes().back();
  for (const auto& c : stopped.containers) {
    EXPECT_EQ(c.status, "STOPPED");
    EXPECT_EQ(c.exitCode, 143);
  }
}

TEST_F(TaskEngineTest, EssentialExitStopsTheOthersWithItsExitCodeAndReason) {
  auto engine = makeEngine();
  engine->apply({spec(taskEntry(
      "t1", {containerEntry("app", "busybox"), containerEntry("sidecar", "busybox", false)}))});
  ASSERT_TRUE(reported({"RUNNING"}));
  runtime_.exit("-app-", 3);
  ASSERT_TRUE(reported({"RUNNING", "STOPPED"}));
  const auto stopped = sink_.changes().back();
  EXPECT_EQ(stopped.reason, "Essential container in task exited");
  for (const auto& c : stopped.containers) {
    EXPECT_EQ(c.exitCode, c.containerName == "app" ? 3 : 143);
  }
  for (const auto& c : runtime_.live()) EXPECT_FALSE(c.state.running);
}

TEST_F(TaskEngineTest, NonEssentialExitIsReportedAndTheTaskGoesOn) {
  auto engine = makeEngine();
  engine->apply({spec(taskEntry(
      "t1", {containerEntry("app", "busybox"), containerEntry("init", "busybox", false)}))});
  ASSERT_TRUE(reported({"RUNNING"}));
  runtime_.exit("-init-", 0);
  ASSERT_TRUE(eventually([&] { return sink_.changes().size() == 2; }));
  const auto change = sink_.changes().back();
  EXPECT_FALSE(change.status.has_value());
  ASSERT_EQ(change.containers.size(), 1u);
  EXPECT_EQ(change.containers[0].containerName, "init");
  EXPECT_EQ(change.containers[0].status, "STOPPED");
  EXPECT_EQ(change.containers[0].exitCode, 0);
  EXPECT_EQ(engine->snapshot().front().knownStatus, "RUNNING");
  EXPECT_EQ(sink_.statuses(), std::vector<std::string>{"RUNNING"});
}

TEST_F(TaskEngineTest, AMissingImageStopsTheTaskWithThePullError) {
  auto engine = makeEngine();
  engine->apply({spec(taskEntry(
      "t1", {containerEntry("ok", "busybox"), containerEntry("bad", "missing/image:1")}))});
  ASSERT_TRUE(reported({"STOPPED"}));
  const auto stopped = sink_.changes().back();
  EXPECT_EQ(stopped.reason, "CannotPullContainerError: pull access denied for missing/image:1");
  for (const auto& c : runtime_.live()) EXPECT_FALSE(c.state.running);  // "ok" was stopped
}

TEST_F(TaskEngineTest, AContainerThatCannotStartStopsTheTask) {
  runtime_.failStartOf("busybox:taken");
  auto engine = makeEngine();
  engine->apply({spec(taskEntry("t1", {containerEntry("app", "busybox:taken")}))});
  ASSERT_TRUE(reported({"STOPPED"}));
  EXPECT_EQ(sink_.changes().back().reason, "CannotStartContainerError: port is already allocated");
}

TEST_F(TaskEngineTest, ATaskThatFailsToStartIsDesiredStoppedInItsSnapshot) {
  runtime_.failStartOf("busybox:taken");
  auto engine = makeEngine();
  engine->apply({spec(taskEntry("t1", {containerEntry("app", "busybox:taken")}))});
  ASSERT_TRUE(reported({"STOPPED"}));
  const auto tasks = engine->snapshot();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].knownStatus, "STOPPED");
  EXPECT_EQ(tasks[0].desiredStatus, "STOPPED");
}

TEST_F(TaskEngineTest, ATaskWhoseEssentialContainerExitedIsDesiredStopped) {
  auto engine = makeEngine();
  engine->apply({spec(taskEntry("t1", {containerEntry("app", "busybox")}))});
  ASSERT_TRUE(reported({"RUNNING"}));
  EXPECT_EQ(engine->snapshot().at(0).desiredStatus, "RUNNING");
  runtime_.exit("-app-", 1);
  ASSERT_TRUE(reported({"RUNNING", "STOPPED"}));
  EXPECT_EQ(engine->snapshot().at(0).desiredStatus, "STOPPED");
}

TEST_F(TaskEngineTest, EveryReportCarriesTheContainersDockerIdAsRuntimeId) {
  auto engine = makeEngine();
  engine->apply({spec(taskEntry(
      "t1", {containerEntry("app", "busybox"), containerEntry("init", "busybox", false)}))});
  ASSERT_TRUE(reported({"RUNNING"}));
  std::map<std::string, std::string> dockerIds;  // container name -> id
  for (const auto& c : runtime_.containers()) {
    dockerIds[c.config.labels.at("com.amazonaws.ecs.container-name")] = c.state.id;
  }
  ASSERT_EQ(dockerIds.size(), 2u);
  runtime_.exit("-init-", 0);  // SubmitContainerStateChange
  ASSERT_TRUE(eventually([&] { return sink_.changes().size() == 2; }));
  runtime_.exit("-app-", 0);
  ASSERT_TRUE(reported({"RUNNING", "STOPPED"}));

  const auto changes = sink_.changes();
  ASSERT_EQ(changes.size(), 3u);
  for (const auto& change : changes) {
    ASSERT_FALSE(change.containers.empty());
    const std::string sent = stateChangeCalls("demo", change).front().second.dump();
    for (const auto& c : change.containers) {
      EXPECT_EQ(c.runtimeId, dockerIds.at(c.containerName)) << c.containerName << " " << c.status;
      EXPECT_NE(sent.find("\"runtimeId\":\"" + c.runtimeId + "\""), std::string::npos) << sent;
    }
  }
  EXPECT_EQ(changes[0].containers.size(), 2u);  // RUNNING: both
  EXPECT_EQ(changes[2].containers.size(), 2u);  // STOPPED: both
}

TEST_F(TaskEngineTest, OutOfMemoryIsTheContainersReason) {
  auto engine = makeEngine();
  engine->apply({spec(taskEntry("t1", {containerEntry("app", "busybox")}))});
  ASSERT_TRUE(reported({"RUNNING"}));
  runtime_.exit("-app-", 137, true);
  ASSERT_TRUE(reported({"RUNNING", "STOPPED"}));
  EXPECT_EQ(sink_.changes().back().containers[0].reason,
            "OutOfMemoryError: Container killed due to memory usage");
}

TEST_F(TaskEngineTest, RepeatedMessagesNeverStartATaskTwiceNorRestartAStoppedOne) {
  auto engine = makeEngine(0s);
  const auto running = spec(taskEntry("t1", {containerEntry("app", "busybox")}));
  engine->apply({running});
  engine->apply({running});
  ASSERT_TRUE(reported({"RUNNING"}));
  engine->apply({spec(taskEntry("t1", {containerEntry("app", "busybox")}, "STOPPED"))});
  engine->apply({running});  // an older RUNNING message arriving late
  ASSERT_TRUE(reported({"RUNNING", "STOPPED"}));
  engine->cleanUp();
  EXPECT_TRUE(runtime_.live().empty());
  engine->apply({running});  // even after its containers are gone
  EXPECT_TRUE(engine->snapshot().empty());
  EXPECT_EQ(runtime_.starts(), 1);
}

TEST_F(TaskEngineTest, ATaskStoppedBeforeItStartedIsReportedStoppedWithoutContainers) {
  auto engine = makeEngine();
  engine->apply({spec(taskEntry("t1", {containerEntry("app", "busybox")}, "STOPPED"))});
  ASSERT_TRUE(reported({"STOPPED"}));
  EXPECT_TRUE(runtime_.containers().empty());
}

TEST_F(TaskEngineTest, CleanUpWaitsForTheCleanupDuration) {
  auto engine = makeEngine(3600s);
  engine->apply({spec(taskEntry("t1", {containerEntry("app", "busybox")}, "STOPPED"))});
  engine->apply({spec(taskEntry("t2", {containerEntry("app", "busybox")}))});
  ASSERT_TRUE(eventually([&] { return sink_.statuses().size() == 2; }));
  engine->cleanUp();
  EXPECT_EQ(engine->snapshot().size(), 2u);
  engine->cleanUp(true);
  EXPECT_EQ(engine->snapshot().size(), 1u);  // the running task stays
}

TEST_F(TaskEngineTest, AdoptsRecoveredContainersInsteadOfStartingNewOnes) {
  const auto task = spec(taskEntry(
      "t1", {containerEntry("app", "busybox"), containerEntry("side", "busybox", false)}));
  ContainerConfig app;
  app.name = TaskRunner::containerName(task, task.containers[0]);
  app.labels = {{"com.amazonaws.ecs.task-arn", kArn}, {"com.amazonaws.ecs.container-name", "app"}};
  ContainerConfig side;
  side.name = TaskRunner::containerName(task, task.containers[1]);
  side.labels = {{"com.amazonaws.ecs.task-arn", kArn},
                 {"com.amazonaws.ecs.container-name", "side"}};
  runtime_.plant(app, true);
  runtime_.plant(side, false, 0);  // exited while the agent was away
  auto recovered = runtime_.listContainers("com.amazonaws.ecs.task-arn=" + kArn);

  auto engine = makeEngine();
  engine->recover({{kArn, *recovered}});
  engine->apply({task});
  ASSERT_TRUE(reported({"RUNNING"}));
  ASSERT_TRUE(eventually([&] { return sink_.changes().size() == 2; }));  // side's exit
  EXPECT_EQ(runtime_.starts(), 0);
  EXPECT_EQ(runtime_.containers().size(), 2u);
  // Still watched: the adopted essential container exiting stops the task.
  runtime_.exit("-app-", 1);
  ASSERT_TRUE(reported({"RUNNING", "STOPPED"}));
}

TEST_F(TaskEngineTest, RidesOutARuntimeThatGoesAway) {
  auto engine = makeEngine();
  engine->apply({spec(taskEntry("t1", {containerEntry("app", "busybox")}))});
  ASSERT_TRUE(reported({"RUNNING"}));
  runtime_.setDown(true);
  engine->apply({spec(taskEntry("t1", {containerEntry("app", "busybox")}, "STOPPED"))});
  std::this_thread::sleep_for(100ms);  // give it the chance to report wrongly
  EXPECT_EQ(sink_.statuses(), std::vector<std::string>{"RUNNING"});  // not stopped yet
  runtime_.setDown(false);
  ASSERT_TRUE(reported({"RUNNING", "STOPPED"}));
}

TEST_F(TaskEngineTest, ShuttingDownLeavesContainersRunning) {
  auto engine = makeEngine();
  engine->apply({spec(taskEntry("t1", {containerEntry("app", "busybox")}))});
  ASSERT_TRUE(reported({"RUNNING"}));
  engine.reset();
  ASSERT_EQ(runtime_.live().size(), 1u);
  EXPECT_TRUE(runtime_.live()[0].state.running);
}

TEST_F(TaskEngineTest, SnapshotShowsTasksForIntrospection) {
  json app = containerEntry("app", "busybox");
  app["portMappings"] = {{{"containerPort", 80}, {"hostPort", 8080}}};
  auto engine = makeEngine();
  engine->apply({spec(taskEntry("t1", {app}))});
  ASSERT_TRUE(reported({"RUNNING"}));
  const auto tasks = engine->snapshot();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].arn, kArn);
  EXPECT_EQ(tasks[0].knownStatus, "RUNNING");
  EXPECT_EQ(tasks[0].desiredStatus, "RUNNING");
  ASSERT_EQ(tasks[0].containers.size(), 1u);
  EXPECT_EQ(tasks[0].containers[0].dockerName, "ecs-web-3-app-t1");
  EXPECT_FALSE(tasks[0].containers[0].dockerId.empty());
  ASSERT_EQ(tasks[0].containers[0].ports.size(), 1u);
  EXPECT_EQ(tasks[0].containers[0].ports[0].hostPort, 8080);
}

}  // namespace
}  // namespace ecsd::agent
