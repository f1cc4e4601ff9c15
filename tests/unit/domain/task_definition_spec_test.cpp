#include "ecsd/domain/task_definition_spec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace ecsd {
namespace {

using nlohmann::json;

// The container definitions of docs/examples/wordpress.json, verbatim.
constexpr const char* kWordpressContainers = R"([
  {
    "environment": [
      {"name": "WORDPRESS_DB_USER", "value": "wpuser"},
      {"name": "WORDPRESS_DB_PASSWORD", "value": "wppass"},
      {"name": "WORDPRESS_DB_NAME", "value": "wpdb"}
    ],
    "name": "wp",
    "image": "wordpress:latest",
    "cpu": 100,
    "portMappings": [{"containerPort": 80, "hostPort": 80}],
    "links": ["mysql:mysql"],
    "memory": 1024,
    "essential": false
  },
  {
    "environment": [
      {"name": "MYSQL_ROOT_PASSWORD", "value": "rootwppass"},
      {"name": "MYSQL_USER", "value": "wpuser"},
      {"name": "MYSQL_PASSWORD", "value": "wppass"},
      {"name": "MYSQL_DATABASE", "value": "wpdb"}
    ],
    "name": "mysql",
    "image": "mysql",
    "cpu": 200,
    "memory": 2048,
    "essential": true
  }
])";

json container(const std::string& name, json extra = json::object()) {
  json c = {{"name", name}, {"image", "nginx:1.27"}, {"memory", 128}};
  c.update(extra);
  return c;
}

// A list, not a json: `{container("app")}` as a json would be the container
// itself to clang and a list of it to gcc.
json request(std::vector<json> containers, json extra = json::object()) {
  json r = {{"family", "web"}, {"containerDefinitions", std::move(containers)}};
  r.update(extra);
  return r;
}

json normalized(const json& in) {
  auto out = normalizeTaskDefinition(in);
  EXPECT_TRUE(out.ok()) << out.error().type << ": " << out.error().message;
  return out.ok() ? *out : json();
}

// The error type normalizing `in` fails with ("" when it succeeds).
std::string errorType(const json& in) {
  auto out = normalizeTaskDefinition(in);
  return out.ok() ? "" : out.error().type;
}

TEST(NormalizeTaskDefinitionTest, WordpressExampleGetsEcsDefaults) {
  const json body = normalized(
      {{"family", "hello_world"}, {"containerDefinitions", json::parse(kWordpressContainers)}});
  const json expected = json::parse(R"({
    "family": "hello_world",
    "containerDefinitions": [
      {
        "name": "wp",
        "image": "wordpress:latest",
        "cpu": 100,
        "memory": 1024,
        "essential": false,
        "links": ["mysql:mysql"],
        "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
        "environment": [
          {"name": "WORDPRESS_DB_USER", "value": "wpuser"},
          {"name": "WORDPRESS_DB_PASSWORD", "value": "wppass"},
          {"name": "WORDPRESS_DB_NAME", "value": "wpdb"}
        ],
        "mountPoints": [],
        "volumesFrom": []
      },
      {
        "name": "mysql",
        "image": "mysql",
        "cpu": 200,
        "memory": 2048,
        "essential": true,
        "portMappings": [],
        "environment": [
          {"name": "MYSQL_ROOT_PASSWORD", "value": "rootwppass"},
          {"name": "MYSQL_USER", "value": "wpuser"},
          {"name": "MYSQL_PASSWORD", "value": "wppass"},
          {"name": "MYSQL_DATABASE", "value": "wpdb"}
        ],
        "mountPoints": [],
        "volumesFrom": []
      }
    ],
    "volumes": [],
    "placementConstraints": []
  })");
  EXPECT_EQ(body, expected) << body.dump(2);
}

