// The service scheduler through the router, with a manual clock and fake
// agents: each pass is runDue(), and the agents' reports are
// SubmitTaskStateChange calls, so every rule is driven one step at a time.
#include "operations/service_scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "support/router_fixture.h"

namespace ecsd::operations {
namespace {

using nlohmann::json;

json resources(int cpu, int memory) {
  return json::array(
      {{{"name", "CPU"}, {"type", "INTEGER"}, {"integerValue", cpu}},
       {{"name", "MEMORY"}, {"type", "INTEGER"}, {"integerValue", memory}},
       {{"name", "PORTS"}, {"type", "STRINGSET"}, {"stringSetValue", json::array()}},
       {{"name", "PORTS_UDP"}, {"type", "STRINGSET"}, {"stringSetValue", json::array()}}});
}

json container(const std::string& image) {
  return json::array({{{"name", "app"}, {"image", image}, {"memory", 256}, {"essential", true}}});
}

class ServiceSchedulerTest : public test_support::RouterFixture {
 protected:
  ServiceSchedulerTest() {
    attach();
    ok("CreateCluster", {{"clusterName", "demo"}});
    ok("RegisterTaskDefinition", {{"family", "web"}, {"containerDefinitions", container("web:1")}});
    ok("RegisterTaskDefinition", {{"family", "web"}, {"containerDefinitions", container("web:2")}});
    for (int i = 0; i < 3; ++i) registerInstance();
  }

  // A scheduler over the fixture's state, hearing of every commit.
  void attach() {
    scheduler_ = std::make_unique<ServiceScheduler>(Services{*state_, arns_, clock_, agents_});
    state_->onApplied([this](const ChangeSet& changes) { scheduler_->changed(changes); });
    scheduler_->wakeAll();
  }

  // ecsd restarts: the same store, a new state and scheduler.
  void restart() {
    scheduler_.reset();
    open();
    attach();
  }

  std::string registerInstance(int memory = 4096) {
    return ok(
        "RegisterContainerInstance",
        {{"cluster", "demo"},
         {"totalResources", resources(4096, memory)}})["containerInstance"]["containerInstanceArn"];
  }

  // Passes until nothing is due (each write wakes its service once more).
  void settle() {
    for (int i = 0; i < 20 && scheduler_->runDue() > 0; ++i) {
    }
  }

  json service(const std::string& name = "web") {
    return ok("DescribeServices", {{"cluster", "demo"}, {"services", {name}}})["services"][0];
  }

  std::vector<json> tasks(const std::string& desired = "RUNNING") {
    const json arns =
        ok("ListTasks",
           {{"cluster", "demo"}, {"serviceName", "web"}, {"desiredStatus", desired}})["taskArns"];
    if (arns.empty()) return {};
    const json described = ok("DescribeTasks", {{"cluster", "demo"}, {"tasks", arns}})["tasks"];
    return {described.begin(), described.end()};
  }

  int countTasks(const std::string& lastStatus, const std::string& revision = "") {
    int n = 0;
    for (const auto& t : tasks()) {
      const std::string definition = t["taskDefinitionArn"];
      if (t["lastStatus"] == lastStatus &&
          (revision.empty() || definition.ends_with(":" + revision))) {
        ++n;
      }
    }
    return n;
  }

  void report(const std::string& taskArn, const std::string& status) {
    ok("SubmitTaskStateChange", {{"cluster", "demo"}, {"task", taskArn}, {"status", status}});
  }

  // The agents run every task they were asked to start, and stop those asked to stop.
  void agentsCatchUp() {
    for (const auto& t : tasks("RUNNING")) {
      if (t["lastStatus"] == "PENDING") report(t["taskArn"], "RUNNING");
    }
    for (const auto& t : tasks("STOPPED")) {
      if (t["lastStatus"] != "STOPPED") report(t["taskArn"], "STOPPED");
    }
  }

