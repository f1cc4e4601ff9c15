#include "agent/introspection.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ecsd::agent {
namespace {

using nlohmann::json;

Introspection makeIntrospection() {
  TaskSnapshot task{"arn:aws:ecs:us-east-1:0:task/demo/t1", "web", "3", "RUNNING", "RUNNING", {}};
  task.containers.push_back(
      {"app", "abcdef123456", "ecs-web-3-app-t1", "RUNNING", {}, {{80, 32768, "tcp"}}});
  return Introspection(
      {"demo", "arn:aws:ecs:us-east-1:0:cluster/demo",
       "arn:aws:ecs:us-east-1:0:container-instance/demo/i1", "ecsd Agent - v0.1.0"},
      [task] { return std::vector<TaskSnapshot>{task}; });
}

protocol::HttpResponse get(const std::string& target) {
  return makeIntrospection().handle({"GET", target, {}, "", ""});
}

TEST(IntrospectionTest, Metadata) {
  const auto response = get("/v1/metadata");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(json::parse(response.body),
            (json{{"Cluster", "demo"},
                  {"ClusterArn", "arn:aws:ecs:us-east-1:0:cluster/demo"},
                  {"ContainerInstanceArn", "arn:aws:ecs:us-east-1:0:container-instance/demo/i1"},
                  {"Version", "ecsd Agent - v0.1.0"}}));
}

TEST(IntrospectionTest, TasksInTheEcsAgentsShape) {
  const json expected = json::parse(R"({"Arn": "arn:aws:ecs:us-east-1:0:task/demo/t1",
    "DesiredStatus": "RUNNING", "KnownStatus": "RUNNING", "Family": "web", "Version": "3",
    "Containers": [{"DockerId": "abcdef123456", "DockerName": "ecs-web-3-app-t1", "Name": "app",
                    "Ports": [{"ContainerPort": 80, "Protocol": "tcp", "HostPort": 32768}]}]})");
  EXPECT_EQ(json::parse(get("/v1/tasks").body), (json{{"Tasks", {expected}}}));
  EXPECT_EQ(json::parse(get("/v1/tasks?taskarn=arn:aws:ecs:us-east-1:0:task/demo/t1").body),
            expected);
  EXPECT_EQ(json::parse(get("/v1/tasks?dockerid=abcdef").body), expected);
  EXPECT_EQ(get("/v1/tasks?dockerid=ffff").status, 404);
  EXPECT_EQ(get("/v2/metadata").status, 404);
  EXPECT_EQ(makeIntrospection().handle({"POST", "/v1/metadata", {}, "", ""}).status, 405);
}

}  // namespace
}  // namespace ecsd::agent