TEST(NormalizeTaskDefinitionTest, FillsContainerDefaults) {
  const json body = normalized(request({{{"name", "app"}, {"image", "nginx"}, {"memory", 64}}}));
  ASSERT_EQ(body["containerDefinitions"].size(), 1u);
  const json& c = body["containerDefinitions"][0];
  EXPECT_EQ(c["essential"], true);
  EXPECT_EQ(c["cpu"], 0);
  EXPECT_EQ(c["portMappings"], json::array());
  EXPECT_EQ(c["environment"], json::array());
  EXPECT_EQ(c["mountPoints"], json::array());
  EXPECT_EQ(c["volumesFrom"], json::array());
  EXPECT_EQ(body["volumes"], json::array());
  EXPECT_EQ(body["placementConstraints"], json::array());
}

TEST(NormalizeTaskDefinitionTest, NullMembersCountAsAbsent) {
  const json body = normalized(
      request({container("app", {{"essential", nullptr}, {"cpu", nullptr}, {"links", nullptr}})},
              {{"volumes", nullptr}, {"taskRoleArn", nullptr}}));
  const json& c = body["containerDefinitions"][0];
  EXPECT_EQ(c["essential"], true);
  EXPECT_EQ(c["cpu"], 0);
  EXPECT_FALSE(c.contains("links"));
  EXPECT_EQ(body["volumes"], json::array());
  EXPECT_FALSE(body.contains("taskRoleArn"));
}

TEST(NormalizeTaskDefinitionTest, PortMappingDefaultsByNetworkMode) {
  const json mapping = {{"containerPort", 8080}};
  const json bridge = normalized(request({container("app", {{"portMappings", {mapping}}})}));
  EXPECT_EQ(bridge["containerDefinitions"][0]["portMappings"],
            json::parse(R"([{"containerPort": 8080, "hostPort": 0, "protocol": "tcp"}])"));
  for (const char* mode : {"host", "awsvpc"}) {
    const json body = normalized(
        request({container("app", {{"portMappings", {mapping}}})}, {{"networkMode", mode}}));
    EXPECT_EQ(body["containerDefinitions"][0]["portMappings"],
              json::parse(R"([{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}])"))
        << mode;
    EXPECT_EQ(body["networkMode"], mode);
  }
}

TEST(NormalizeTaskDefinitionTest, KeepsExplicitPortMappingMembers) {
  const json mapping = {{"containerPort", 53},
                        {"hostPort", 5353},
                        {"protocol", "udp"},
                        {"name", "dns"},
                        {"appProtocol", "grpc"}};
  const json body = normalized(request({container("app", {{"portMappings", {mapping}}})}));
  EXPECT_EQ(body["containerDefinitions"][0]["portMappings"][0], mapping);
}

TEST(NormalizeTaskDefinitionTest, PortRangeNeedsNoContainerPort) {
  const json mapping = {{"containerPortRange", "8000-8010"}};
  const json body = normalized(
      request({container("app", {{"portMappings", {mapping}}})}, {{"networkMode", "awsvpc"}}));
  EXPECT_EQ(body["containerDefinitions"][0]["portMappings"][0],
            json({{"containerPortRange", "8000-8010"}, {"protocol", "tcp"}}));
}

