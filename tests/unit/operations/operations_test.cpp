// The implemented operations end to end below the protocol: makeRouter over a
// State on a real SQLite store in a temp directory, with a fixed clock.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "ecsd/store/store.h"
#include "operations/router.h"
#include "support/router_fixture.h"

namespace ecsd::operations {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kRegion = test_support::RouterFixture::kRegion;
constexpr const char* kAccount = test_support::RouterFixture::kAccount;
constexpr double kNow = 1700000000.123;

std::string clusterArn(const std::string& name) {
  return std::string("arn:aws:ecs:") + kRegion + ":" + kAccount + ":cluster/" + name;
}

std::string definitionArn(const std::string& family, int revision) {
  return std::string("arn:aws:ecs:") + kRegion + ":" + kAccount + ":task-definition/" + family +
         ":" + std::to_string(revision);
}

json tag(const std::string& key, const std::string& value) {
  return {{"key", key}, {"value", value}};
}

json taskDefinitionInput(const std::string& family) {
  return {{"family", family},
          {"containerDefinitions",
           {{{"name", "app"},
             {"image", "nginx:1.27"},
             {"memory", 128},
             {"portMappings", {{{"containerPort", 80}}}}}}}};
}

class OperationsTest : public test_support::RouterFixture {
 protected:
  json createCluster(const std::string& name, json extra = json::object()) {
    json input = {{"clusterName", name}};
    input.update(extra);
    return ok("CreateCluster", input)["cluster"];
  }

  json registerDefinition(const std::string& family, json extra = json::object()) {
    json input = taskDefinitionInput(family);
    input.update(extra);
    return ok("RegisterTaskDefinition", input);
  }

  void deregister(const std::string& reference) {
    ok("DeregisterTaskDefinition", {{"taskDefinition", reference}});
  }

  std::vector<std::string> listDefinitions(json input = json::object()) {
    return ok("ListTaskDefinitions", input)["taskDefinitionArns"].get<std::vector<std::string>>();
  }

  std::vector<std::string> families(json input = json::object()) {
    return ok("ListTaskDefinitionFamilies", input)["families"].get<std::vector<std::string>>();
  }

