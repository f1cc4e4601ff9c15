// Container instances and tasks through the router: the seed's walkthrough,
// lifecycle, failures, and a randomized run that checks the accounting after
// every operation.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>

#include "operations/maintenance.h"
#include "support/router_fixture.h"

namespace ecsd::operations {
namespace {

using nlohmann::json;

json resources(int cpu, int memory,
               std::vector<std::string> ports = {"22", "2375", "2376", "51678"}) {
  return json::array(
      {{{"name", "CPU"}, {"type", "INTEGER"}, {"integerValue", cpu}},
       {{"name", "MEMORY"}, {"type", "INTEGER"}, {"integerValue", memory}},
       {{"name", "PORTS"}, {"type", "STRINGSET"}, {"stringSetValue", ports}},
       {{"name", "PORTS_UDP"}, {"type", "STRINGSET"}, {"stringSetValue", json::array()}}});
}

json wordpress() {
  std::ifstream in(std::string(ECSD_SOURCE_DIR) + "/docs/examples/wordpress.json");
  return json::parse(in);
}

// "f0", "f1", ...: built with append, which GCC 12's -Wrestrict does not misread.
std::string family(int n) {
  std::string name = "f";
  name.append(std::to_string(n));
  return name;
}

class TaskOperationsTest : public test_support::RouterFixture {
 protected:
  TaskOperationsTest() {
    ok("CreateCluster", {{"clusterName", "demo"}});
    ok("RegisterTaskDefinition", {{"family", "wordpress"}, {"containerDefinitions", wordpress()}});
  }

  std::string registerInstance(int cpu, int memory,
                               std::vector<std::string> ports = {"22", "2375", "2376", "51678"}) {
    return ok(
        "RegisterContainerInstance",
        {{"cluster", "demo"},
         {"totalResources", resources(cpu, memory, std::move(ports))},
         {"instanceIdentityDocument",
          R"({"instanceId":"i-0123","availabilityZone":"us-east-1a","instanceType":"t2.small"})"}})
        ["containerInstance"]["containerInstanceArn"];
  }

  json describeInstance(const std::string& arn) {
    return ok("DescribeContainerInstances",
              {{"cluster", "demo"}, {"containerInstances", {arn}}})["containerInstances"][0];
  }

  static json resource(const json& instance, const char* which, const char* name) {
    for (const auto& r : instance[which]) {
      if (r["name"] == name) return r;
    }
    return nullptr;
  }

  json runTask(json extra = json::object()) {
    json input = {{"cluster", "demo"}, {"taskDefinition", "wordpress"}};
    input.update(extra);
    return ok("RunTask", input);
  }

  void report(const std::string& taskArn, const std::string& status) {
    ok("SubmitTaskStateChange", {{"cluster", "demo"}, {"task", taskArn}, {"status", status}});
  }