TEST(NormalizeTaskDefinitionTest, KeepsEveryOtherApiMemberVerbatim) {
  const json task = json::parse(R"({
    "family": "full",
    "taskRoleArn": "arn:aws:iam::123456789012:role/task",
    "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
    "networkMode": "awsvpc",
    "volumes": [{"name": "data", "host": {"sourcePath": "/srv/data"}}],
    "placementConstraints": [{"type": "memberOf", "expression": "attribute:x == y"}],
    "requiresCompatibilities": ["EC2", "EXTERNAL"],
    "cpu": "256",
    "memory": "512",
    "pidMode": "task",
    "ipcMode": "none",
    "proxyConfiguration": {"type": "APPMESH", "containerName": "app", "properties": []},
    "inferenceAccelerators": [],
    "ephemeralStorage": {"sizeInGiB": 30},
    "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
    "enableFaultInjection": true
  })");
  const json app = json::parse(R"({
    "name": "app",
    "image": "example/app:1",
    "repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:x"},
    "cpu": 128,
    "memory": 256,
    "memoryReservation": 128,
    "essential": true,
    "restartPolicy": {"enabled": true, "restartAttemptPeriod": 60},
    "entryPoint": ["/bin/sh", "-c"],
    "command": ["run", "--fast"],
    "environment": [{"name": "A", "value": "1"}],
    "environmentFiles": [{"type": "s3", "value": "arn:aws:s3:::b/env"}],
    "mountPoints": [{"sourceVolume": "data", "containerPath": "/data", "readOnly": false}],
    "volumesFrom": [],
    "linuxParameters": {"initProcessEnabled": true},
    "secrets": [{"name": "S", "valueFrom": "arn:aws:ssm:x"}],
    "dependsOn": [{"containerName": "sidecar", "condition": "START"}],
    "startTimeout": 30,
    "stopTimeout": 20,
    "versionConsistency": "disabled",
    "hostname": "app",
    "user": "1000:1000",
    "workingDirectory": "/srv",
    "disableNetworking": false,
    "privileged": false,
    "readonlyRootFilesystem": true,
    "dnsServers": ["10.0.0.2"],
    "dnsSearchDomains": ["example.com"],
    "extraHosts": [{"hostname": "db", "ipAddress": "10.0.0.5"}],
    "dockerSecurityOptions": ["no-new-privileges"],
    "interactive": false,
    "pseudoTerminal": false,
    "dockerLabels": {"team": "web"},
    "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}],
    "logConfiguration": {"logDriver": "json-file", "options": {"max-size": "10m"}},
    "healthCheck": {"command": ["CMD", "true"], "interval": 30},
    "systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}],
    "resourceRequirements": [],
    "firelensConfiguration": {"type": "fluentbit"},
    "credentialSpecs": [],
    "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp", "name": "http"}]
  })");
  const json sidecar = container("sidecar", {{"essential", false}, {"cpu", 0}});
  json in = task;
  in["containerDefinitions"] = {app, sidecar};
  const json body = normalized(in);
  for (const auto& [key, value] : task.items()) EXPECT_EQ(body[key], value) << key;
  EXPECT_EQ(body["containerDefinitions"][0], app) << body["containerDefinitions"][0].dump(2);
  // + containerDefinitions, and what the health check and dependsOn require of an instance.
  EXPECT_EQ(body.size(), task.size() + 2);
  EXPECT_EQ(body["requiresAttributes"],
            json::parse(R"([{"name": "com.amazonaws.ecs.capability.container-health-check"},
                            {"name": "ecs.capability.container-ordering"}])"));
}

TEST(NormalizeTaskDefinitionTest, RequiresTheCapabilitiesItsContainersUse) {
  const auto required = [](std::vector<json> containers) {
    return normalized(request(std::move(containers))).value("requiresAttributes", json());
  };
  EXPECT_TRUE(required({container("app")}).is_null());  // nothing needed, nothing listed
  EXPECT_EQ(required({container("app", {{"healthCheck", {{"command", {"CMD", "true"}}}}}),
                      container("db", {{"essential", false}})}),
            json::parse(R"([{"name": "com.amazonaws.ecs.capability.container-health-check"}])"));
  EXPECT_EQ(required({container("app", {{"dependsOn", {{{"containerName", "db"},
                                                         {"condition", "START"}}}}}),
                      container("db", {{"essential", false}})}),
            json::parse(R"([{"name": "ecs.capability.container-ordering"}])"));
}

TEST(NormalizeTaskDefinitionTest, DropsUnknownMembersAtEveryLevel) {
  json in = request(
      {container("app",
                 {{"madeUp", 1}, {"portMappings", {{{"containerPort", 80}, {"bogus", true}}}}})},
      {{"unknownTaskMember", "x"}, {"revision", 7}, {"status", "INACTIVE"}});
  const json body = normalized(in);
  EXPECT_FALSE(body.contains("unknownTaskMember"));
  EXPECT_FALSE(body.contains("revision"));
  EXPECT_FALSE(body.contains("status"));
  EXPECT_FALSE(body["containerDefinitions"][0].contains("madeUp"));
  EXPECT_FALSE(body["containerDefinitions"][0]["portMappings"][0].contains("bogus"));
}

// --- Family and container list ---

