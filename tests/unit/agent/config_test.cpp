#include "agent/config.h"

#include <gtest/gtest.h>

namespace ecsd::agent {
namespace {

using namespace std::chrono_literals;

const Settings kKeys = {{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "secret"}};

Settings with(Settings extra) {
  Settings all = kKeys;
  for (auto& [k, v] : extra) all[k] = v;
  return all;
}

TEST(ConfigTest, DefaultsAreTheEcsAgents) {
  auto config = loadConfig(kKeys, {});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->cluster, "default");
  EXPECT_EQ(config->backendUrl, "https://127.0.0.1:8443");
  EXPECT_EQ(config->region, "us-east-1");
  EXPECT_EQ(config->reservedPorts, (std::vector<std::uint16_t>{22, 2375, 2376, 51678, 51679}));
  EXPECT_TRUE(config->reservedUdpPorts.empty());
  EXPECT_EQ(config->reservedMemoryMiB, 0);
  EXPECT_EQ(config->containerStopTimeout, 30s);
  EXPECT_EQ(config->dockerHost, "unix:///var/run/docker.sock");
  EXPECT_EQ(config->introspectionPort, 51678);
}

TEST(ConfigTest, ReadsEveryVariable) {
  auto config = loadConfig(with({{"ECS_CLUSTER", "demo"},
                                 {"ECS_BACKEND_HOST", "ecsd.internal"},
                                 {"ECS_BACKEND_PORT", "9443"},
                                 {"AWS_DEFAULT_REGION", "eu-west-1"},
                                 {"AWS_SESSION_TOKEN", "token"},
                                 {"ECSD_CA_BUNDLE", "/etc/ecsd/ca.pem"},
                                 {"ECS_RESERVED_PORTS", "[22, 80]"},
                                 {"ECS_RESERVED_PORTS_UDP", "53,161"},
                                 {"ECS_RESERVED_MEMORY", "256"},
                                 {"ECS_DATADIR", "/tmp/agent"},
                                 {"ECS_LOGLEVEL", "debug"},
                                 {"ECS_LOGFILE", "/var/log/ecs/ecs-agent.log"},
                                 {"ECS_CONTAINER_STOP_TIMEOUT", "1m30s"},
                                 {"ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION", "10s"},
                                 {"ECS_INSTANCE_ATTRIBUTES", R"({"stack": "prod"})"},
                                 {"DOCKER_HOST", "unix:///run/docker.sock"},
                                 {"ECSD_INTROSPECTION_PORT", "0"},
                                 {"ECSD_CPU_UNITS", "2048"},
                                 {"ECSD_MEMORY_MIB", "4096"}}),
                           {});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->cluster, "demo");
  EXPECT_EQ(config->backendUrl, "https://ecsd.internal:9443");
  EXPECT_EQ(config->region, "eu-west-1");
  EXPECT_EQ(config->sessionToken, "token");
  EXPECT_EQ(config->caBundle, "/etc/ecsd/ca.pem");
  EXPECT_EQ(config->reservedPorts, (std::vector<std::uint16_t>{22, 80}));
  EXPECT_EQ(config->reservedUdpPorts, (std::vector<std::uint16_t>{53, 161}));
  EXPECT_EQ(config->reservedMemoryMiB, 256);
  EXPECT_EQ(config->dataDir, "/tmp/agent");
  EXPECT_EQ(config->logLevel, "debug");
  EXPECT_EQ(config->logFile, "/var/log/ecs/ecs-agent.log");
  EXPECT_EQ(config->containerStopTimeout, 90s);
  EXPECT_EQ(config->taskCleanupWait, 10s);
  EXPECT_EQ(config->instanceAttributes, (std::map<std::string, std::string>{{"stack", "prod"}}));
  EXPECT_EQ(config->dockerHost, "unix:///run/docker.sock");
  EXPECT_EQ(config->introspectionPort, 0);
  EXPECT_EQ(config->cpuUnits, 2048);
  EXPECT_EQ(config->memoryMiB, 4096);
}