  void expectAccountingHolds() {
    EXPECT_EQ(state_->checkAccounting(), std::vector<std::string>{});
    state_->read([&](const Data& data) {
      for (const auto& [id, instance] : data.instances()) {
        const Remaining remaining = remainingOf(instance, data.usage(id));
        EXPECT_GE(remaining.cpu, 0) << id;
        EXPECT_GE(remaining.memory, 0) << id;
        for (const auto& [port, holders] : data.usage(id).tcpPorts) {
          EXPECT_EQ(holders, 1) << "port " << port << " on " << id;
          EXPECT_FALSE(std::binary_search(instance.registered.tcpPorts.begin(),
                                          instance.registered.tcpPorts.end(), port));
        }
      }
      return 0;
    });
  }
};

TEST_F(TaskOperationsTest, SeedWalkthrough) {
  const auto a = registerInstance(1024, 2004);
  registerInstance(1024, 2004);
  const json described = describeInstance(a);
  EXPECT_EQ(described["status"], "ACTIVE");
  EXPECT_EQ(described["agentConnected"], true);
  EXPECT_EQ(described["registeredResources"], described["remainingResources"]);
  EXPECT_EQ(resource(described, "registeredResources", "CPU")["integerValue"], 1024);
  EXPECT_EQ(described["ec2InstanceId"], "i-0123");

  json run = runTask();
  EXPECT_TRUE(run["tasks"].empty());
  ASSERT_EQ(run["failures"].size(), 2u);
  for (const auto& f : run["failures"]) EXPECT_EQ(f["reason"], "RESOURCE:MEMORY");

  const auto big = registerInstance(1024, 4096);
  run = runTask();
  ASSERT_EQ(run["tasks"].size(), 1u);
  const json task = run["tasks"][0];
  EXPECT_EQ(task["containerInstanceArn"], big);
  EXPECT_EQ(task["lastStatus"], "PENDING");
  EXPECT_EQ(task["desiredStatus"], "RUNNING");
  EXPECT_EQ(task["group"], "family:wordpress");
  EXPECT_EQ(task["containers"].size(), 2u);
  json instance = describeInstance(big);
  EXPECT_EQ(resource(instance, "remainingResources", "CPU")["integerValue"], 724);
  EXPECT_EQ(resource(instance, "remainingResources", "MEMORY")["integerValue"], 1024);
  EXPECT_EQ(resource(instance, "remainingResources", "PORTS")["stringSetValue"],
            json({"22", "80", "2375", "2376", "51678"}));
  EXPECT_EQ(instance["pendingTasksCount"], 1);
  ASSERT_EQ(agents_.delivered.size(), 1u);
  EXPECT_EQ(agents_.delivered[0].second[0]["arn"], task["taskArn"]);

  report(task["taskArn"], "RUNNING");
  json tasks = ok("DescribeTasks", {{"cluster", "demo"}, {"tasks", {task["taskArn"]}}})["tasks"];
  EXPECT_EQ(tasks[0]["lastStatus"], "RUNNING");
  EXPECT_TRUE(tasks[0].contains("startedAt"));
  EXPECT_EQ(describeInstance(big)["runningTasksCount"], 1);

  ok("StopTask", {{"cluster", "demo"}, {"task", task["taskArn"]}, {"reason", "done"}});
  // Held until the agent says STOPPED.
  EXPECT_EQ(resource(describeInstance(big), "remainingResources", "MEMORY")["integerValue"], 1024);
  EXPECT_EQ(agents_.delivered.back().second[0]["desiredStatus"], "STOPPED");
  report(task["taskArn"], "STOPPED");
  instance = describeInstance(big);
  EXPECT_EQ(instance["registeredResources"], instance["remainingResources"]);
  tasks = ok("DescribeTasks", {{"cluster", "demo"}, {"tasks", {task["taskArn"]}}})["tasks"];
  EXPECT_EQ(tasks[0]["stoppedReason"], "done");
  EXPECT_EQ(tasks[0]["stopCode"], "UserInitiated");
  expectAccountingHolds();
}

TEST_F(TaskOperationsTest, ReRegistrationKeepsIdentityAndTasks) {
  const auto arn = registerInstance(1024, 4096);
  const std::string task = runTask()["tasks"][0]["taskArn"];
  const json again =
      ok("RegisterContainerInstance",
         {{"cluster", "demo"},
          {"containerInstanceArn", arn},
          {"totalResources", resources(2048, 4096)},
          {"attributes", {{{"name", "custom"}, {"value", "kept"}}}}})["containerInstance"];
  EXPECT_EQ(again["containerInstanceArn"], arn);
  EXPECT_EQ(resource(again, "registeredResources", "CPU")["integerValue"], 2048);
  EXPECT_EQ(resource(again, "remainingResources", "CPU")["integerValue"], 2048 - 300);
  EXPECT_EQ(again["pendingTasksCount"], 1);
  // Every attribute sent is echoed unchanged (the real agent checks).
  const auto& attributes = again["attributes"];
  EXPECT_NE(std::find(attributes.begin(), attributes.end(),
                      json({{"name", "custom"}, {"value", "kept"}})),
            attributes.end());
  EXPECT_EQ(ok("ListTasks", {{"cluster", "demo"}, {"containerInstance", arn}})["taskArns"],
            json({task}));
  EXPECT_EQ(ok("ListContainerInstances", {{"cluster", "demo"}})["containerInstanceArns"].size(),
            1u);
}

TEST_F(TaskOperationsTest, PageTokensBelongToTheirListing) {
  for (int i = 0; i < 3; ++i) registerInstance(4096, 8192);
  const json page = ok("ListContainerInstances", {{"cluster", "demo"}, {"maxResults", 1}});
  ASSERT_TRUE(page.contains("nextToken"));
  EXPECT_EQ(
      ok("ListContainerInstances", {{"cluster", "demo"},
                                    {"maxResults", 5},
                                    {"nextToken", page["nextToken"]}})["containerInstanceArns"]
          .size(),
      2u);
  EXPECT_EQ(fails("ListClusters", {{"nextToken", page["nextToken"]}}), "InvalidParameterException");
}

TEST_F(TaskOperationsTest, DeleteClusterIsRefusedWhileItHoldsInstances) {
  const auto arn = registerInstance(4096, 8192);
  const json counted = ok("DescribeClusters", {{"clusters", {"demo"}}})["clusters"][0];
  EXPECT_EQ(counted["registeredContainerInstancesCount"], 1);
  runTask();
  EXPECT_EQ(ok("DescribeClusters", {{"clusters", {"demo"}}})["clusters"][0]["pendingTasksCount"],
            1);
  EXPECT_EQ(fails("DeleteCluster", {{"cluster", "demo"}}),
            "ClusterContainsContainerInstancesException");
  ok("DeregisterContainerInstance",
     {{"cluster", "demo"}, {"containerInstance", arn}, {"force", true}});
  EXPECT_EQ(ok("DeleteCluster", {{"cluster", "demo"}})["cluster"]["status"], "INACTIVE");
}

TEST_F(TaskOperationsTest, ContainerOverridesChangeWhatTheTaskNeeds) {
  const auto arn = registerInstance(4096, 8192);
  for (int i = 0; i < 20; ++i) {
    const json run =
        runTask({{"overrides",
                  {{"containerOverrides",
                    {{{"name", "mysql"}, {"memory", 256}, {"cpu", 50}, {"command", {"sleep", "1"}}},
                     {{"name", "wp"}, {"environment", {{{"name", "A"}, {"value", "b"}}}}}}}}}});
    ASSERT_EQ(run["tasks"].size(), 1u) << i;
    EXPECT_EQ(run["tasks"][0]["containers"][1]["memory"], "256");
    EXPECT_EQ(run["tasks"][0]["overrides"]["containerOverrides"][0]["name"], "mysql");
    report(run["tasks"][0]["taskArn"], "STOPPED");  // frees port 80 for the next
  }
  EXPECT_EQ(resource(describeInstance(arn), "remainingResources", "MEMORY")["integerValue"], 8192);
  EXPECT_EQ(fails("RunTask", {{"cluster", "demo"},
                              {"taskDefinition", "wordpress"},
                              {"overrides", {{"containerOverrides", {{{"name", "nope"}}}}}}}),
            "InvalidParameterException");
}

TEST_F(TaskOperationsTest, CountFivePlacesWhatFitsAndSaysWhy) {
  registerInstance(1024, 2004);
  registerInstance(1024, 4096);
  const json run = runTask({{"count", 5}});
  EXPECT_EQ(run["tasks"].size(), 1u);
  ASSERT_EQ(run["failures"].size(), 2u);
  // The second task needs port 80 too, which the first now holds.
  std::multiset<std::string> reasons;
  for (const auto& f : run["failures"]) reasons.insert(f["reason"]);
  EXPECT_EQ(reasons, (std::multiset<std::string>{"RESOURCE:MEMORY", "RESOURCE:MEMORY"}));
}

TEST_F(TaskOperationsTest, DisconnectedAgentIsReasonAgent) {
  const auto arn = registerInstance(4096, 8192);
  agents_.allConnected = false;
  const json run = runTask();
  ASSERT_EQ(run["failures"].size(), 1u);
  EXPECT_EQ(run["failures"][0]["reason"], "AGENT");
  EXPECT_EQ(describeInstance(arn)["agentConnected"], false);
}

TEST_F(TaskOperationsTest, EmptyClusterIsInvalidParameter) {
  EXPECT_EQ(fails("RunTask", {{"cluster", "demo"}, {"taskDefinition", "wordpress"}}),
            "InvalidParameterException");
  EXPECT_EQ(
      fails("RunTask",
            {{"cluster", "demo"}, {"taskDefinition", "wordpress"}, {"launchType", "FARGATE"}}),
      "InvalidParameterException");
}

TEST_F(TaskOperationsTest, StartTaskOnNamedInstances) {
  const auto small = registerInstance(1024, 2004);
  const auto big = registerInstance(1024, 4096);
  const json started = ok("StartTask", {{"cluster", "demo"},
                                        {"taskDefinition", "wordpress:1"},
                                        {"containerInstances", {small, big, "nope"}}});
  ASSERT_EQ(started["tasks"].size(), 1u);
  EXPECT_EQ(started["tasks"][0]["containerInstanceArn"], big);
  ASSERT_EQ(started["failures"].size(), 2u);
  EXPECT_EQ(started["failures"][0]["reason"], "RESOURCE:MEMORY");
  EXPECT_EQ(started["failures"][1]["reason"], "MISSING");
}

TEST_F(TaskOperationsTest, StartTaskNamingAnInstanceTwicePlacesOnce) {
  const auto arn = registerInstance(4096, 8192);
  const std::string id = arn.substr(arn.rfind('/') + 1);
  const json started =
      ok("StartTask",
         {{"cluster", "demo"}, {"taskDefinition", "wordpress"}, {"containerInstances", {arn, id}}});
  EXPECT_EQ(started["tasks"].size(), 1u);
  expectAccountingHolds();
}

TEST_F(TaskOperationsTest, DeregisterRefusedWhileTasksRunUnlessForced) {
  const auto arn = registerInstance(1024, 4096);
  const std::string task = runTask()["tasks"][0]["taskArn"];
  EXPECT_EQ(fails("DeregisterContainerInstance", {{"cluster", "demo"}, {"containerInstance", arn}}),
            "InvalidParameterException");
  const json gone = ok("DeregisterContainerInstance",
                       {{"cluster", "demo"}, {"containerInstance", arn}, {"force", true}});
  EXPECT_EQ(gone["containerInstance"]["status"], "INACTIVE");
  EXPECT_EQ(agents_.forgotten, std::vector<std::string>{arn.substr(arn.rfind('/') + 1)});
  const json stopped = ok("DescribeTasks", {{"cluster", "demo"}, {"tasks", {task}}})["tasks"][0];
  EXPECT_EQ(stopped["lastStatus"], "STOPPED");
  EXPECT_FALSE(stopped["stoppedReason"].get<std::string>().empty());
  EXPECT_TRUE(ok("ListContainerInstances", {{"cluster", "demo"}})["containerInstanceArns"].empty());
  expectAccountingHolds();
}

TEST_F(TaskOperationsTest, DrainingInstanceGetsNoNewTasks) {
  const auto arn = registerInstance(4096, 8192);
  ok("UpdateContainerInstancesState",
     {{"cluster", "demo"}, {"containerInstances", {arn}}, {"status", "DRAINING"}});
  EXPECT_EQ(runTask()["failures"][0]["reason"], "DRAINING");
  ok("UpdateContainerInstancesState",
     {{"cluster", "demo"}, {"containerInstances", {arn}}, {"status", "ACTIVE"}});
  EXPECT_EQ(runTask()["tasks"].size(), 1u);
}

TEST_F(TaskOperationsTest, ClientTokenPlacesNothingTwice) {
  // wordpress takes host port 80: one task per instance.
  registerInstance(4096, 16384);
  registerInstance(4096, 16384);
  const json first = runTask({{"clientToken", "retry-1"}, {"count", 2}});
  const json again = runTask({{"clientToken", "retry-1"}, {"count", 2}});
  EXPECT_EQ(first, again);
  EXPECT_EQ(ok("ListTasks", {{"cluster", "demo"}})["taskArns"].size(), 2u);
  // What is kept is the tasks' ids and the failures, not the whole answer:
  // a retry shows the same tasks as they are now.
  const std::string recorded = state_->read(
      [](const Data& data) { return data.idempotentAnswer("RunTask:demo:retry-1").value(); });
  EXPECT_EQ(json::parse(recorded).at("taskIds").size(), 2u);
  EXPECT_LT(recorded.size(), first.dump().size() / 4);
  report(first["tasks"][0]["taskArn"], "RUNNING");
  const json later = runTask({{"clientToken", "retry-1"}, {"count", 2}});
  ASSERT_EQ(later["tasks"].size(), 2u);
  EXPECT_EQ(later["tasks"][0]["taskArn"], first["tasks"][0]["taskArn"]);
  EXPECT_EQ(later["tasks"][0]["lastStatus"], "RUNNING");
  EXPECT_EQ(later["failures"], first["failures"]);
  EXPECT_EQ(ok("ListTasks", {{"cluster", "demo"}})["taskArns"].size(), 2u);
  // The same token with other parameters is a conflict, as in ECS.
  EXPECT_EQ(fails("RunTask", {{"cluster", "demo"},
                              {"taskDefinition", "wordpress"},
                              {"clientToken", "retry-1"},
                              {"count", 1}}),
            "ConflictException");
  EXPECT_EQ(ok("ListTasks", {{"cluster", "demo"}})["taskArns"].size(), 2u);
}

TEST_F(TaskOperationsTest, AWholeAnswerRecordedEarlierIsReplayedAsItIs) {
  registerInstance(4096, 16384);
  const json whole = {{"tasks", json::array()},
                      {"failures", {{{"arn", "arn:x"}, {"reason", "RESOURCE:MEMORY"}}}}};
  ASSERT_TRUE(state_
                  ->write([&](Draft& draft) -> Result<int> {
                    draft.recordAnswer("RunTask:demo:old", {whole.dump(), 0});
                    return 0;
                  })
                  .ok());
  EXPECT_EQ(runTask({{"clientToken", "old"}}), whole);
  EXPECT_TRUE(ok("ListTasks", {{"cluster", "demo"}})["taskArns"].empty());
}

TEST_F(TaskOperationsTest, EssentialContainerStoppingStopsTheTask) {
  registerInstance(4096, 8192);
  const std::string task = runTask()["tasks"][0]["taskArn"];
  report(task, "RUNNING");
  ok("SubmitContainerStateChange", {{"cluster", "demo"},
                                    {"task", task},
                                    {"containerName", "mysql"},
                                    {"status", "STOPPED"},
                                    {"exitCode", 1},
                                    {"reason", "crashed"}});
  const json described = ok("DescribeTasks", {{"cluster", "demo"}, {"tasks", {task}}})["tasks"][0];
  EXPECT_EQ(described["desiredStatus"], "STOPPED");
  EXPECT_EQ(described["stopCode"], "EssentialContainerExited");
  EXPECT_EQ(described["containers"][1]["exitCode"], 1);
  EXPECT_EQ(agents_.delivered.back().second[0]["desiredStatus"], "STOPPED");
  // A non-essential container (wp) exiting changes nothing for its task.
  report(task, "STOPPED");  // gives port 80 back
  const std::string next = runTask()["tasks"][0]["taskArn"];
  ok("SubmitContainerStateChange", {{"cluster", "demo"},
                                    {"task", next},
                                    {"containerName", "wp"},
                                    {"status", "STOPPED"},
                                    {"exitCode", 0}});
  const json goesOn = ok("DescribeTasks", {{"cluster", "demo"}, {"tasks", {next}}})["tasks"][0];
  EXPECT_EQ(goesOn["desiredStatus"], "RUNNING");
  EXPECT_EQ(goesOn["containers"][0]["lastStatus"], "STOPPED");
}

TEST_F(TaskOperationsTest, ListTasksHonoursEveryFilter) {
  registerInstance(4096, 8192);
  registerInstance(4096, 8192, {"22"});
  const std::string t1 = runTask({{"startedBy", "ci"}})["tasks"][0]["taskArn"];
  const std::string t2 = runTask()["tasks"][0]["taskArn"];
  ok("StopTask", {{"cluster", "demo"}, {"task", t2}});
  const auto list = [&](json filter) {
    filter["cluster"] = "demo";
    return ok("ListTasks", filter)["taskArns"];
  };
  EXPECT_EQ(list({}), json({t1}));
  EXPECT_EQ(list({{"desiredStatus", "STOPPED"}}), json({t2}));
  EXPECT_EQ(list({{"startedBy", "ci"}}), json({t1}));
  EXPECT_EQ(list({{"family", "other"}}), json::array());
  EXPECT_EQ(list({{"family", "wordpress"}, {"desiredStatus", "PENDING"}}), json({t1}));
  const std::string t1Instance = ok(
      "DescribeTasks", {{"cluster", "demo"}, {"tasks", {t1}}})["tasks"][0]["containerInstanceArn"];
  EXPECT_EQ(list({{"containerInstance", t1Instance}}), json({t1}));
  const json missing = ok("DescribeTasks", {{"cluster", "demo"}, {"tasks", {"0123"}}});
  EXPECT_EQ(missing["failures"][0]["reason"], "MISSING");
}

TEST_F(TaskOperationsTest, ListTasksPagesInArnOrderAcrossFilteredTasks) {
  for (int i = 0; i < 4; ++i) registerInstance(4096, 16384);  // wordpress: one per instance
  std::vector<std::string> running;
  for (int i = 0; i < 7; ++i) {
    const std::string arn =
        runTask(i % 3 == 0 ? json{{"startedBy", "ci"}} : json::object())["tasks"][0]["taskArn"];
    if (i % 2 == 0) {
      ok("StopTask", {{"cluster", "demo"}, {"task", arn}});  // filtered out below
      report(arn, "STOPPED");
    } else {
      running.push_back(arn);
    }
  }
  std::sort(running.begin(), running.end());
  json pages = json::array();
  json request = {{"cluster", "demo"}, {"maxResults", 2}};
  for (int page = 0; page < 10; ++page) {
    const json answer = ok("ListTasks", request);
    EXPECT_LE(answer["taskArns"].size(), 2u);
    for (const auto& arn : answer["taskArns"]) pages.push_back(arn);
    if (!answer.contains("nextToken")) break;
    request["nextToken"] = answer["nextToken"];
  }
  EXPECT_EQ(pages, json(running));
  EXPECT_FALSE(ok("ListTasks", {{"cluster", "demo"}, {"maxResults", 3}}).contains("nextToken"));
  EXPECT_EQ(fails("ListTasks", {{"cluster", "demo"}, {"nextToken", "bm90IG91cnM="}}),
            "InvalidParameterException");
}

TEST_F(TaskOperationsTest, StoppedTasksArePurgedAfterRetention) {
  registerInstance(4096, 8192);
  const std::string task = runTask()["tasks"][0]["taskArn"];
  report(task, "STOPPED");
  ASSERT_TRUE(purgeStoppedTasks(*state_, clock_, std::chrono::hours(1)).ok());
  EXPECT_EQ(ok("DescribeTasks", {{"cluster", "demo"}, {"tasks", {task}}})["tasks"].size(), 1u);
  clock_.advance(std::chrono::hours(2));
  EXPECT_EQ(*purgeStoppedTasks(*state_, clock_, std::chrono::hours(1)), 1);
  EXPECT_EQ(ok("DescribeTasks", {{"cluster", "demo"}, {"tasks", {task}}})["failures"].size(), 1u);
}

TEST_F(TaskOperationsTest, ClientTokensExpireAfterADay) {
  registerInstance(4096, 16384);
  registerInstance(4096, 16384);
  runTask({{"clientToken", "nightly"}});
  EXPECT_EQ(*forgetExpiredAnswers(*state_, clock_, std::chrono::hours(24)), 0);
  runTask({{"clientToken", "nightly"}});  // a retry: nothing new
  EXPECT_EQ(ok("ListTasks", {{"cluster", "demo"}})["taskArns"].size(), 1u);
  clock_.advance(std::chrono::hours(25));
  EXPECT_EQ(*forgetExpiredAnswers(*state_, clock_, std::chrono::hours(24)), 1);
  runTask({{"clientToken", "nightly"}});  // a new request now
  EXPECT_EQ(ok("ListTasks", {{"cluster", "demo"}})["taskArns"].size(), 2u);
}

TEST_F(TaskOperationsTest, AttributesAndFilters) {
  const auto a = registerInstance(4096, 8192);
  registerInstance(4096, 8192);
  ok("PutAttributes", {{"cluster", "demo"},
                       {"attributes", {{{"name", "stack"}, {"value", "prod"}, {"targetId", a}}}}});
  const json listed = ok("ListAttributes", {{"cluster", "demo"},
                                            {"targetType", "container-instance"},
                                            {"attributeName", "stack"}})["attributes"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["targetId"], a);
  EXPECT_EQ(
      ok("ListContainerInstances",
         {{"cluster", "demo"}, {"filter", "attribute:stack == prod"}})["containerInstanceArns"],
      json({a}));
  const json run = runTask({{"placementConstraints",
                             {{{"type", "memberOf"}, {"expression", "attribute:stack == prod"}}}}});
  EXPECT_EQ(run["tasks"][0]["containerInstanceArn"], a);
  ok("DeleteAttributes",
     {{"cluster", "demo"}, {"attributes", {{{"name", "stack"}, {"targetId", a}}}}});
  EXPECT_TRUE(
      ok("ListContainerInstances",
         {{"cluster", "demo"}, {"filter", "attribute:stack exists"}})["containerInstanceArns"]
          .empty());
}

TEST_F(TaskOperationsTest, StateSurvivesRestartWithAccountingIntact) {
  const auto arn = registerInstance(1024, 4096);
  const std::string task = runTask()["tasks"][0]["taskArn"];
  report(task, "RUNNING");
  open();
  const json instance = describeInstance(arn);
  EXPECT_EQ(resource(instance, "remainingResources", "MEMORY")["integerValue"], 1024);
  EXPECT_EQ(instance["runningTasksCount"], 1);
  expectAccountingHolds();
}

// Binpack walks an index instead of the cluster; it must choose exactly what
// binpack means: of the instances that can take the task, the one with the
// least of the resource left (then the lowest id).
TEST_F(TaskOperationsTest, IndexedBinpackChoosesTheTightestFit) {
  std::mt19937 random(11);
  const auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  for (int f = 0; f < 4; ++f) {
    json container = {
        {"name", "app"}, {"image", "busybox"}, {"cpu", 64 * (f + 1)}, {"memory", 100 + 150 * f}};
    if (f == 3) container["portMappings"] = {{{"containerPort", 80}, {"hostPort", 8080}}};
    ok("RegisterTaskDefinition", {{"family", family(f)}, {"containerDefinitions", {container}}});
  }
  std::vector<std::string> arns;
  for (int i = 0; i < 12; ++i)
    arns.push_back(registerInstance(256 * (1 + pick(4)), 256 * (1 + pick(8))));
  agents_.allConnected = false;
  for (const auto& arn : arns) {
    if (pick(5) != 0) agents_.connectedIds.insert(arn.substr(arn.rfind('/') + 1));
  }
  for (int step = 0; step < 150; ++step) {
    const int f = pick(4);
    const json before =
        ok("DescribeContainerInstances",
           {{"cluster", "demo"}, {"containerInstances", arns}})["containerInstances"];
    // Odd steps binpack on CPU, even ones on memory (the default).
    const bool byCpu = step % 2 == 1;
    json request = {{"cluster", "demo"}, {"taskDefinition", family(f)}};
    if (byCpu) request["placementStrategy"] = {{{"type", "binpack"}, {"field", "cpu"}}};
    const json run = ok("RunTask", request);
    const std::int64_t cpu = 64 * (f + 1);
    const std::int64_t memory = 100 + 150 * f;
    std::optional<std::pair<std::int64_t, std::string>> tightest;
    for (const auto& instance : before) {
      const std::int64_t leftCpu = resource(instance, "remainingResources", "CPU")["integerValue"];
      const std::int64_t leftMemory =
          resource(instance, "remainingResources", "MEMORY")["integerValue"];
      const json ports = resource(instance, "remainingResources", "PORTS")["stringSetValue"];
      const bool portFree = f != 3 || std::find(ports.begin(), ports.end(), "8080") == ports.end();
      if (instance["agentConnected"] == true && leftCpu >= cpu && leftMemory >= memory &&
          portFree) {
        const std::pair<std::int64_t, std::string> key{byCpu ? leftCpu : leftMemory,
                                                       instance["containerInstanceArn"]};
        if (!tightest || key < *tightest) tightest = key;
      }
    }
    if (!tightest) {
      EXPECT_TRUE(run["tasks"].empty()) << step;
    } else {
      ASSERT_EQ(run["tasks"].size(), 1u) << step;
      EXPECT_EQ(run["tasks"][0]["containerInstanceArn"], tightest->second) << step;
    }
    if (step % 3 == 0 && !run["tasks"].empty()) report(run["tasks"][0]["taskArn"], "STOPPED");
  }
  expectAccountingHolds();
}

// Thousands of random operations; after each, no instance is over-committed,
// no port is held twice, and kept usage equals a recount from the tasks.
TEST_F(TaskOperationsTest, RandomizedOperationsKeepTheAccounting) {
  std::mt19937 random(7);
  const auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  for (int f = 0; f < 3; ++f) {
    json containers = {
        {{"name", "app"},
         {"image", "busybox"},
         {"cpu", 128 * (f + 1)},
         {"memory", 256 * (f + 1)},
         {"portMappings", {{{"containerPort", 80}, {"hostPort", f == 0 ? 8080 : 0}}}}}};
    ok("RegisterTaskDefinition", {{"family", family(f)}, {"containerDefinitions", containers}});
  }
  std::vector<std::string> instances;
  for (int i = 0; i < 6; ++i)
    instances.push_back(registerInstance(1024 * (1 + pick(3)), 1024 * (1 + pick(4))));
  std::vector<std::string> tasks;
  for (int step = 0; step < 2000; ++step) {
    const int op = pick(10);
    if (op < 4) {
      auto result =
          call("RunTask",
               {{"cluster", "demo"}, {"taskDefinition", family(pick(3))}, {"count", 1 + pick(3)}});
      if (result.ok()) {
        for (const auto& t : (*result)["tasks"]) tasks.push_back(t["taskArn"]);
      }
    } else if (op < 6 && !tasks.empty()) {
      (void)call("SubmitTaskStateChange", {{"cluster", "demo"},
                                           {"task", tasks[pick(static_cast<int>(tasks.size()))]},
                                           {"status", pick(2) ? "RUNNING" : "STOPPED"}});
    } else if (op < 7 && !tasks.empty()) {
      (void)call("StopTask",
                 {{"cluster", "demo"}, {"task", tasks[pick(static_cast<int>(tasks.size()))]}});
    } else if (op < 8 && !tasks.empty()) {
      (void)call("SubmitContainerStateChange",
                 {{"cluster", "demo"},
                  {"task", tasks[pick(static_cast<int>(tasks.size()))]},
                  {"containerName", "app"},
                  {"status", "STOPPED"},
                  {"exitCode", 0}});
    } else if (op < 9) {
      agents_.allConnected = pick(4) != 0;
      agents_.connectedIds = {};
    } else {
      (void)call("UpdateContainerInstancesState",
                 {{"cluster", "demo"},
                  {"containerInstances", {instances[pick(static_cast<int>(instances.size()))]}},
                  {"status", pick(3) ? "ACTIVE" : "DRAINING"}});
    }
    expectAccountingHolds();
    if (HasFailure()) FAIL() << "after step " << step;
  }
  EXPECT_GT(tasks.size(), 50u);
}

}  // namespace
}  // namespace ecsd::operations
