#include "agent/registration.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <set>
#include <sstream>

#include "agent/config.h"
#include "agent/host_resources.h"
#include "agent/net/backend.h"
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

std::map<std::string, json> attributesOf(const json& request) {
  std::map<std::string, json> out;
  for (const auto& attribute : request["attributes"]) {
    out[attribute["name"]] = attribute.value("value", json());
  }
  return out;
}

// Everything logged while it lives, as the agent's lines would read.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>(
        "captured", std::make_shared<spdlog::sinks::ostream_sink_mt>(text_));
    logger->set_pattern("lvl=%l %v");
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::logger> previous_;
};

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

TEST(RegistrationTest, AdvertisesOnlyWhatTheAgentImplements) {
  const json request = registrationRequest(config(), 2048, 4000, "d", "0.1.0", std::nullopt);
  // Health checks and dependsOn are ignored by the agent: tasks needing
  // them must not be placed here.
  EXPECT_EQ(
      attributesOf(request),
      (std::map<std::string, json>{
          {"stack", "prod"}, {"com.amazonaws.ecs.capability.docker-remote-api.1.41", json()}}));
}

TEST(RegistrationTest, InstanceAttributesFromTheEnvironmentAreRegistered) {
  auto loaded = loadConfig({{"AWS_ACCESS_KEY_ID", "AKID"},
                            {"AWS_SECRET_ACCESS_KEY", "secret"},
                            {"ECS_INSTANCE_ATTRIBUTES",
                             R"({"ecs.instance-type": "m5.large",
                                 "ecs.availability-zone": "us-east-1a", "stack": "prod"})"}},
                           {});
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const auto attributes =
      attributesOf(registrationRequest(*loaded, 1024, 1000, "d", "0.1.0", std::nullopt));
  EXPECT_EQ(attributes.at("ecs.instance-type"), "m5.large");
  EXPECT_EQ(attributes.at("ecs.availability-zone"), "us-east-1a");
  EXPECT_EQ(attributes.at("stack"), "prod");
}

TEST(RegistrationTest, RegistersWithMemoryLessTheReservedAndCreatesTheDefaultCluster) {
  FakeApi api;
  bool clusterExists = false;
  api.on("RegisterContainerInstance", [&](const json& request) -> Result<json> {
    if (!clusterExists) return Error{"ClusterNotFoundException", "Cluster not found.", 400};
    EXPECT_EQ(request["totalResources"][1]["integerValue"], 4000);
    return registered(request);
  });
  api.on("CreateCluster", [&](const json& request) -> Result<json> {
    EXPECT_EQ(request["clusterName"], "default");
    clusterExists = true;
    return json::object();
  });
  AgentConfig defaultCluster = config();
  defaultCluster.cluster = "default";
  StopSignal stop;
  auto result = registerInstance(api, defaultCluster, "DockerVersion: 20.10.24", "0.1.0", {}, stop);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->containerInstanceArn, kInstance);
  EXPECT_EQ(result->memoryMiB, 4000);
  EXPECT_EQ(api.callsOf("CreateCluster").size(), 1u);
}

TEST(RegistrationTest, AnyOtherMissingClusterIsAnErrorSayingHowToCreateIt) {
  FakeApi api;
  api.on("RegisterContainerInstance", [](const json&) -> Result<json> {
    return Error{"ClusterNotFoundException", "Cluster not found.", 400};
  });
  AgentConfig typo = config();
  typo.cluster = "dmeo";
  StopSignal stop;
  auto result = registerInstance(api, typo, "d", "v", {}, stop);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().type, "ClusterNotFoundException");
  EXPECT_NE(result.error().message.find("Cluster dmeo does not exist"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("aws ecs create-cluster --cluster-name dmeo"),
            std::string::npos)
      << result.error().message;
  EXPECT_TRUE(api.callsOf("CreateCluster").empty());
  EXPECT_EQ(api.callsOf("RegisterContainerInstance").size(), 1u);  // not retried
}

TEST(RegistrationTest, AnUntrustedCertificateIsLoggedAsAnErrorNamingTheCaBundle) {
  FakeApi api;
  api.on("RegisterContainerInstance", registered);
  api.failNext(1, transport_errors::kCertificateRejected, 0);
  CapturedLog log;
  StopSignal stop;
  ASSERT_TRUE(registerInstance(api, config(), "d", "v", {}, stop).ok());  // retried
  const std::string text = log.text();
  EXPECT_NE(text.find("lvl=error msg=\"Cannot register: ecsd's certificate is not trusted"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("set ECSD_CA_BUNDLE (or AWS_CA_BUNDLE) to ecsd's CA, e.g. DATA_DIR/ca.pem"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ca_bundle=\"(system CAs)\""), std::string::npos) << text;
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