TEST(NormalizeTaskDefinitionTest, FamilyMustBeAValidName) {
  json missing = request({container("app")});
  missing.erase("family");
  EXPECT_EQ(errorType(missing), "ClientException");
  EXPECT_EQ(errorType(request({container("app")}, {{"family", ""}})), "ClientException");
  EXPECT_EQ(errorType(request({container("app")}, {{"family", "bad family"}})), "ClientException");
  EXPECT_EQ(errorType(request({container("app")}, {{"family", std::string(256, 'f')}})),
            "ClientException");
  EXPECT_EQ(errorType(request({container("app")}, {{"family", std::string(255, 'f')}})), "");
}

TEST(NormalizeTaskDefinitionTest, ContainerListMustNotBeEmpty) {
  EXPECT_EQ(errorType(request(json::array())), "ClientException");
  EXPECT_EQ(errorType(json{{"family", "web"}}), "ClientException");
}

TEST(NormalizeTaskDefinitionTest, AtMostTenContainers) {
  json ten = json::array();
  for (int i = 0; i < 10; ++i) ten.push_back(container(std::string(1, static_cast<char>('a' + i))));
  EXPECT_EQ(errorType(request(ten)), "");
  ten.push_back(container("c10"));
  EXPECT_EQ(errorType(request(ten)), "ClientException");
}

TEST(NormalizeTaskDefinitionTest, ContainerNeedsNameAndImage) {
  json noName = container("app");
  noName.erase("name");
  json noImage = container("app");
  noImage.erase("image");
  EXPECT_EQ(errorType(request({noName})), "ClientException");
  EXPECT_EQ(errorType(request({noImage})), "ClientException");
  EXPECT_EQ(errorType(request({container("")})), "ClientException");
  EXPECT_EQ(errorType(request({container("app", {{"image", ""}})})), "ClientException");
  EXPECT_EQ(errorType(request({container("bad name")})), "ClientException");
}

TEST(NormalizeTaskDefinitionTest, ContainerNamesMustBeUnique) {
  auto out = normalizeTaskDefinition(request({container("app"), container("app")}));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().type, "ClientException");
  EXPECT_NE(out.error().message.find("app"), std::string::npos);
}

TEST(NormalizeTaskDefinitionTest, NeedsAnEssentialContainer) {
  EXPECT_EQ(errorType(request(
                {container("a", {{"essential", false}}), container("b", {{"essential", false}})})),
            "ClientException");
  EXPECT_EQ(errorType(request({container("a", {{"essential", false}}), container("b")})), "");
}

// --- Memory and cpu ---

TEST(NormalizeTaskDefinitionTest, ContainerMemoryNeededWithoutTaskMemory) {
  json noMemory = container("app");
  noMemory.erase("memory");
  EXPECT_EQ(errorType(request({noMemory})), "ClientException");
  EXPECT_EQ(errorType(request({noMemory}, {{"memory", "512"}})), "");
  json reservationOnly = noMemory;
  reservationOnly["memoryReservation"] = 64;
  EXPECT_EQ(errorType(request({reservationOnly})), "");
}

TEST(NormalizeTaskDefinitionTest, ContainerMemoryAtLeastSixMiB) {
  EXPECT_EQ(errorType(request({container("app", {{"memory", 5}})})), "ClientException");
  EXPECT_EQ(errorType(request({container("app", {{"memory", 0}})})), "ClientException");
  EXPECT_EQ(errorType(request({container("app", {{"memory", kMinContainerMemoryMiB}})})), "");
  json reservation = container("app");
  reservation.erase("memory");
  reservation["memoryReservation"] = 5;
  EXPECT_EQ(errorType(request({reservation})), "ClientException");
}

TEST(NormalizeTaskDefinitionTest, ReservationMayNotExceedMemory) {
  EXPECT_EQ(errorType(request({container("app", {{"memory", 128}, {"memoryReservation", 129}})})),
            "ClientException");
  EXPECT_EQ(errorType(request({container("app", {{"memory", 128}, {"memoryReservation", 128}})})),
            "");
}

TEST(NormalizeTaskDefinitionTest, ContainerCpuMayNotBeNegative) {
  EXPECT_EQ(errorType(request({container("app", {{"cpu", -1}})})), "ClientException");
}