  std::vector<std::string> messages() {
    std::vector<std::string> out;
    const json described = service();
    for (const auto& e : described["events"]) out.push_back(e["message"]);
    return out;
  }

  // Whether an event says it; the events are printed when one does not.
  testing::AssertionResult said(const std::string& message) {
    const auto m = messages();
    if (std::find(m.begin(), m.end(), message) != m.end()) return testing::AssertionSuccess();
    auto failure = testing::AssertionFailure() << "no event \"" << message << "\" among:";
    for (const auto& e : m) failure << "\n  " << e;
    return failure;
  }

  // DescribeClusters' statistic drainingEC2ServiceCount.
  int drainingServices() {
    const json cluster = ok("DescribeClusters", {{"clusters", {"demo"}},
                                                 {"include", {"STATISTICS"}}})["clusters"][0];
    for (const auto& stat : cluster["statistics"]) {
      if (stat["name"] == "drainingEC2ServiceCount") return std::stoi(stat["value"].get<std::string>());
    }
    return -1;
  }

  std::unique_ptr<ServiceScheduler> scheduler_;
};

json createWeb(int desired, json configuration = json::object()) {
  json input = {{"cluster", "demo"},
                {"serviceName", "web"},
                {"taskDefinition", "web:1"},
                {"desiredCount", desired}};
  if (!configuration.empty()) input["deploymentConfiguration"] = configuration;
  return input;
}

TEST_F(ServiceSchedulerTest, AServiceStartsItsTasksAndReachesASteadyState) {
  const json created = ok("CreateService", createWeb(3))["service"];
  EXPECT_EQ(created["status"], "ACTIVE");
  EXPECT_EQ(created["serviceArn"], "arn:aws:ecs:us-east-1:123456789012:service/demo/web");
  ASSERT_EQ(created["deployments"].size(), 1u);
  const std::string deployment = created["deployments"][0]["id"];
  settle();
  EXPECT_EQ(countTasks("PENDING"), 3);
  for (const auto& t : tasks()) {
    EXPECT_EQ(t["group"], "service:web");
    EXPECT_EQ(t["startedBy"], deployment);
  }
  EXPECT_EQ(service()["pendingCount"], 3);
  agentsCatchUp();
  settle();
  const json described = service();
  EXPECT_EQ(described["runningCount"], 3);
  EXPECT_EQ(described["pendingCount"], 0);
  ASSERT_EQ(described["deployments"].size(), 1u);
  EXPECT_EQ(described["deployments"][0]["rolloutState"], "COMPLETED");
  EXPECT_EQ(described["deployments"][0]["rolloutStateReason"],
            "ECS deployment " + deployment + " completed.");
  EXPECT_EQ(described["events"][0]["message"], "(service web) has reached a steady state.");
  EXPECT_TRUE(said("(service web) (deployment " + deployment + ") deployment completed."));
  // Nothing more to do: a pass writes nothing.
  const auto commits = state_->commits();
  scheduler_->wakeAll();
  settle();
  EXPECT_EQ(state_->commits(), commits);
  EXPECT_EQ(ok("DescribeClusters", {{"clusters", {"demo"}}})["clusters"][0]["activeServicesCount"],
            1);
}

TEST_F(ServiceSchedulerTest, ATaskThatStopsIsReplaced) {
  ok("CreateService", createWeb(2));
  settle();
  agentsCatchUp();
  settle();
  const std::string gone = tasks()[0]["taskArn"];
  report(gone, "STOPPED");  // its essential container exited
  settle();
  EXPECT_EQ(countTasks("RUNNING"), 1);
  EXPECT_EQ(countTasks("PENDING"), 1);
  agentsCatchUp();
  settle();
  EXPECT_EQ(service()["runningCount"], 2);
  EXPECT_EQ(service()["events"][0]["message"], "(service web) has reached a steady state.");
}

TEST_F(ServiceSchedulerTest, ARollingDeploymentNeverDropsBelowTheMinimumHealthy) {
  ok("CreateService", createWeb(4, {{"minimumHealthyPercent", 50}, {"maximumPercent", 200}}));
  settle();
  agentsCatchUp();
  settle();
  ok("UpdateService", {{"cluster", "demo"}, {"service", "web"}, {"taskDefinition", "web:2"}});
  for (int step = 0; step < 10; ++step) {
    settle();
    EXPECT_GE(countTasks("RUNNING"), 2) << "step " << step;             // ceil(4 * 50%)
    EXPECT_LE(static_cast<int>(tasks().size()), 8) << "step " << step;  // 4 * 200%
    agentsCatchUp();
  }
  settle();
  EXPECT_EQ(countTasks("RUNNING", "2"), 4);
  EXPECT_EQ(countTasks("RUNNING", "1"), 0);
  const json described = service();
  ASSERT_EQ(described["deployments"].size(), 1u);  // the old one left
  EXPECT_EQ(described["deployments"][0]["rolloutState"], "COMPLETED");
  EXPECT_EQ(std::string(described["taskDefinition"]).ends_with("web:2"), true);
}

TEST_F(ServiceSchedulerTest, TheCircuitBreakerFailsTheDeploymentAndRollsBack) {
  ok("CreateService",
     createWeb(2, {{"deploymentCircuitBreaker", {{"enable", true}, {"rollback", true}}}}));
  settle();
  agentsCatchUp();
  settle();
  ok("UpdateService", {{"cluster", "demo"}, {"service", "web"}, {"taskDefinition", "web:2"}});
  const std::string failing = service()["deployments"][0]["id"];
  // Every task of revision 2 fails to start; the backoff makes each wait.
  for (int round = 0; round < 10; ++round) {
    settle();
    for (const auto& t : tasks()) {
      const std::string definition = t["taskDefinitionArn"];
      if (definition.ends_with(":2") && t["lastStatus"] == "PENDING") {
        report(t["taskArn"], "STOPPED");
      }
    }
    clock_.advance(std::chrono::minutes(2));
  }
  settle();
  EXPECT_TRUE(
      said("(service web) (deployment " + failing + ") deployment failed: tasks failed to start."));
  const json described = service();
  const json& primary = described["deployments"][0];
  EXPECT_NE(primary["id"], failing);
  EXPECT_TRUE(std::string(primary["taskDefinition"]).ends_with("web:1"));
  EXPECT_EQ(primary["rolloutStateReason"],
            "ECS deployment circuit breaker: rolling back to deploymentId " + failing + ".");
  agentsCatchUp();
  settle();
  EXPECT_EQ(countTasks("RUNNING", "1"), 2);
  EXPECT_EQ(countTasks("RUNNING", "2") + countTasks("PENDING", "2"), 0);
}

TEST_F(ServiceSchedulerTest, TasksThatKeepFailingWaitLongerEachTime) {
  ok("CreateService", createWeb(1));
  // Each start fails before it runs; how many starts each pass makes.
  const auto failStarts = [&] {
    settle();
    int started = 0;
    for (const auto& t : tasks()) {
      ++started;
      report(t["taskArn"], "STOPPED");
    }
    return started;
  };
  EXPECT_EQ(failStarts(), 1);
  EXPECT_EQ(failStarts(), 1);  // the first failure is replaced at once
  EXPECT_EQ(failStarts(), 0);  // the second waits 5 s
  clock_.advance(std::chrono::seconds(6));
  EXPECT_EQ(failStarts(), 1);
  clock_.advance(std::chrono::seconds(6));
  EXPECT_EQ(failStarts(), 0);  // the third waits 10 s
  EXPECT_TRUE(
      said("(service web) is unable to consistently start tasks successfully. For more "
           "information, see the Troubleshooting section of the Amazon ECS Developer "
           "Guide."));
  clock_.advance(std::chrono::seconds(5));
  EXPECT_EQ(failStarts(), 1);
  settle();
  EXPECT_EQ(service()["deployments"][0]["failedTasks"], 4);
}

TEST_F(ServiceSchedulerTest, WithoutRoomItSaysWhyAndPlacesWhenAnInstanceRegisters) {
  ok("CreateService", createWeb(50));  // 3 instances of 4096 MiB hold 48 of 256 MiB
  settle();
  EXPECT_EQ(tasks().size(), 48u);
  const std::string newest = service()["events"][0]["message"];
  EXPECT_NE(newest.find("(service web) was unable to place a task because no container instance "
                        "met all of its requirements. The closest matching (container-instance "),
            std::string::npos)
      << newest;
  EXPECT_NE(newest.find("has insufficient memory available."), std::string::npos) << newest;
  registerInstance();
  settle();
  EXPECT_EQ(tasks().size(), 50u);
}

TEST_F(ServiceSchedulerTest, DeleteStopsTheTasksAndTheServiceBecomesInactive) {
  ok("CreateService", createWeb(2));
  settle();
  agentsCatchUp();
  settle();
  EXPECT_EQ(fails("DeleteService", {{"cluster", "demo"}, {"service", "web"}}),
            "InvalidParameterException");
  ok("UpdateService", {{"cluster", "demo"}, {"service", "web"}, {"desiredCount", 0}});
  EXPECT_EQ(ok("DeleteService", {{"cluster", "demo"}, {"service", "web"}})["service"]["status"],
            "DRAINING");
  settle();
  EXPECT_EQ(ok("ListServices", {{"cluster", "demo"}})["serviceArns"].size(), 0u);
  EXPECT_EQ(drainingServices(), 1);  // until its tasks have stopped
  EXPECT_EQ(state_->checkAccounting(), std::vector<std::string>{});
  agentsCatchUp();
  settle();
  EXPECT_EQ(service()["status"], "INACTIVE");
  EXPECT_EQ(countTasks("RUNNING"), 0);
  EXPECT_EQ(ok("DescribeClusters", {{"clusters", {"demo"}}})["clusters"][0]["activeServicesCount"],
            0);
  EXPECT_EQ(drainingServices(), 0);
  // The name is free again.
  ok("CreateService", createWeb(1));
}

TEST_F(ServiceSchedulerTest, ARestartMidDeploymentCarriesOnWithoutOverStarting) {
  ok("CreateService", createWeb(4, {{"minimumHealthyPercent", 100}, {"maximumPercent", 150}}));
  settle();
  agentsCatchUp();
  settle();
  ok("UpdateService", {{"cluster", "demo"}, {"service", "web"}, {"taskDefinition", "web:2"}});
  settle();
  EXPECT_EQ(tasks().size(), 6u);  // 4 old + 2 new: 150% of 4
  restart();
  settle();
  EXPECT_EQ(tasks().size(), 6u);  // nothing more started across the restart
  for (int step = 0; step < 8; ++step) {
    agentsCatchUp();
    settle();
    EXPECT_LE(tasks().size(), 6u);
    EXPECT_GE(countTasks("RUNNING"), 4);
  }
  EXPECT_EQ(countTasks("RUNNING", "2"), 4);
  EXPECT_EQ(service()["deployments"].size(), 1u);
  EXPECT_EQ(state_->checkAccounting(), std::vector<std::string>{});
}

TEST_F(ServiceSchedulerTest, DrainingAnInstanceMovesItsTasks) {
  ok("CreateService", createWeb(3));
  settle();
  agentsCatchUp();
  settle();
  const std::string instance = tasks()[0]["containerInstanceArn"];
  ok("UpdateContainerInstancesState",
     {{"cluster", "demo"}, {"containerInstances", {instance}}, {"status", "DRAINING"}});
  for (int step = 0; step < 6; ++step) {
    settle();
    agentsCatchUp();
  }
  settle();
  EXPECT_EQ(countTasks("RUNNING"), 3);
  for (const auto& t : tasks()) EXPECT_NE(t["containerInstanceArn"], instance);
}

TEST_F(ServiceSchedulerTest, CreateIsRefusedAsEcsRefusesIt) {
  EXPECT_EQ(fails("CreateService", {{"cluster", "demo"},
                                    {"serviceName", "web"},
                                    {"taskDefinition", "nope"},
                                    {"desiredCount", 1}}),
            "ClientException");
  EXPECT_EQ(fails("CreateService",
                  {{"cluster", "demo"}, {"serviceName", "web"}, {"taskDefinition", "web"}}),
            "InvalidParameterException");
  EXPECT_EQ(fails("CreateService", createWeb(1, {{"minimumHealthyPercent", 120}})),
            "InvalidParameterException");
  json codeDeploy = createWeb(1);
  codeDeploy["deploymentController"] = {{"type", "CODE_DEPLOY"}};
  EXPECT_EQ(fails("CreateService", codeDeploy), "InvalidParameterException");
  ok("CreateService", createWeb(1));
  ok("CreateService", createWeb(1));  // the same call again: the same service
  EXPECT_EQ(fails("CreateService", createWeb(2)), "InvalidParameterException");
  EXPECT_EQ(fails("UpdateService", {{"cluster", "demo"}, {"service", "nope"}, {"desiredCount", 1}}),
            "ServiceNotFoundException");
  const json missing = ok("DescribeServices", {{"cluster", "demo"}, {"services", {"nope"}}});
  EXPECT_EQ(missing["failures"][0]["reason"], "MISSING");
}

TEST_F(ServiceSchedulerTest, TagsOnServicesAndPropagatedToTheirTasks) {
  json input = createWeb(1);
  input["tags"] = {{{"key", "team"}, {"value", "a"}}};
  input["propagateTags"] = "SERVICE";
  input["enableECSManagedTags"] = true;
  const std::string arn = ok("CreateService", input)["service"]["serviceArn"];
  ok("TagResource", {{"resourceArn", arn}, {"tags", {{{"key", "env"}, {"value", "prod"}}}}});
  EXPECT_EQ(ok("ListTagsForResource", {{"resourceArn", arn}})["tags"].size(), 2u);
  settle();
  const json described = ok(
      "DescribeTasks",
      {{"cluster", "demo"}, {"tasks", {tasks()[0]["taskArn"]}}, {"include", {"TAGS"}}})["tasks"][0];
  std::set<std::string> keys;
  for (const auto& t : described["tags"]) keys.insert(t["key"]);
  EXPECT_TRUE(keys.contains("team"));
  EXPECT_TRUE(keys.contains("aws:ecs:serviceName"));
  EXPECT_TRUE(keys.contains("aws:ecs:clusterName"));
}

json createDaemon(json extra = json::object()) {
  json input = {{"cluster", "demo"},
                {"serviceName", "web"},
                {"taskDefinition", "web:1"},
                {"schedulingStrategy", "DAEMON"}};
  input.update(extra);
  return input;
}

TEST_F(ServiceSchedulerTest, ADaemonRunsOneTaskOnEachInstanceAndOnEachNewOne) {
  const json created = ok("CreateService", createDaemon())["service"];
  EXPECT_EQ(created["schedulingStrategy"], "DAEMON");
  EXPECT_EQ(created["deploymentConfiguration"]["maximumPercent"], 100);
  EXPECT_EQ(created["deploymentConfiguration"]["minimumHealthyPercent"], 0);
  settle();
  agentsCatchUp();
  settle();
  std::set<std::string> instances;
  for (const auto& t : tasks()) instances.insert(t["containerInstanceArn"]);
  EXPECT_EQ(instances.size(), 3u);
  EXPECT_EQ(countTasks("RUNNING"), 3);
  EXPECT_EQ(service()["desiredCount"], 3);
  EXPECT_TRUE(said("(service web) has reached a steady state."));

  const std::string added = registerInstance();
  settle();
  agentsCatchUp();
  settle();
  EXPECT_EQ(countTasks("RUNNING"), 4);
  EXPECT_EQ(service()["desiredCount"], 4);
  int onAdded = 0;
  for (const auto& t : tasks()) onAdded += t["containerInstanceArn"] == added ? 1 : 0;
  EXPECT_EQ(onAdded, 1);
  EXPECT_EQ(state_->checkAccounting(), std::vector<std::string>{});
}

TEST_F(ServiceSchedulerTest, ADaemonLeavesInstancesThatNoLongerAdmitIt) {
  const json arns = ok("ListContainerInstances", {{"cluster", "demo"}})["containerInstanceArns"];
  for (int i = 0; i < 2; ++i) {
    ok("PutAttributes", {{"cluster", "demo"},
                         {"attributes",
                          {{{"name", "role"}, {"value", "logs"}, {"targetId", arns[i]}}}}});
  }
  ok("CreateService",
     createDaemon({{"placementConstraints",
                    {{{"type", "memberOf"}, {"expression", "attribute:role == logs"}}}}}));
  settle();
  agentsCatchUp();
  settle();
  EXPECT_EQ(countTasks("RUNNING"), 2);
  EXPECT_EQ(service()["desiredCount"], 2);

  // Its attribute gone, the first instance's task stops; drained, the second's.
  ok("DeleteAttributes",
     {{"cluster", "demo"}, {"attributes", {{{"name", "role"}, {"targetId", arns[0]}}}}});
  settle();
  agentsCatchUp();
  settle();
  EXPECT_EQ(countTasks("RUNNING"), 1);
  EXPECT_EQ(tasks()[0]["containerInstanceArn"], arns[1]);
  ok("UpdateContainerInstancesState",
     {{"cluster", "demo"}, {"containerInstances", {arns[1]}}, {"status", "DRAINING"}});
  settle();
  agentsCatchUp();
  settle();
  EXPECT_EQ(countTasks("RUNNING"), 0);
  EXPECT_EQ(service()["desiredCount"], 0);
}

TEST_F(ServiceSchedulerTest, ADaemonDeploymentReplacesItsTasksInstanceByInstance) {
  ok("CreateService", createDaemon({{"deploymentConfiguration", {{"minimumHealthyPercent", 50}}}}));
  settle();
  agentsCatchUp();
  settle();
  ASSERT_EQ(countTasks("RUNNING", "1"), 3);
  ok("UpdateService", {{"cluster", "demo"}, {"service", "web"}, {"taskDefinition", "web:2"}});
  for (int step = 0; step < 10; ++step) {
    settle();
    // At least half of the three instances (rounded up) keep one running.
    EXPECT_GE(countTasks("RUNNING"), 2) << "step " << step;
    std::map<std::string, int> perInstance;
    for (const auto& t : tasks()) ++perInstance[t["containerInstanceArn"]];
    for (const auto& [instance, n] : perInstance) EXPECT_LE(n, 1) << instance;
    agentsCatchUp();
  }
  settle();
  EXPECT_EQ(countTasks("RUNNING", "2"), 3);
  const json described = service();
  ASSERT_EQ(described["deployments"].size(), 1u);
  EXPECT_EQ(described["deployments"][0]["rolloutState"], "COMPLETED");
}

TEST_F(ServiceSchedulerTest, ADaemonIsRefusedWhatItHasNoUseForAndDeletedWithoutScalingDown) {
  EXPECT_EQ(fails("CreateService", createDaemon({{"desiredCount", 2}})),
            "InvalidParameterException");
  EXPECT_EQ(fails("CreateService",
                  createDaemon({{"placementStrategy", {{{"type", "spread"}, {"field", "host"}}}}})),
            "InvalidParameterException");
  ok("CreateService", createDaemon());
  settle();
  EXPECT_EQ(fails("UpdateService", {{"cluster", "demo"}, {"service", "web"}, {"desiredCount", 1}}),
            "InvalidParameterException");
  ok("DeleteService", {{"cluster", "demo"}, {"service", "web"}});
  for (int step = 0; step < 3; ++step) {
    settle();
    agentsCatchUp();
  }
  settle();
  EXPECT_EQ(service()["status"], "INACTIVE");
  EXPECT_EQ(countTasks("RUNNING") + countTasks("PENDING"), 0);
}

json createExternal(int desired) {
  return {{"cluster", "demo"},
          {"serviceName", "web"},
          {"desiredCount", desired},
          {"deploymentController", {{"type", "EXTERNAL"}}}};
}

json taskSetCall(json members) {
  members["cluster"] = "demo";
  members["service"] = "web";
  return members;
}

TEST_F(ServiceSchedulerTest, TaskSetsKeepTheirShareOfTheDesiredCount) {
  const json created = ok("CreateService", createExternal(4))["service"];
  EXPECT_EQ(created["deploymentController"]["type"], "EXTERNAL");
  EXPECT_EQ(created["deployments"].size(), 0u);
  EXPECT_EQ(created["taskSets"].size(), 0u);
  const json blue = ok("CreateTaskSet", taskSetCall({{"taskDefinition", "web:1"},
                                                     {"externalId", "blue"},
                                                     {"scale", {{"value", 100},
                                                                {"unit", "PERCENT"}}}}))["taskSet"];
  EXPECT_EQ(blue["status"], "ACTIVE");
  EXPECT_EQ(blue["computedDesiredCount"], 4);
  EXPECT_EQ(blue["stabilityStatus"], "STABILIZING");
  const std::string blueId = blue["id"];
  EXPECT_TRUE(blueId.starts_with("ecs-svc/"));
  EXPECT_EQ(blue["taskSetArn"],
            "arn:aws:ecs:us-east-1:123456789012:task-set/demo/web/" + blueId);
  settle();
  agentsCatchUp();
  settle();
  EXPECT_EQ(countTasks("RUNNING", "1"), 4);
  for (const auto& t : tasks()) EXPECT_EQ(t["startedBy"], blueId);
  ok("UpdateServicePrimaryTaskSet", taskSetCall({{"primaryTaskSet", blue["taskSetArn"]}}));
  json described = service();
  EXPECT_EQ(described["taskDefinition"], blue["taskDefinition"]);
  EXPECT_EQ(described["runningCount"], 4);
  ASSERT_EQ(described["taskSets"].size(), 1u);
  EXPECT_EQ(described["taskSets"][0]["status"], "PRIMARY");
  EXPECT_EQ(described["taskSets"][0]["stabilityStatus"], "STEADY_STATE");

  // Green at 50%: two tasks of its own, beside blue's four.
  const json green = ok("CreateTaskSet", taskSetCall({{"taskDefinition", "web:2"},
                                                      {"scale", {{"value", 50},
                                                                 {"unit", "PERCENT"}}}}))["taskSet"];
  EXPECT_EQ(green["computedDesiredCount"], 2);
  settle();
  agentsCatchUp();
  settle();
  EXPECT_EQ(countTasks("RUNNING", "1"), 4);
  EXPECT_EQ(countTasks("RUNNING", "2"), 2);

  // Green takes over: primary at 100%, blue scaled to 0 and deleted.
  ok("UpdateTaskSet", taskSetCall({{"taskSet", green["id"]},
                                   {"scale", {{"value", 100}, {"unit", "PERCENT"}}}}));
  ok("UpdateServicePrimaryTaskSet", taskSetCall({{"primaryTaskSet", green["id"]}}));
  ok("UpdateTaskSet", taskSetCall({{"taskSet", blueId},
                                   {"scale", {{"value", 0}, {"unit", "PERCENT"}}}}));
  const json deleted = ok("DeleteTaskSet", taskSetCall({{"taskSet", blueId}}))["taskSet"];
  EXPECT_EQ(deleted["status"], "DRAINING");
  for (int step = 0; step < 4; ++step) {
    settle();
    agentsCatchUp();
  }
  settle();
  EXPECT_EQ(countTasks("RUNNING", "1"), 0);
  EXPECT_EQ(countTasks("RUNNING", "2"), 4);
  const json sets = ok("DescribeTaskSets", taskSetCall({}))["taskSets"];
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0]["id"], green["id"]);
  EXPECT_EQ(sets[0]["status"], "PRIMARY");
  EXPECT_EQ(sets[0]["runningCount"], 4);
  EXPECT_EQ(sets[0]["stabilityStatus"], "STEADY_STATE");
  const json missing = ok("DescribeTaskSets", taskSetCall({{"taskSets", {blueId}}}));
  EXPECT_EQ(missing["failures"][0]["reason"], "MISSING");
  EXPECT_TRUE(said("(service web) has reached a steady state."));
  EXPECT_EQ(state_->checkAccounting(), std::vector<std::string>{});

