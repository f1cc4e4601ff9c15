// Test support: sample resources for store and state tests, and a Store in
// memory that records its commits.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ecsd/errors.h"
#include "ecsd/state/state.h"
#include "ecsd/store/store.h"

namespace ecsd::test_support {

using nlohmann::json;

inline Cluster sampleCluster(const std::string& name) {
  Cluster c;
  c.name = name;
  c.arn = "arn:aws:ecs:us-east-1:123456789012:cluster/" + name;
  c.status = "ACTIVE";
  c.settings = {{"containerInsights", "enhanced"}};
  c.configuration = json::parse(
      R"({"executeCommandConfiguration":{"logging":"OVERRIDE","kmsKeyId":"k",
          "logConfiguration":{"cloudWatchLogGroupName":"g","s3EncryptionEnabled":true}}})");
  c.serviceConnectDefaults = {{"namespace", "arn:aws:servicediscovery:us-east-1:1:namespace/ns"}};
  c.tags = {{"env", "prod"}, {"owner", "caf\xc3\xa9"}, {"empty", ""}};
  return c;
}

inline TaskDefinition sampleDefinition(const std::string& family, int revision) {
  TaskDefinition t;
  t.family = family;
  t.revision = revision;
  t.arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/" + family + ":" +
          std::to_string(revision);
  t.status = "ACTIVE";
  t.registeredAt = 1700000000.123;
  t.registeredBy = "arn:aws:iam::123456789012:user/admin";
  t.body = json::parse(R"({
    "family": "f",
    "containerDefinitions": [{"name": "app", "image": "nginx", "cpu": 0, "memory": 128,
                              "essential": true, "portMappings": [], "environment": [],
                              "mountPoints": [], "volumesFrom": [],
                              "dockerLabels": {"quote": "\"", "unicode": "\u00e9"}}],
    "volumes": [], "placementConstraints": [], "cpu": "256", "memory": "512"
  })");
  t.body["family"] = family;
  t.tags = {{"team", "web"}};
  return t;
}

inline void expectSameCluster(const Cluster& actual, const Cluster& expected) {
  EXPECT_EQ(actual.name, expected.name);
  EXPECT_EQ(actual.arn, expected.arn);
  EXPECT_EQ(actual.status, expected.status);
  ASSERT_EQ(actual.settings.size(), expected.settings.size());
  for (std::size_t i = 0; i < expected.settings.size(); ++i) {
    EXPECT_EQ(actual.settings[i].name, expected.settings[i].name);
    EXPECT_EQ(actual.settings[i].value, expected.settings[i].value);
  }
  EXPECT_EQ(actual.configuration, expected.configuration);
  EXPECT_EQ(actual.serviceConnectDefaults, expected.serviceConnectDefaults);
  EXPECT_EQ(actual.tags, expected.tags);
}

inline void expectSameDefinition(const TaskDefinition& actual, const TaskDefinition& expected) {
  EXPECT_EQ(actual.family, expected.family);
  EXPECT_EQ(actual.revision, expected.revision);
  EXPECT_EQ(actual.arn, expected.arn);
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.registeredAt, expected.registeredAt);
  EXPECT_EQ(actual.deregisteredAt, expected.deregisteredAt);
  EXPECT_EQ(actual.deleteRequestedAt, expected.deleteRequestedAt);
  EXPECT_EQ(actual.registeredBy, expected.registeredBy);
  EXPECT_EQ(actual.body, expected.body);
  EXPECT_EQ(actual.tags, expected.tags);
}

// A change set of clusters and task definitions.
inline ChangeSet changesOf(std::vector<Cluster> clusters, std::vector<TaskDefinition> definitions) {
  ChangeSet changes;
  changes.of<Cluster>().put = std::move(clusters);
  changes.of<TaskDefinition>().put = std::move(definitions);
  return changes;
}

// A Store in memory that records commits and can be told to fail them.
class FakeStore final : public Store {
 public:
  Result<StoredState> load() override {
    if (failLoad) return *failLoad;
    return stored;
  }
  Status commit(const ChangeSet& changes) override {
    if (onCommit) onCommit(changes);
    if (failCommit) return *failCommit;
    commits.push_back(changes);
    return {};
  }

  StoredState stored;
  std::optional<Error> failLoad;
  std::optional<Error> failCommit;
  std::function<void(const ChangeSet&)> onCommit;
  std::vector<ChangeSet> commits;
};

inline TaskDefinition definition(const std::string& family, int revision,
                                 const std::string& status = "ACTIVE") {
  TaskDefinition t = sampleDefinition(family, revision);
  t.status = status;
  return t;
}

inline std::unique_ptr<State> loadState(Store& store) {
  auto state = State::load(store);
  EXPECT_TRUE(state.ok()) << state.error().message;
  return state.ok() ? std::move(*state) : nullptr;
}

inline bool hasCluster(const State& state, const std::string& name) {
  return state.read([&](const Data& data) { return data.cluster(name) != nullptr; });
}

// A store a test opened (nullptr, with the failure reported, when it could not).
inline std::unique_ptr<Store> opened(Result<std::unique_ptr<Store>> store) {
  EXPECT_TRUE(store.ok()) << store.error().message;
  return store.ok() ? std::move(*store) : nullptr;
}

// What the store loads (empty, with the failure reported, when it cannot).
inline StoredState loaded(Store& store) {
  auto state = store.load();
  EXPECT_TRUE(state.ok()) << state.error().message;
  return state.ok() ? std::move(*state) : StoredState{};
}

}  // namespace ecsd::test_support