TEST(NormalizeTaskDefinitionTest, TaskCpuAndMemoryAreNormalizedToUnits) {
  const struct {
    const char* cpu;
    const char* memory;
    const char* cpuUnits;
    const char* memoryMiB;
  } cases[] = {
      {"1 vCPU", "2GB", "1024", "2048"},  {"0.25 vCPU", "0.5 GB", "256", "512"},
      {"256", "512", "256", "512"},       {"2 vcpu", "1 gb", "2048", "1024"},
      {"4VCPU", "30GB", "4096", "30720"},
  };
  for (const auto& c : cases) {
    const json body = normalized(request({container("app", {{"cpu", 0}, {"memory", 128}})},
                                         {{"cpu", c.cpu}, {"memory", c.memory}}));
    EXPECT_EQ(body["cpu"], c.cpuUnits) << c.cpu;
    EXPECT_EQ(body["memory"], c.memoryMiB) << c.memory;
  }
}

TEST(NormalizeTaskDefinitionTest, BareTaskCpuAndMemoryMustBeWhole) {
  EXPECT_EQ(errorType(request(json::array({container("a")}), {{"cpu", "1.5"}})), "ClientException");
  EXPECT_EQ(errorType(request(json::array({container("a")}), {{"memory", "512.5"}})),
            "ClientException");
  EXPECT_EQ(normalized(request(json::array({container("a")}), {{"cpu", "1.5 vcpu"}}))["cpu"],
            "1536");
}

TEST(NormalizeTaskDefinitionTest, FargateNeedsAwsvpcAndTaskCpuAndMemory) {
  const json containers = json::array({container("a")});
  const json fargate = {{"requiresCompatibilities", {"FARGATE"}}};
  json bridge = fargate;
  bridge.update({{"cpu", "256"}, {"memory", "512"}});
  EXPECT_EQ(errorType(request(containers, bridge)), "ClientException");
  json noCpu = fargate;
  noCpu.update({{"networkMode", "awsvpc"}, {"memory", "512"}});
  EXPECT_EQ(errorType(request(containers, noCpu)), "ClientException");
  json noMemory = fargate;
  noMemory.update({{"networkMode", "awsvpc"}, {"cpu", "256"}});
  EXPECT_EQ(errorType(request(containers, noMemory)), "ClientException");
  json complete = fargate;
  complete.update({{"networkMode", "awsvpc"}, {"cpu", "256"}, {"memory", "512"}});
  EXPECT_EQ(errorType(request(containers, complete)), "");
}

TEST(NormalizeTaskDefinitionTest, MalformedTaskCpuOrMemoryIsClientException) {
  for (const char* value : {"", "lots", "1 TB", "0", "-1", "1.2.3", "vCPU", "1 vCPU extra"}) {
    EXPECT_EQ(errorType(request({container("app")}, {{"cpu", value}})), "ClientException")
        << "cpu " << value;
    EXPECT_EQ(errorType(request({container("app")}, {{"memory", value}})), "ClientException")
        << "memory " << value;
  }
  // cpu uses vCPU, memory GB: the other unit is an error.
  EXPECT_EQ(errorType(request({container("app")}, {{"cpu", "1 GB"}})), "ClientException");
  EXPECT_EQ(errorType(request({container("app")}, {{"memory", "1 vCPU"}})), "ClientException");
}

TEST(ParseTaskResourcesTest, CpuAndMemoryUnits) {
  EXPECT_EQ(parseTaskCpu("1024"), 1024);
  EXPECT_EQ(parseTaskCpu("1 vCPU"), 1024);
  EXPECT_EQ(parseTaskCpu("0.5 vcpu"), 512);
  EXPECT_EQ(parseTaskCpu("1 GB"), std::nullopt);
  EXPECT_EQ(parseTaskCpu("abc"), std::nullopt);
  EXPECT_EQ(parseTaskMemory("512"), 512);
  EXPECT_EQ(parseTaskMemory("2GB"), 2048);
  EXPECT_EQ(parseTaskMemory("2 gb"), 2048);
  EXPECT_EQ(parseTaskMemory("2 MB"), std::nullopt);
  EXPECT_EQ(parseTaskMemory(""), std::nullopt);
}