  // The service scaled: its task set follows (ceil(3 x 100%)).
  ok("UpdateService", {{"cluster", "demo"}, {"service", "web"}, {"desiredCount", 3}});
  settle();
  agentsCatchUp();
  settle();
  EXPECT_EQ(countTasks("RUNNING", "2"), 3);
}

TEST_F(ServiceSchedulerTest, TaskSetCallsAreRefusedAsEcsRefusesThem) {
  ok("CreateService", createWeb(1));
  EXPECT_EQ(fails("CreateTaskSet", taskSetCall({{"taskDefinition", "web:1"}})),
            "InvalidParameterException");  // an ECS-controlled service
  ok("DeleteService", {{"cluster", "demo"}, {"service", "web"}, {"force", true}});
  settle();
  json withDefinition = createExternal(2);
  withDefinition["serviceName"] = "other";
  withDefinition["taskDefinition"] = "web:1";
  EXPECT_EQ(fails("CreateService", withDefinition), "InvalidParameterException");
  withDefinition.erase("taskDefinition");
  ok("CreateService", withDefinition);
  const auto call = [](json members) {
    members["cluster"] = "demo";
    members["service"] = "other";
    return members;
  };
  EXPECT_EQ(fails("UpdateService",
                  {{"cluster", "demo"}, {"service", "other"}, {"taskDefinition", "web:2"}}),
            "InvalidParameterException");
  EXPECT_EQ(fails("CreateTaskSet", call({{"taskDefinition", "nope"}})), "ClientException");
  EXPECT_EQ(fails("CreateTaskSet", call({{"taskDefinition", "web:1"},
                                         {"scale", {{"value", 150}, {"unit", "PERCENT"}}}})),
            "InvalidParameterException");
  EXPECT_EQ(fails("UpdateTaskSet", call({{"taskSet", "ecs-svc/1"},
                                         {"scale", {{"value", 10}, {"unit", "PERCENT"}}}})),
            "TaskSetNotFoundException");
  const json first = ok("CreateTaskSet", call({{"taskDefinition", "web:1"},
                                               {"clientToken", "t-1"}}))["taskSet"];
  // The same token again: the same task set.
  EXPECT_EQ(ok("CreateTaskSet", call({{"taskDefinition", "web:1"}, {"clientToken", "t-1"}}))
                ["taskSet"]["id"],
            first["id"]);
  EXPECT_EQ(fails("DeleteTaskSet", call({{"taskSet", first["id"]}})),
            "InvalidParameterException");  // scaled above 0
  EXPECT_EQ(ok("DeleteTaskSet", call({{"taskSet", first["id"]}, {"force", true}}))["taskSet"]
                ["status"],
            "DRAINING");
  for (int i = 1; i < 5; ++i) ok("CreateTaskSet", call({{"taskDefinition", "web:1"}}));
  EXPECT_EQ(fails("CreateTaskSet", call({{"taskDefinition", "web:1"}})),
            "InvalidParameterException");  // five exist
  EXPECT_EQ(fails("DescribeTaskSets", {{"cluster", "demo"}, {"service", "nope"}}),
            "ServiceNotFoundException");
}

}  // namespace
}  // namespace ecsd::operations