TEST(ConfigTest, TheCaBundleFallsBackToAwsCaBundle) {
  auto aws = loadConfig(with({{"AWS_CA_BUNDLE", "/data/ca.pem"}}), {});
  ASSERT_TRUE(aws.ok()) << aws.error().message;
  EXPECT_EQ(aws->caBundle, "/data/ca.pem");
  auto both = loadConfig(
      with({{"AWS_CA_BUNDLE", "/data/ca.pem"}, {"ECSD_CA_BUNDLE", "/etc/ecsd/ca.pem"}}), {});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->caBundle, "/etc/ecsd/ca.pem");
  auto emptyEcsd =
      loadConfig(with({{"AWS_CA_BUNDLE", "/data/ca.pem"}, {"ECSD_CA_BUNDLE", ""}}), {});
  ASSERT_TRUE(emptyEcsd.ok());
  EXPECT_EQ(emptyEcsd->caBundle, "/data/ca.pem");
  auto neither = loadConfig(kKeys, {});
  ASSERT_TRUE(neither.ok());
  EXPECT_EQ(neither->caBundle, "");  // the system's CAs
}

TEST(ConfigTest, InstanceAttributesAreAJsonObjectOfStrings) {
  auto config = loadConfig(
      with({{"ECS_INSTANCE_ATTRIBUTES",
             R"({"ecs.instance-type": "m5.large", "ecs.availability-zone": "us-east-1a"})"}}),
      {});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->instanceAttributes,
            (std::map<std::string, std::string>{{"ecs.availability-zone", "us-east-1a"},
                                                {"ecs.instance-type", "m5.large"}}));
  EXPECT_FALSE(loadConfig(with({{"ECS_INSTANCE_ATTRIBUTES", R"({"n": 1})"}}), {}).ok());
  EXPECT_FALSE(loadConfig(with({{"ECS_INSTANCE_ATTRIBUTES", "stack=prod"}}), {}).ok());
}

TEST(ConfigTest, EnvironmentOverridesTheFile) {
  auto file = parseConfigFile(
      "# /etc/ecs/ecs.config\n\nECS_CLUSTER=from-file\nexport ECS_LOGLEVEL=\"warn\"\n"
      "ECS_BACKEND_HOST=https://10.0.0.5:8443/\n");
  ASSERT_TRUE(file.ok());
  auto config = loadConfig(with({{"ECS_CLUSTER", "from-env"}}), *file);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->cluster, "from-env");
  EXPECT_EQ(config->logLevel, "warn");
  EXPECT_EQ(config->backendUrl, "https://10.0.0.5:8443");
}

TEST(ConfigTest, BadValuesNameTheVariable) {
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"ECS_RESERVED_PORTS", "[22, 70000]"},
                                                        {"ECS_RESERVED_MEMORY", "-1"},
                                                        {"ECS_CONTAINER_STOP_TIMEOUT", "soon"},
                                                        {"ECS_INSTANCE_ATTRIBUTES", "[1]"},
                                                        {"ECSD_INTROSPECTION_PORT", "http"},
                                                        {"ECSD_CPU_UNITS", "0"}}) {
    auto config = loadConfig(with({{name, value}}), {});
    ASSERT_FALSE(config.ok()) << name;
    EXPECT_EQ(config.error().type, "InvalidParameterException");
    EXPECT_NE(config.error().message.find(name), std::string::npos) << config.error().message;
  }
  EXPECT_FALSE(parseConfigFile("ECS_CLUSTER\n").ok());
  auto noKeys = loadConfig({}, {});
  ASSERT_FALSE(noKeys.ok());
  EXPECT_NE(noKeys.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos);
}

TEST(ConfigTest, DurationsAsGoWritesThem) {
  EXPECT_EQ(parseDuration("30"), std::chrono::milliseconds(30'000));
  EXPECT_EQ(parseDuration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(parseDuration("3h"), std::chrono::milliseconds(10'800'000));
  EXPECT_EQ(parseDuration("1m30s"), std::chrono::milliseconds(90'000));
  EXPECT_FALSE(parseDuration("").has_value());
  EXPECT_FALSE(parseDuration("5d").has_value());
  EXPECT_FALSE(parseDuration("m").has_value());
}

}  // namespace
}  // namespace ecsd::agent