TEST(NormalizeTaskDefinitionTest, ContainerSumsMayNotExceedTaskResources) {
  const json two = {container("a", {{"cpu", 200}, {"memory", 300}}),
                    container("b", {{"cpu", 100}, {"memory", 200}})};
  EXPECT_EQ(errorType(request(two, {{"cpu", "300"}, {"memory", "500"}})), "");
  EXPECT_EQ(errorType(request(two, {{"cpu", "256"}})), "ClientException");
  EXPECT_EQ(errorType(request(two, {{"memory", "0.25 GB"}})), "ClientException");
  EXPECT_EQ(errorType(request(two, {{"memory", "499"}})), "ClientException");
  // A container without memory counts its reservation.
  json reserved = container("c");
  reserved.erase("memory");
  reserved["memoryReservation"] = 600;
  EXPECT_EQ(errorType(request({reserved}, {{"memory", "512"}})), "ClientException");
}

// --- Links ---

TEST(NormalizeTaskDefinitionTest, LinksMustNameAnotherContainer) {
  EXPECT_EQ(errorType(request({container("app", {{"links", {"db:database"}}}), container("db")})),
            "");
  EXPECT_EQ(errorType(request({container("app", {{"links", {"db"}}}), container("db")})), "");
  EXPECT_EQ(errorType(request({container("app", {{"links", {"cache"}}}), container("db")})),
            "ClientException");
  EXPECT_EQ(errorType(request({container("app", {{"links", {"app"}}}), container("db")})),
            "ClientException");
  EXPECT_EQ(errorType(request({container("app", {{"links", {"app:self"}}})})), "ClientException");
}

TEST(NormalizeTaskDefinitionTest, LinksOnlyInBridgeMode) {
  const json linked = {container("app", {{"links", {"db"}}}), container("db")};
  EXPECT_EQ(errorType(request(linked, {{"networkMode", "bridge"}})), "");
  for (const char* mode : {"awsvpc", "host", "none"}) {
    EXPECT_EQ(errorType(request(linked, {{"networkMode", mode}})), "ClientException") << mode;
  }
  // An empty list links nothing.
  EXPECT_EQ(errorType(request({container("app", {{"links", json::array()}})},
                              {{"networkMode", "awsvpc"}})),
            "");
}

// --- Ports ---

json withPorts(const std::string& name, std::vector<json> mappings) {
  return container(name, {{"portMappings", std::move(mappings)}});
}

TEST(NormalizeTaskDefinitionTest, HostPortsMayBeMappedOnce) {
  const json p8080 = {{"containerPort", 80}, {"hostPort", 8080}};
  const json p8080b = {{"containerPort", 81}, {"hostPort", 8080}};
  EXPECT_EQ(errorType(request({withPorts("app", {p8080, p8080b})})), "ClientException");
  EXPECT_EQ(errorType(request({withPorts("a", {p8080}), withPorts("b", {p8080b})})),
            "ClientException");
  // The same port over tcp and udp is two different host ports.
  json udp = p8080b;
  udp["protocol"] = "udp";
  EXPECT_EQ(errorType(request({withPorts("a", {p8080}), withPorts("b", {udp})})), "");
  // Dynamic host ports (0 or omitted in bridge mode) never collide.
  const json dynamic = {{"containerPort", 80}, {"hostPort", 0}};
  const json omitted = {{"containerPort", 80}};
  EXPECT_EQ(errorType(request({withPorts("a", {dynamic, omitted}), withPorts("b", {omitted})})),
            "");
}

TEST(NormalizeTaskDefinitionTest, HostPortsCollideInHostMode) {
  // In host mode an omitted hostPort is the containerPort, so two containers
  // on the same port collide.
  const json p80 = {{"containerPort", 80}};
  EXPECT_EQ(
      errorType(request({withPorts("a", {p80}), withPorts("b", {p80})}, {{"networkMode", "host"}})),
      "ClientException");
}