  json tagsOf(const std::string& arn) {
    return ok("ListTagsForResource", {{"resourceArn", arn}})["tags"];
  }
};

// --- CreateCluster ---

TEST_F(OperationsTest, CreateClusterDefaultsToTheDefaultCluster) {
  const json cluster = ok("CreateCluster")["cluster"];
  EXPECT_EQ(cluster["clusterName"], "default");
  EXPECT_EQ(cluster["clusterArn"], clusterArn("default"));
  EXPECT_EQ(cluster["status"], "ACTIVE");
  EXPECT_EQ(cluster["registeredContainerInstancesCount"], 0);
  EXPECT_EQ(cluster["runningTasksCount"], 0);
  EXPECT_EQ(cluster["pendingTasksCount"], 0);
  EXPECT_EQ(cluster["activeServicesCount"], 0);
  EXPECT_EQ(cluster["settings"],
            json::parse(R"([{"name":"containerInsights","value":"disabled"}])"));
  EXPECT_EQ(cluster["tags"], json::array());
  EXPECT_EQ(ok("ListClusters")["clusterArns"], json({clusterArn("default")}));
}

TEST_F(OperationsTest, CreateClusterIsIdempotent) {
  const json first = createCluster("demo", {{"tags", {tag("env", "prod")}}});
  const json second = createCluster(
      "demo", {{"tags", {tag("env", "dev")}},
               {"settings", {{{"name", "containerInsights"}, {"value", "enabled"}}}}});
  EXPECT_EQ(second, first);  // the existing cluster, unchanged
  EXPECT_EQ(tagsOf(clusterArn("demo")), json::array({tag("env", "prod")}));
  EXPECT_EQ(ok("ListClusters")["clusterArns"].size(), 1u);
}

TEST_F(OperationsTest, CreateClusterKeepsTagsSettingsAndConfiguration) {
  const json configuration = {{"executeCommandConfiguration", {{"logging", "DEFAULT"}}}};
  const json cluster =
      createCluster("demo", {{"tags", {tag("env", "prod"), tag("team", "")}},
                             {"settings", {{{"name", "containerInsights"}, {"value", "enhanced"}}}},
                             {"configuration", configuration}});
  EXPECT_EQ(cluster["tags"], json({tag("env", "prod"), tag("team", "")}));
  EXPECT_EQ(cluster["settings"],
            json::parse(R"([{"name":"containerInsights","value":"enhanced"}])"));
  EXPECT_EQ(cluster["configuration"], configuration);
  EXPECT_EQ(tagsOf(clusterArn("demo")), json({tag("env", "prod"), tag("team", "")}));
}

TEST_F(OperationsTest, CreateClusterValidatesItsInput) {
  EXPECT_EQ(fails("CreateCluster", {{"clusterName", "bad name"}}), "InvalidParameterException");
  EXPECT_EQ(fails("CreateCluster", {{"clusterName", ""}}), "InvalidParameterException");
  EXPECT_EQ(fails("CreateCluster", {{"clusterName", std::string(256, 'c')}}),
            "InvalidParameterException");
  EXPECT_EQ(fails("CreateCluster", {{"clusterName", 7}}), "SerializationException");
  EXPECT_EQ(fails("CreateCluster", {{"clusterName", "a"},
                                    {"settings", {{{"name", "insights"}, {"value", "enabled"}}}}}),
            "InvalidParameterException");
  EXPECT_EQ(
      fails("CreateCluster", {{"clusterName", "a"},
                              {"settings", {{{"name", "containerInsights"}, {"value", "on"}}}}}),
      "InvalidParameterException");
  EXPECT_EQ(fails("CreateCluster", {{"clusterName", "a"}, {"settings", {"containerInsights"}}}),
            "SerializationException");
  EXPECT_EQ(fails("CreateCluster", {{"clusterName", "a"}, {"tags", {tag("aws:x", "1")}}}),
            "InvalidParameterException");
  EXPECT_EQ(fails("CreateCluster", {{"clusterName", "a"}, {"configuration", "x"}}),
            "SerializationException");
  EXPECT_EQ(fails("CreateCluster", {{"clusterName", "a"}, {"capacityProviders", {"FARGATE"}}}),
            "UnsupportedFeatureException");
  // None of these created anything.
  EXPECT_EQ(ok("ListClusters")["clusterArns"], json::array());
}

TEST_F(OperationsTest, CreatingADeletedClusterMakesItActiveAgain) {
  createCluster("demo", {{"tags", {tag("old", "1")}}});
  ok("DeleteCluster", {{"cluster", "demo"}});
  const json cluster = createCluster("demo");
  EXPECT_EQ(cluster["status"], "ACTIVE");
  EXPECT_EQ(cluster["tags"], json::array());
  EXPECT_EQ(ok("ListClusters")["clusterArns"], json({clusterArn("demo")}));
}

// --- DescribeClusters ---

TEST_F(OperationsTest, DescribeClustersReportsMissingOnesAsFailures) {
  createCluster("demo");
  const json out = ok("DescribeClusters",
                      {{"clusters", {"demo", "nope", clusterArn("demo"), clusterArn("gone")}}});
  ASSERT_EQ(out["clusters"].size(), 2u);
  EXPECT_EQ(out["clusters"][0]["clusterName"], "demo");
  EXPECT_EQ(out["clusters"][1]["clusterArn"], clusterArn("demo"));
  EXPECT_EQ(out["failures"], json::parse("[{\"arn\":\"" + clusterArn("nope") +
                                         "\",\"reason\":\"MISSING\"},{\"arn\":\"" +
                                         clusterArn("gone") + "\",\"reason\":\"MISSING\"}]"));
}

TEST_F(OperationsTest, UpdateClusterSettingsChangesOnlySettings) {
  createCluster("only");
  const json updated =
      ok("UpdateClusterSettings",
         {{"cluster", "only"},
          {"settings", {{{"name", "containerInsights"}, {"value", "enabled"}}}},
          {"configuration", {{"executeCommandConfiguration", {{"logging", "NONE"}}}}}});
  EXPECT_FALSE(updated["cluster"].contains("configuration"));
  EXPECT_EQ(updated["cluster"]["settings"][0]["value"], "enabled");
}

TEST_F(OperationsTest, DescribeTaskDefinitionRejectsUnknownIncludes) {
  ok("RegisterTaskDefinition",
     {{"family", "inc"},
      {"containerDefinitions", {{{"name", "a"}, {"image", "busybox"}, {"memory", 64}}}}});
  EXPECT_EQ(fails("DescribeTaskDefinition", {{"taskDefinition", "inc"}, {"include", {"TAG"}}}),
            "InvalidParameterException");
  EXPECT_TRUE(ok("DescribeTaskDefinition", {{"taskDefinition", "inc"}, {"include", {"TAGS"}}})
                  .contains("tags"));
}

TEST_F(OperationsTest, DescribeClustersWithoutNamesDescribesDefault) {
  EXPECT_EQ(ok("DescribeClusters")["failures"],
            json({{{"arn", clusterArn("default")}, {"reason", "MISSING"}}}));
  ok("CreateCluster");
  const json out = ok("DescribeClusters");
  ASSERT_EQ(out["clusters"].size(), 1u);
  EXPECT_EQ(out["clusters"][0]["clusterName"], "default");
  EXPECT_EQ(out["failures"], json::array());
}

TEST_F(OperationsTest, DescribeClustersIncludesOnlyWhatIsAskedFor) {
  createCluster("demo", {{"tags", {tag("env", "prod")}},
                         {"settings", {{{"name", "containerInsights"}, {"value", "enabled"}}}}});
  const json plain = ok("DescribeClusters", {{"clusters", {"demo"}}})["clusters"][0];
  EXPECT_EQ(plain.value("tags", json::array()), json::array());
  EXPECT_FALSE(plain.contains("settings"));
  EXPECT_EQ(plain.value("statistics", json::array()), json::array());

  const json full =
      ok("DescribeClusters",
         {{"clusters", {"demo"}}, {"include", {"TAGS", "SETTINGS", "STATISTICS"}}})["clusters"][0];
  EXPECT_EQ(full["tags"], json::array({tag("env", "prod")}));
  EXPECT_EQ(full["settings"], json::parse(R"([{"name":"containerInsights","value":"enabled"}])"));
  ASSERT_FALSE(full["statistics"].empty());
  for (const auto& stat : full["statistics"]) {
    EXPECT_TRUE(stat["name"].is_string());
    EXPECT_EQ(stat["value"], "0");
  }

  EXPECT_EQ(fails("DescribeClusters", {{"clusters", {"demo"}}, {"include", {"EVERYTHING"}}}),
            "InvalidParameterException");
  EXPECT_EQ(fails("DescribeClusters", {{"clusters", "demo"}}), "SerializationException");
}

TEST_F(OperationsTest, DescribeClustersShowsDeletedClustersAsInactive) {
  createCluster("demo");
  ok("DeleteCluster", {{"cluster", "demo"}});
  const json out = ok("DescribeClusters", {{"clusters", {"demo"}}});
  ASSERT_EQ(out["clusters"].size(), 1u);
  EXPECT_EQ(out["clusters"][0]["status"], "INACTIVE");
  EXPECT_EQ(out["failures"], json::array());
}

TEST_F(OperationsTest, ArnsOfAnotherRegionOrAccountNameNoCluster) {
  createCluster("demo");
  const std::string otherRegion = "arn:aws:ecs:eu-west-1:123456789012:cluster/demo";
  const std::string otherAccount = "arn:aws:ecs:us-east-1:210987654321:cluster/demo";
  const json out = ok("DescribeClusters", {{"clusters", {otherRegion, otherAccount}}});
  EXPECT_EQ(out["clusters"], json::array());
  ASSERT_EQ(out["failures"].size(), 2u);
  EXPECT_EQ(out["failures"][0]["reason"], "MISSING");
  EXPECT_EQ(out["failures"][1]["reason"], "MISSING");
  EXPECT_EQ(fails("DeleteCluster", {{"cluster", otherRegion}}), "ClusterNotFoundException");
  EXPECT_EQ(fails("UpdateClusterSettings",
                  {{"cluster", otherAccount},
                   {"settings", {{{"name", "containerInsights"}, {"value", "enabled"}}}}}),
            "ClusterNotFoundException");
  // The local cluster of that name is untouched.
  EXPECT_EQ(ok("ListClusters")["clusterArns"], json({clusterArn("demo")}));
}

// --- ListClusters ---

TEST_F(OperationsTest, ListClustersPagesThroughAllClusters) {
  for (const char* name : {"charlie", "alpha", "bravo"}) createCluster(name);
  std::vector<std::string> seen;
  json input = {{"maxResults", 1}};
  for (int page = 0; page < 3; ++page) {
    const json out = ok("ListClusters", input);
    ASSERT_EQ(out["clusterArns"].size(), 1u);
    seen.push_back(out["clusterArns"][0]);
    if (page < 2) {
      ASSERT_TRUE(out.contains("nextToken")) << page;
      input["nextToken"] = out["nextToken"];
    } else {
      EXPECT_FALSE(out.contains("nextToken"));
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{clusterArn("alpha"), clusterArn("bravo"),
                                            clusterArn("charlie")}));
  const json all = ok("ListClusters");
  EXPECT_EQ(all["clusterArns"].size(), 3u);
  EXPECT_FALSE(all.contains("nextToken"));
}

TEST_F(OperationsTest, ListClustersTokenSurvivesChangesBetweenPages) {
  for (const char* name : {"alpha", "bravo", "charlie"}) createCluster(name);
  const json first = ok("ListClusters", {{"maxResults", 1}});
  ASSERT_EQ(first["clusterArns"], json({clusterArn("alpha")}));
  ok("DeleteCluster", {{"cluster", "bravo"}});
  const json rest = ok("ListClusters", {{"nextToken", first["nextToken"]}});
  EXPECT_EQ(rest["clusterArns"], json({clusterArn("charlie")}));
}

TEST_F(OperationsTest, ListClustersRejectsBadTokensAndSizes) {
  createCluster("demo");
  for (const char* token : {"garbage", "!!!", "ZWNzZDA6eA=="}) {
    EXPECT_EQ(fails("ListClusters", {{"nextToken", token}}), "InvalidParameterException") << token;
  }
  EXPECT_EQ(fails("ListClusters", {{"maxResults", 0}}), "InvalidParameterException");
  EXPECT_EQ(fails("ListClusters", {{"maxResults", 101}}), "InvalidParameterException");
  EXPECT_EQ(fails("ListClusters", {{"maxResults", "1"}}), "SerializationException");
  EXPECT_EQ(ok("ListClusters", {{"maxResults", 100}})["clusterArns"].size(), 1u);
}

// --- DeleteCluster, UpdateClusterSettings, UpdateCluster ---

TEST_F(OperationsTest, DeleteClusterMakesItInactiveAndUnlisted) {
  createCluster("demo");
  createCluster("keep");
  const json deleted = ok("DeleteCluster", {{"cluster", clusterArn("demo")}})["cluster"];
  EXPECT_EQ(deleted["status"], "INACTIVE");
  EXPECT_EQ(deleted["clusterArn"], clusterArn("demo"));
  EXPECT_EQ(ok("ListClusters")["clusterArns"], json({clusterArn("keep")}));
  EXPECT_EQ(fails("DeleteCluster", {{"cluster", "demo"}}), "ClusterNotFoundException");
  EXPECT_EQ(fails("DeleteCluster", {{"cluster", "never"}}), "ClusterNotFoundException");
  EXPECT_EQ(fails("DeleteCluster"), "InvalidParameterException");
  EXPECT_EQ(fails("DeleteCluster", {{"cluster", definitionArn("web", 1)}}),
            "InvalidParameterException");
}

TEST_F(OperationsTest, UpdateClusterSettingsChangesContainerInsights) {
  createCluster("demo");
  const json updated =
      ok("UpdateClusterSettings",
         {{"cluster", "demo"},
          {"settings", {{{"name", "containerInsights"}, {"value", "enabled"}}}}})["cluster"];
  EXPECT_EQ(updated["settings"],
            json::parse(R"([{"name":"containerInsights","value":"enabled"}])"));
  const json described =
      ok("DescribeClusters", {{"clusters", {"demo"}}, {"include", {"SETTINGS"}}})["clusters"][0];
  EXPECT_EQ(described["settings"], updated["settings"]);

  EXPECT_EQ(fails("UpdateClusterSettings", {{"cluster", "demo"}}), "InvalidParameterException");
  EXPECT_EQ(
      fails("UpdateClusterSettings",
            {{"cluster", "demo"}, {"settings", {{{"name", "containerInsights"}, {"value", "x"}}}}}),
      "InvalidParameterException");
  const json settings = {{{"name", "containerInsights"}, {"value", "disabled"}}};
  EXPECT_EQ(fails("UpdateClusterSettings", {{"cluster", "nope"}, {"settings", settings}}),
            "ClusterNotFoundException");
  ok("DeleteCluster", {{"cluster", "demo"}});
  EXPECT_EQ(fails("UpdateClusterSettings", {{"cluster", "demo"}, {"settings", settings}}),
            "ClusterNotFoundException");
}

TEST_F(OperationsTest, UpdateClusterReplacesConfiguration) {
  createCluster("demo",
                {{"configuration", {{"executeCommandConfiguration", {{"logging", "NONE"}}}}}});
  const json configuration = {{"executeCommandConfiguration", {{"logging", "DEFAULT"}}}};
  const json updated =
      ok("UpdateCluster", {{"cluster", "demo"}, {"configuration", configuration}})["cluster"];
  EXPECT_EQ(updated["configuration"], configuration);
  // Settings not named stay as they were.
  EXPECT_EQ(updated["settings"],
            json::parse(R"([{"name":"containerInsights","value":"disabled"}])"));
}

// --- RegisterTaskDefinition ---

TEST_F(OperationsTest, RegisterTaskDefinitionCountsRevisionsUp) {
  for (int revision = 1; revision <= 3; ++revision) {
    const json definition = registerDefinition("web")["taskDefinition"];
    EXPECT_EQ(definition["revision"], revision);
    EXPECT_EQ(definition["taskDefinitionArn"], definitionArn("web", revision));
  }
  EXPECT_EQ(registerDefinition("api")["taskDefinition"]["revision"], 1);
}

TEST_F(OperationsTest, RegisterTaskDefinitionDescribesWhatItStored) {
  const json out = registerDefinition("web", {{"tags", {tag("team", "web")}}});
  const json& definition = out["taskDefinition"];
  EXPECT_EQ(definition["family"], "web");
  EXPECT_EQ(definition["status"], "ACTIVE");
  EXPECT_DOUBLE_EQ(definition["registeredAt"].get<double>(), kNow);
  EXPECT_EQ(definition["registeredBy"], std::string("arn:aws:iam::") + kAccount + ":user/admin");
  EXPECT_FALSE(definition.contains("deregisteredAt"));
  EXPECT_FALSE(definition.contains("tags"));
  EXPECT_EQ(definition["compatibilities"], json({"EXTERNAL", "EC2"}));
  const json& container = definition["containerDefinitions"][0];
  EXPECT_EQ(container["essential"], true);
  EXPECT_EQ(container["cpu"], 0);
  EXPECT_EQ(container["portMappings"],
            json::parse(R"([{"containerPort":80,"hostPort":0,"protocol":"tcp"}])"));
  EXPECT_EQ(out["tags"], json::array({tag("team", "web")}));

  const json described =
      ok("DescribeTaskDefinition", {{"taskDefinition", "web:1"}})["taskDefinition"];
  EXPECT_EQ(described, definition);
}

TEST_F(OperationsTest, RegisterTaskDefinitionRejectsInvalidInputAndStoresNothing) {
  json noContainers = taskDefinitionInput("web");
  noContainers["containerDefinitions"] = json::array();
  EXPECT_EQ(fails("RegisterTaskDefinition", noContainers), "ClientException");
  json badType = taskDefinitionInput("web");
  badType["containerDefinitions"][0]["memory"] = "128";
  EXPECT_EQ(fails("RegisterTaskDefinition", badType), "SerializationException");
  json reservedTag = taskDefinitionInput("web");
  reservedTag["tags"] = json::array({tag("AWS:x", "y")});
  EXPECT_EQ(fails("RegisterTaskDefinition", reservedTag), "InvalidParameterException");
  EXPECT_EQ(families(), std::vector<std::string>{});
  // The failures used no revision numbers.
  EXPECT_EQ(registerDefinition("web")["taskDefinition"]["revision"], 1);
}

TEST_F(OperationsTest, RevisionsAreNeverReusedAfterDelete) {
  registerDefinition("web");
  registerDefinition("web");
  deregister("web:2");
  ok("DeleteTaskDefinitions", {{"taskDefinitions", {"web:2"}}});
  EXPECT_EQ(registerDefinition("web")["taskDefinition"]["revision"], 3);
  // Not after a restart either.
  open();
  EXPECT_EQ(registerDefinition("web")["taskDefinition"]["revision"], 4);
}

// --- DescribeTaskDefinition, DeregisterTaskDefinition ---

TEST_F(OperationsTest, DescribeTaskDefinitionByFamilyRevisionOrArn) {
  registerDefinition("web");
  registerDefinition("web", {{"tags", {tag("v", "2")}}});
  EXPECT_EQ(ok("DescribeTaskDefinition", {{"taskDefinition", "web"}})["taskDefinition"]["revision"],
            2);
  EXPECT_EQ(
      ok("DescribeTaskDefinition", {{"taskDefinition", "web:1"}})["taskDefinition"]["revision"], 1);
  EXPECT_EQ(ok("DescribeTaskDefinition",
               {{"taskDefinition", definitionArn("web", 1)}})["taskDefinition"]["revision"],
            1);
  const json withTags =
      ok("DescribeTaskDefinition", {{"taskDefinition", "web"}, {"include", {"TAGS"}}});
  EXPECT_EQ(withTags["tags"], json::array({tag("v", "2")}));
  EXPECT_FALSE(ok("DescribeTaskDefinition", {{"taskDefinition", "web"}}).contains("tags"));
}

TEST_F(OperationsTest, DescribeTaskDefinitionByFamilySkipsInactiveRevisions) {
  registerDefinition("web");
  registerDefinition("web");
  deregister("web:2");
  EXPECT_EQ(ok("DescribeTaskDefinition", {{"taskDefinition", "web"}})["taskDefinition"]["revision"],
            1);
  // Named explicitly, an INACTIVE revision still describes.
  const json two = ok("DescribeTaskDefinition", {{"taskDefinition", "web:2"}})["taskDefinition"];
  EXPECT_EQ(two["status"], "INACTIVE");
  deregister("web:1");
  EXPECT_EQ(fails("DescribeTaskDefinition", {{"taskDefinition", "web"}}), "ClientException");
}

TEST_F(OperationsTest, DescribeTaskDefinitionErrors) {
  registerDefinition("web");
  EXPECT_EQ(fails("DescribeTaskDefinition", {{"taskDefinition", "nope"}}), "ClientException");
  EXPECT_EQ(fails("DescribeTaskDefinition", {{"taskDefinition", "web:2"}}), "ClientException");
  EXPECT_EQ(fails("DescribeTaskDefinition", {{"taskDefinition", "web:0"}}), "ClientException");
  EXPECT_EQ(fails("DescribeTaskDefinition", {{"taskDefinition", "web:x"}}), "ClientException");
  EXPECT_EQ(fails("DescribeTaskDefinition"), "InvalidParameterException");
}

TEST_F(OperationsTest, TaskDefinitionArnsOfAnotherRegionNameNothing) {
  registerDefinition("web");
  registerDefinition("web");
  deregister("web:2");
  const std::string foreign = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1";
  const std::string foreignInactive = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2";
  EXPECT_EQ(fails("DescribeTaskDefinition", {{"taskDefinition", foreign}}), "ClientException");
  EXPECT_EQ(fails("DeregisterTaskDefinition", {{"taskDefinition", foreign}}), "ClientException");
  const json deleted = ok("DeleteTaskDefinitions", {{"taskDefinitions", {foreignInactive}}});
  EXPECT_EQ(deleted["taskDefinitions"], json::array());
  EXPECT_EQ(deleted["failures"].size(), 1u);
  // Nothing local changed.
  EXPECT_EQ(listDefinitions(), std::vector<std::string>{definitionArn("web", 1)});
  EXPECT_EQ(listDefinitions({{"status", "INACTIVE"}}),
            std::vector<std::string>{definitionArn("web", 2)});
}

TEST_F(OperationsTest, DeregisterTaskDefinitionMakesItInactive) {
  registerDefinition("web");
  clock_.advance(std::chrono::seconds(60));
  const json out = ok("DeregisterTaskDefinition", {{"taskDefinition", definitionArn("web", 1)}});
  EXPECT_EQ(out["taskDefinition"]["status"], "INACTIVE");
  EXPECT_DOUBLE_EQ(out["taskDefinition"]["deregisteredAt"].get<double>(), kNow + 60);
  EXPECT_DOUBLE_EQ(out["taskDefinition"]["registeredAt"].get<double>(), kNow);
  EXPECT_EQ(listDefinitions(), std::vector<std::string>{});
  EXPECT_EQ(listDefinitions({{"status", "INACTIVE"}}),
            std::vector<std::string>{definitionArn("web", 1)});

  EXPECT_EQ(fails("DeregisterTaskDefinition", {{"taskDefinition", "web"}}), "ClientException");
  EXPECT_EQ(fails("DeregisterTaskDefinition", {{"taskDefinition", "web:9"}}), "ClientException");
  EXPECT_EQ(fails("DeregisterTaskDefinition", {{"taskDefinition", "nope:1"}}), "ClientException");
}

// --- ListTaskDefinitions ---

TEST_F(OperationsTest, ListTaskDefinitionsSortsRevisionsNumerically) {
  for (int i = 0; i < 10; ++i) registerDefinition("web");
  registerDefinition("api");
  std::vector<std::string> expected = {definitionArn("api", 1)};
  for (int revision = 1; revision <= 10; ++revision) {
    expected.push_back(definitionArn("web", revision));
  }
  EXPECT_EQ(listDefinitions(), expected);
  std::reverse(expected.begin(), expected.end());
  EXPECT_EQ(listDefinitions({{"sort", "DESC"}}), expected);
  EXPECT_EQ(fails("ListTaskDefinitions", {{"sort", "UP"}}), "InvalidParameterException");
}

TEST_F(OperationsTest, ListTaskDefinitionsFamilyPrefixIsTheExactFamily) {
  registerDefinition("web");
  registerDefinition("web-api");
  registerDefinition("we");
  EXPECT_EQ(listDefinitions({{"familyPrefix", "web"}}),
            std::vector<std::string>{definitionArn("web", 1)});
  EXPECT_EQ(listDefinitions({{"familyPrefix", "w"}}), std::vector<std::string>{});
}

TEST_F(OperationsTest, ListTaskDefinitionsFiltersByStatus) {
  for (int i = 0; i < 3; ++i) registerDefinition("web");
  deregister("web:2");
  deregister("web:3");
  ok("DeleteTaskDefinitions", {{"taskDefinitions", {"web:3"}}});
  EXPECT_EQ(listDefinitions(), std::vector<std::string>{definitionArn("web", 1)});
  EXPECT_EQ(listDefinitions({{"status", "ACTIVE"}}),
            std::vector<std::string>{definitionArn("web", 1)});
  EXPECT_EQ(listDefinitions({{"status", "INACTIVE"}}),
            std::vector<std::string>{definitionArn("web", 2)});
  EXPECT_EQ(listDefinitions({{"status", "DELETE_IN_PROGRESS"}}),
            std::vector<std::string>{definitionArn("web", 3)});
  EXPECT_EQ(fails("ListTaskDefinitions", {{"status", "ALL"}}), "InvalidParameterException");
}

TEST_F(OperationsTest, ListTaskDefinitionsPagesInBothDirections) {
  for (int i = 0; i < 11; ++i) registerDefinition("web");
  for (const char* sort : {"ASC", "DESC"}) {
    std::vector<std::string> seen;
    json input = {{"familyPrefix", "web"}, {"sort", sort}, {"maxResults", 4}};
    for (int page = 0; page < 10; ++page) {
      const json out = ok("ListTaskDefinitions", input);
      for (const auto& arn : out["taskDefinitionArns"]) seen.push_back(arn);
      if (!out.contains("nextToken")) break;
      input["nextToken"] = out["nextToken"];
    }
    EXPECT_EQ(seen, listDefinitions({{"familyPrefix", "web"}, {"sort", sort}})) << sort;
    ASSERT_EQ(seen.size(), 11u) << sort;
    EXPECT_EQ(seen.front(), definitionArn("web", std::string(sort) == "ASC" ? 1 : 11)) << sort;
  }
  EXPECT_EQ(fails("ListTaskDefinitions", {{"nextToken", "bogus"}}), "InvalidParameterException");
}

// --- ListTaskDefinitionFamilies ---

TEST_F(OperationsTest, ListTaskDefinitionFamiliesByPrefixAndStatus) {
  registerDefinition("web");
  registerDefinition("web-api");
  registerDefinition("worker");
  registerDefinition("batch");
  deregister("worker:1");
  EXPECT_EQ(families(), (std::vector<std::string>{"batch", "web", "web-api", "worker"}));
  EXPECT_EQ(families({{"status", "ALL"}}),
            (std::vector<std::string>{"batch", "web", "web-api", "worker"}));
  EXPECT_EQ(families({{"familyPrefix", "web"}}), (std::vector<std::string>{"web", "web-api"}));
  EXPECT_EQ(families({{"familyPrefix", "w"}, {"status", "ACTIVE"}}),
            (std::vector<std::string>{"web", "web-api"}));
  EXPECT_EQ(families({{"status", "INACTIVE"}}), std::vector<std::string>{"worker"});
  EXPECT_EQ(fails("ListTaskDefinitionFamilies", {{"status", "DELETE_IN_PROGRESS"}}),
            "InvalidParameterException");

  const json page = ok("ListTaskDefinitionFamilies", {{"maxResults", 3}});
  EXPECT_EQ(page["families"], json({"batch", "web", "web-api"}));
  ASSERT_TRUE(page.contains("nextToken"));
  EXPECT_EQ(ok("ListTaskDefinitionFamilies",
               {{"maxResults", 3}, {"nextToken", page["nextToken"]}})["families"],
            json({"worker"}));
}

// --- DeleteTaskDefinitions ---

TEST_F(OperationsTest, DeleteTaskDefinitionsDeletesOnlyInactiveRevisions) {
  registerDefinition("web");
  registerDefinition("web");
  deregister("web:1");
  clock_.advance(std::chrono::seconds(5));
  const json out =
      ok("DeleteTaskDefinitions",
         {{"taskDefinitions", {"web:1", "web:2", "web:7", "web", definitionArn("api", 1)}}});
  ASSERT_EQ(out["taskDefinitions"].size(), 1u);
  const json& deleted = out["taskDefinitions"][0];
  EXPECT_EQ(deleted["taskDefinitionArn"], definitionArn("web", 1));
  EXPECT_EQ(deleted["status"], "DELETE_IN_PROGRESS");
  EXPECT_DOUBLE_EQ(deleted["deleteRequestedAt"].get<double>(), kNow + 5);

  ASSERT_EQ(out["failures"].size(), 4u);
  EXPECT_EQ(out["failures"][0]["arn"], definitionArn("web", 2));  // still ACTIVE
  for (const auto& failure : out["failures"]) EXPECT_TRUE(failure["reason"].is_string());

  // Still describable by revision, and no longer INACTIVE.
  EXPECT_EQ(ok("DescribeTaskDefinition", {{"taskDefinition", "web:1"}})["taskDefinition"]["status"],
            "DELETE_IN_PROGRESS");
  EXPECT_EQ(listDefinitions({{"status", "INACTIVE"}}), std::vector<std::string>{});

  EXPECT_EQ(fails("DeleteTaskDefinitions"), "InvalidParameterException");
  EXPECT_EQ(fails("DeleteTaskDefinitions", {{"taskDefinitions", json::array()}}),
            "InvalidParameterException");
  json eleven = json::array();
  for (int i = 1; i <= 11; ++i) eleven.push_back("web:" + std::to_string(i));
  EXPECT_EQ(fails("DeleteTaskDefinitions", {{"taskDefinitions", eleven}}),
            "InvalidParameterException");
}

// --- Tags ---

TEST_F(OperationsTest, TagsOnAClusterMergeAndRemove) {
  createCluster("demo", {{"tags", {tag("a", "1")}}});
  const std::string arn = clusterArn("demo");
  EXPECT_EQ(ok("TagResource", {{"resourceArn", arn}, {"tags", {tag("a", "10"), tag("b", "2")}}}),
            json::object());
  EXPECT_EQ(tagsOf(arn), json({tag("a", "10"), tag("b", "2")}));
  EXPECT_EQ(ok("UntagResource", {{"resourceArn", arn}, {"tagKeys", {"a", "missing"}}}),
            json::object());
  EXPECT_EQ(tagsOf(arn), json::array({tag("b", "2")}));
  const json described =
      ok("DescribeClusters", {{"clusters", {"demo"}}, {"include", {"TAGS"}}})["clusters"][0];
  EXPECT_EQ(described["tags"], json::array({tag("b", "2")}));
}

TEST_F(OperationsTest, TagsOnATaskDefinitionRevision) {
  registerDefinition("web", {{"tags", {tag("a", "1")}}});
  registerDefinition("web");
  const std::string arn = definitionArn("web", 1);
  ok("TagResource", {{"resourceArn", arn}, {"tags", {tag("b", "2")}}});
  EXPECT_EQ(tagsOf(arn), json({tag("a", "1"), tag("b", "2")}));
  EXPECT_EQ(tagsOf(definitionArn("web", 2)), json::array());
  ok("UntagResource", {{"resourceArn", arn}, {"tagKeys", {"a"}}});
  EXPECT_EQ(
      ok("DescribeTaskDefinition", {{"taskDefinition", "web:1"}, {"include", {"TAGS"}}})["tags"],
      json::array({tag("b", "2")}));
  // Tags change nothing else about the revision.
  EXPECT_EQ(ok("DescribeTaskDefinition", {{"taskDefinition", "web"}})["taskDefinition"]["revision"],
            2);
}

TEST_F(OperationsTest, TagsSurviveARestart) {
  createCluster("demo");
  registerDefinition("web");
  ok("TagResource", {{"resourceArn", clusterArn("demo")}, {"tags", {tag("c", "1")}}});
  ok("TagResource", {{"resourceArn", definitionArn("web", 1)}, {"tags", {tag("t", "2")}}});
  open();
  EXPECT_EQ(tagsOf(clusterArn("demo")), json::array({tag("c", "1")}));
  EXPECT_EQ(tagsOf(definitionArn("web", 1)), json::array({tag("t", "2")}));
}

TEST_F(OperationsTest, TagOperationsOnUnknownResources) {
  createCluster("demo");
  ok("DeleteCluster", {{"cluster", "demo"}});
  const json tags = json::array({tag("a", "1")});
  for (const char* op : {"TagResource", "ListTagsForResource"}) {
    EXPECT_EQ(fails(op, {{"resourceArn", clusterArn("nope")}, {"tags", tags}}),
              "ClusterNotFoundException")
        << op;
    EXPECT_EQ(fails(op, {{"resourceArn", clusterArn("demo")}, {"tags", tags}}),
              "ClusterNotFoundException")
        << op;
    EXPECT_EQ(fails(op, {{"resourceArn", definitionArn("web", 1)}, {"tags", tags}}),
              "ResourceNotFoundException")
        << op;
    EXPECT_EQ(fails(op, {{"resourceArn", "arn:aws:ecs:eu-west-1:123456789012:cluster/demo"},
                         {"tags", tags}}),
              "ResourceNotFoundException")
        << op;
    EXPECT_EQ(fails(op, {{"resourceArn", "demo"}, {"tags", tags}}), "InvalidParameterException")
        << op;
    EXPECT_EQ(fails(op, {{"tags", tags}}), "InvalidParameterException") << op;
  }
  EXPECT_EQ(fails("UntagResource", {{"resourceArn", clusterArn("nope")}, {"tagKeys", {"a"}}}),
            "ClusterNotFoundException");
}

TEST_F(OperationsTest, TagResourceEnforcesTagRules) {
  createCluster("demo", {{"tags", {tag("keep", "1")}}});
  const std::string arn = clusterArn("demo");
  EXPECT_EQ(fails("TagResource", {{"resourceArn", arn}, {"tags", {tag("aws:x", "1")}}}),
            "InvalidParameterException");
  EXPECT_EQ(fails("TagResource", {{"resourceArn", arn}, {"tags", json::array()}}),
            "InvalidParameterException");
  EXPECT_EQ(fails("TagResource", {{"resourceArn", arn}}), "InvalidParameterException");
  EXPECT_EQ(fails("UntagResource", {{"resourceArn", arn}, {"tagKeys", json::array()}}),
            "InvalidParameterException");
  // 49 more make 50, which is the limit; one more is too many, and changes nothing.
  json many = json::array();
  for (int i = 0; i < 49; ++i) many.push_back(tag(std::to_string(i) + "-k", "v"));
  ok("TagResource", {{"resourceArn", arn}, {"tags", many}});
  EXPECT_EQ(tagsOf(arn).size(), 50u);
  EXPECT_EQ(fails("TagResource", {{"resourceArn", arn}, {"tags", {tag("one-more", "v")}}}),
            "InvalidParameterException");
  EXPECT_EQ(tagsOf(arn).size(), 50u);
  // Replacing a value is not another tag.
  ok("TagResource", {{"resourceArn", arn}, {"tags", {tag("keep", "2")}}});
  EXPECT_EQ(tagsOf(arn)[0], tag("keep", "2"));
}

TEST_F(OperationsTest, TagsOnTaskDefinitionFamiliesAreNotSupported) {
  registerDefinition("web");
  EXPECT_EQ(fails("TagResource", {{"resourceArn", std::string("arn:aws:ecs:") + kRegion + ":" +
                                                      kAccount + ":task-definition/web"},
                                  {"tags", {tag("a", "1")}}}),
            "InvalidParameterException");
}

}  // namespace
}  // namespace ecsd::operations
