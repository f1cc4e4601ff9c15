#include "agent/task_spec.h"

#include <gtest/gtest.h>

#include "support/agent_fixtures.h"

namespace ecsd::agent {
namespace {

using nlohmann::json;
using test_support::containerEntry;
using test_support::taskEntry;

TEST(TaskSpecTest, ParsesAPayloadEntry) {
  json entry = json::parse(R"({
    "arn": "arn:aws:ecs:us-east-1:000000000000:task/default/8b7d",
    "family": "web", "version": "3", "desiredStatus": "RUNNING", "networkMode": "bridge",
    "taskDefinitionAccountId": "000000000000", "cpu": 0.25, "memory": 512,
    "containers": [{
      "name": "app", "containerArn": "arn:aws:ecs:us-east-1:000000000000:container/default/8b7d/1c2e",
      "image": "nginx:1.27", "cpu": 128, "memory": 256, "memoryReservation": 128,
      "essential": true, "command": ["nginx", "-g", "daemon off;"], "entryPoint": [],
      "links": ["db:database"], "portMappings": [{"containerPort": 80, "hostPort": 0, "protocol": "tcp"},
                                                 {"containerPort": 53, "hostPort": 5353, "protocol": "udp"}],
      "environment": {"STAGE": "prod"}, "mountPoints": [], "volumesFrom": [], "stopTimeout": 5,
      "dockerLabels": {"team": "web"}, "futureMember": {"ignored": true}
    }, {"name": "db", "image": "postgres"}],
    "volumes": []
  })");
  auto task = parseTaskSpec(entry);
  ASSERT_TRUE(task.ok()) << task.error().message;
  EXPECT_EQ(task->id(), "8b7d");
  EXPECT_EQ(task->family, "web");
  EXPECT_EQ(task->version, "3");
  ASSERT_EQ(task->containers.size(), 2u);
  const auto& app = task->containers[0];
  EXPECT_EQ(app.cpu, 128);
  EXPECT_EQ(app.memory, 256);
  EXPECT_EQ(app.memoryReservation, 128);
  EXPECT_EQ(app.command, (std::vector<std::string>{"nginx", "-g", "daemon off;"}));
  EXPECT_EQ(app.links, std::vector<std::string>{"db:database"});
  ASSERT_EQ(app.portMappings.size(), 2u);
  EXPECT_EQ(app.portMappings[1].protocol, "udp");
  EXPECT_EQ(app.portMappings[1].hostPort, 5353);
  EXPECT_EQ(app.environment, (std::vector<std::pair<std::string, std::string>>{{"STAGE", "prod"}}));
  EXPECT_EQ(app.stopTimeoutSeconds, 5);
  EXPECT_EQ(app.dockerLabels.at("team"), "web");
  EXPECT_TRUE(task->containers[1].essential);  // the default
  EXPECT_FALSE(task->containers[1].memory.has_value());
}

TEST(TaskSpecTest, RefusesMalformedEntries) {
  EXPECT_FALSE(parseTaskSpec(json::array()).ok());
  EXPECT_FALSE(parseTaskSpec(taskEntry("t", {})).ok());  // no containers
  json badStatus = taskEntry("t", {containerEntry("a", "busybox")}, "PENDING");
  EXPECT_FALSE(parseTaskSpec(badStatus).ok());
  json twice = taskEntry("t", {containerEntry("a", "busybox"), containerEntry("a", "busybox")});
  EXPECT_FALSE(parseTaskSpec(twice).ok());
  json badPort = containerEntry("a", "busybox");
  badPort["portMappings"] = {{{"containerPort", 70000}}};
  EXPECT_FALSE(parseTaskSpec(taskEntry("t", {badPort})).ok());
  json noImage = containerEntry("a", "");
  EXPECT_FALSE(parseTaskSpec(taskEntry("t", {noImage})).ok());
}

TEST(TaskSpecTest, StartOrderPutsLinkTargetsFirst) {
  json web = containerEntry("web", "busybox");
  web["links"] = {"api", "cache:redis"};
  json api = containerEntry("api", "busybox");
  api["links"] = {"db"};
  auto task = test_support::spec(taskEntry(
      "t", {web, api, containerEntry("db", "busybox"), containerEntry("cache", "busybox")}));
  auto order = startOrder(task);
  ASSERT_TRUE(order.ok());
  std::vector<std::string> names;
  for (const auto* c : *order) names.push_back(c->name);
  EXPECT_EQ(names, (std::vector<std::string>{"db", "api", "cache", "web"}));
}

TEST(TaskSpecTest, StartOrderRefusesCyclesAndUnknownTargets) {
  json a = containerEntry("a", "busybox");
  a["links"] = {"b"};
  json b = containerEntry("b", "busybox");
  b["links"] = {"a"};
  auto cycle = startOrder(test_support::spec(taskEntry("t", {a, b})));
  ASSERT_FALSE(cycle.ok());
  EXPECT_NE(cycle.error().message.find("cycle"), std::string::npos);
  json c = containerEntry("c", "busybox");
  c["links"] = {"nowhere:x"};
  EXPECT_FALSE(startOrder(test_support::spec(taskEntry("t", {c}))).ok());
}

}  // namespace
}  // namespace ecsd::agent
