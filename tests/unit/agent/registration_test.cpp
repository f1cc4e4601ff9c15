#include "agent/registration.h"

#include <gtest/gtest.h>

#include "agent/host_resources.h"
#include "support/fake_api.h"

namespace ecsd::agent {
namespace {

using nlohmann::json;
using test_support::FakeApi;

const std::string kInstance = "arn:aws:ecs:us-east-1:000000000000:container-instance/demo/i1";

AgentConfig config() {
  AgentConfig c;
  c.cluster = "demo";
  c.cpuUnits = 2048;
  c.memoryMiB = 4096;
  c.reservedMemoryMiB = 96;
  c.reservedPorts = {22, 51678};
  c.reservedUdpPorts = {53};
  c.instanceAttributes = {{"stack", "prod"}};
  return c;
}

Result<json> registered(const json&) {
  return json{{"containerInstance", {{"containerInstanceArn", kInstance}}}};
}

TEST(RegistrationTest, RequestCarriesTheHostsResourcesAndAttributes) {
  const json request =
      registrationRequest(config(), 2048, 4000, "DockerVersion: 20.10.24", "0.1.0", kInstance);
  EXPECT_EQ(request["cluster"], "demo");
  EXPECT_EQ(request["containerInstanceArn"], kInstance);
  EXPECT_EQ(request["totalResources"], json::parse(R"([
    {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
    {"name": "MEMORY", "type": "INTEGER", "integerValue": 4000},
    {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ["22", "51678"]},
    {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": ["53"]}])"));
  EXPECT_EQ(request["versionInfo"]["dockerVersion"], "DockerVersion: 20.10.24");
  EXPECT_EQ(request["attributes"][0], (json{{"name", "stack"}, {"value", "prod"}}));
}

TEST(RegistrationTest, RegistersWithMemoryLessTheReservedAndCreatesAMissingCluster) {
  FakeApi api;
  bool clusterExists = false;
  api.on("RegisterContainerInstance", [&](const json& request) -> Result<json> {
    if (!clusterExists) return Error{"ClusterNotFoundException", "Cluster not found.", 400};
    EXPECT_EQ(request["totalResources"][1]["integerValue"], 4000);
    return registered(request);
  });
  api.on("CreateCluster", [&](const json& request) -> Result<json> {
    EXPECT_EQ(request["clusterName"], "demo");
    clusterExists = true;
    return json::object();
  });
  StopSignal stop;
  auto result = registerInstance(api, config(), "DockerVersion: 20.10.24", "0.1.0", {}, stop);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->containerInstanceArn, kInstance);
  EXPECT_EQ(result->clusterArn, "arn:aws:ecs:us-east-1:000000000000:cluster/demo");
  EXPECT_EQ(result->memoryMiB, 4000);
}

TEST(RegistrationTest, RetriesWhileEcsdIsAwayAndGivesUpOnBadCredentials) {
  FakeApi api;
  api.on("RegisterContainerInstance", registered);
  api.failNext(2);
  StopSignal stop;
  EXPECT_TRUE(registerInstance(api, config(), "d", "v", {}, stop).ok());
  EXPECT_EQ(api.calls().size(), 3u);

  api.failNext(1, "UnrecognizedClientException", 403);
  auto refused = registerInstance(api, config(), "d", "v", {}, stop);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().type, "UnrecognizedClientException");
}

TEST(RegistrationTest, ASavedArnEcsdNoLongerKnowsMakesANewInstance) {
  FakeApi api;
  api.on("RegisterContainerInstance", [](const json& request) -> Result<json> {
    if (request.contains("containerInstanceArn")) {
      return Error{"InvalidParameterException", "not registered", 400};
    }
    return registered(request);
  });
  StopSignal stop;
  auto result = registerInstance(api, config(), "d", "v", std::string("old-arn"), stop);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(api.calls().size(), 2u);
}

TEST(RegistrationTest, ClusterArnOfAnInstanceArn) {
  EXPECT_EQ(clusterArnOf(kInstance), "arn:aws:ecs:us-east-1:000000000000:cluster/demo");
  EXPECT_EQ(clusterArnOf("arn:aws:ecs:us-east-1:0:container-instance/abc"), "");
  EXPECT_EQ(clusterArnOf("nonsense"), "");
}

TEST(HostResourcesTest, MemTotalFromProcMeminfo) {
  EXPECT_EQ(memTotalMiB("MemTotal:       24576000 kB\nMemFree:  1 kB\n"), 24000);
  EXPECT_FALSE(memTotalMiB("MemFree: 1 kB\n").has_value());
  EXPECT_GT(hostMemoryMiB(), 0);
  EXPECT_GE(hostCpuUnits(), 1024);
  EXPECT_EQ(hostCpuUnits() % 1024, 0);
}

}  // namespace
}  // namespace ecsd::agent
