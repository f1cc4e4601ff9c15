#include "agent/recovery.h"

#include <gtest/gtest.h>

#include <fstream>

#include "agent/saved_state.h"
#include "agent/task_runner.h"
#include "support/fake_api.h"
#include "support/fake_runtime.h"
#include "support/test_files.h"

namespace ecsd::agent {
namespace {

using nlohmann::json;
using test_support::FakeApi;
using test_support::FakeRuntime;

const std::string kInstance = "arn:aws:ecs:us-east-1:0:container-instance/demo/i1";

std::string plant(FakeRuntime& runtime, const std::string& owner, const std::string& task,
                  bool running) {
  ContainerConfig config;
  config.name = "ecs-" + task;
  config.labels = {{labels::kContainerInstance, owner}, {labels::kTaskArn, task}};
  return runtime.plant(config, running, running ? std::nullopt : std::optional<int>(0));
}

TEST(RecoveryTest, KeepsLiveTasksAndRemovesTheRest) {
  FakeRuntime runtime;
  plant(runtime, kInstance, "live", true);
  plant(runtime, kInstance, "stopped", false);
  plant(runtime, kInstance, "purged", true);
  plant(runtime, "arn:old", "old", true);
  plant(runtime, "arn:someone-else", "theirs", true);
  FakeApi api;
  api.on("DescribeTasks", [](const json& request) -> Result<json> {
    EXPECT_EQ(request["cluster"], "demo");
    return json{{"tasks",
                 {{{"taskArn", "live"}, {"lastStatus", "RUNNING"}},
                  {{"taskArn", "stopped"}, {"lastStatus", "STOPPED"}}}},
                {"failures", {{{"arn", "purged"}, {"reason", "MISSING"}}}}};
  });
  StopSignal stop;
  auto kept = recoverContainers(runtime, api, "demo", kInstance, {"arn:old"}, stop);
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ(kept->begin()->first, "live");
  std::set<std::string> left;
  for (const auto& c : runtime.live()) left.insert(c.state.labels.at(labels::kTaskArn));
  EXPECT_EQ(left, (std::set<std::string>{"live", "theirs"}));
}

TEST(RecoveryTest, WaitsForTheRuntimeAndEcsd) {
  FakeRuntime runtime;
  plant(runtime, kInstance, "live", true);
  FakeApi api;
  api.on("DescribeTasks", [](const json&) -> Result<json> {
    return json{{"tasks", {{{"taskArn", "live"}, {"lastStatus", "RUNNING"}}}}};
  });
  api.failNext(1);
  StopSignal stop;
  auto kept = recoverContainers(runtime, api, "demo", kInstance, {}, stop);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->size(), 1u);
  EXPECT_EQ(api.calls().size(), 2u);
}

TEST(RecoveryTest, NothingToRecoverAsksNothing) {
  FakeRuntime runtime;
  FakeApi api;
  StopSignal stop;
  auto kept = recoverContainers(runtime, api, "demo", kInstance, {}, stop);
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->empty());
  EXPECT_TRUE(api.calls().empty());
}

TEST(SavedStateTest, RoundTripsAndRefusesAForeignFile) {
  ecsd::test_support::TempDir dir;
  auto none = loadSavedState(dir.path / "agent");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(saveState(dir.path / "agent", {"demo", kInstance}).ok());
  auto loaded = loadSavedState(dir.path / "agent");
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->cluster, "demo");
  EXPECT_EQ((*loaded)->containerInstanceArn, kInstance);
  std::ofstream(dir.path / "agent" / "agent-state.json") << "[]";
  EXPECT_FALSE(loadSavedState(dir.path / "agent").ok());
}

}  // namespace
}  // namespace ecsd::agent