TEST(NormalizeTaskDefinitionTest, SharedNetworkNeedsHostPortEqualContainerPort) {
  const json differs = {{"containerPort", 80}, {"hostPort", 8080}};
  const json same = {{"containerPort", 80}, {"hostPort", 80}};
  for (const char* mode : {"host", "awsvpc"}) {
    EXPECT_EQ(errorType(request({withPorts("app", {differs})}, {{"networkMode", mode}})),
              "ClientException")
        << mode;
    EXPECT_EQ(errorType(request({withPorts("app", {same})}, {{"networkMode", mode}})), "") << mode;
  }
  EXPECT_EQ(errorType(request({withPorts("app", {differs})})), "");  // bridge
}

TEST(NormalizeTaskDefinitionTest, PortMappingRules) {
  const json bad[] = {
      json::object(),                                 // no containerPort
      {{"containerPort", 0}},                         // out of range
      {{"containerPort", 65536}},                     //
      {{"containerPort", 80}, {"hostPort", 65536}},   //
      {{"containerPort", 80}, {"hostPort", -1}},      //
      {{"containerPort", 80}, {"protocol", "sctp"}},  //
      {{"containerPort", 80}, {"protocol", "TCP"}},   //
  };
  for (const auto& mapping : bad) {
    EXPECT_EQ(errorType(request({withPorts("app", {mapping})})), "ClientException")
        << mapping.dump();
  }
  EXPECT_EQ(errorType(request({withPorts("app", {{{"containerPort", 65535}}})})), "");
}

TEST(NormalizeTaskDefinitionTest, NetworkModeAndCompatibilitiesMustBeKnown) {
  EXPECT_EQ(errorType(request({container("app")}, {{"networkMode", "nat"}})), "ClientException");
  EXPECT_EQ(errorType(request({container("app")}, {{"networkMode", "default"}})),
            "ClientException");
  EXPECT_EQ(errorType(request({container("app")}, {{"networkMode", "none"}})), "");
  EXPECT_EQ(errorType(request({container("app")}, {{"requiresCompatibilities", {"LAMBDA"}}})),
            "ClientException");
  EXPECT_EQ(errorType(request({container("app")}, {{"requiresCompatibilities", {"EC2"}}})), "");
}

// --- Types ---

TEST(NormalizeTaskDefinitionTest, WrongMemberTypesAreSerializationExceptions) {
  const json cases[] = {
      json::array(),
      "text",
      request({container("app")}, {{"family", 7}}),
      request({container("app")}, {{"cpu", 256}}),
      request({container("app")}, {{"memory", 512}}),
      request({container("app")}, {{"networkMode", true}}),
      request({container("app")}, {{"volumes", json::object()}}),
      request({container("app")}, {{"requiresCompatibilities", "EC2"}}),
      request({container("app")}, {{"runtimePlatform", json::array()}}),
      request({container("app")}, {{"enableFaultInjection", "true"}}),
      json{{"family", "web"}, {"containerDefinitions", json::object()}},
      request({"app"}),
      request({container("app", {{"memory", "128"}})}),
      request({container("app", {{"memory", 128.5}})}),
      request({container("app", {{"cpu", "0"}})}),
      request({container("app", {{"essential", "true"}})}),
      request({container("app", {{"name", 5}})}),
      request({container("app", {{"image", json::array()}})}),
      request({container("app", {{"links", "db"}})}),
      request({container("app", {{"links", {1}}})}),
      request({container("app", {{"command", "sleep 60"}})}),
      request({container("app", {{"command", {"sleep", 60}}})}),
      request({container("app", {{"entryPoint", {nullptr}}})}),
      request({container("app", {{"dnsServers", {1}}})}),
      request({container("app", {{"environment", {{{"value", "x"}}}}})}),
      request({container("app", {{"environment", {"A=1"}}})}),
      request({container("app", {{"dockerLabels", json::array()}})}),
      request({container("app", {{"portMappings", json::object()}})}),
      request({withPorts("app", {"80:80"})}),
      request({withPorts("app", {{{"containerPort", "80"}}})}),
      request({withPorts("app", {{{"containerPort", 80}, {"protocol", 6}}})}),
  };
  for (const auto& in : cases) {
    EXPECT_EQ(errorType(in), "SerializationException") << in.dump();
  }
}

}  // namespace
}  // namespace ecsd
