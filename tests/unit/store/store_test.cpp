// What every store promises, written once against the Store interface and
// run for each backend (SQLite now; PostgreSQL is one more Backend below).
#include "ecsd/store/store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ecsd/store/sqlite_store.h"
#include "support/store_samples.h"
#include "support/test_files.h"

namespace ecsd {
namespace {

using namespace test_support;

// A backend: open() opens the same (initially empty) store again, as a
// restart would.
struct SqliteBackend {
  TempDir dir;
  Result<std::unique_ptr<Store>> open() {
    return openSqliteStore((dir.path / "ecsd.db").string(), Durability::Full);
  }
};

template <class Backend>
class StoreTest : public testing::Test {
 protected:
  std::unique_ptr<Store> open() { return opened(backend_.open()); }
  StoredState load(Store& store) { return loaded(store); }

  Backend backend_;
};

using Backends = testing::Types<SqliteBackend>;
TYPED_TEST_SUITE(StoreTest, Backends);

TYPED_TEST(StoreTest, NewStoreIsEmpty) {
  auto store = this->open();
  ASSERT_TRUE(store);
  const StoredState state = this->load(*store);
  forEachTable(state.tables, [](const auto& rows) { EXPECT_TRUE(rows.empty()); });
}

TYPED_TEST(StoreTest, CommittedValuesSurviveReopenIdentically) {
  Cluster active = sampleCluster("demo");
  Cluster inactive = sampleCluster("old");
  inactive.status = "INACTIVE";
  inactive.settings.clear();
  inactive.configuration = nullptr;
  inactive.serviceConnectDefaults = nullptr;
  inactive.tags.clear();

  TaskDefinition plain = sampleDefinition("web", 1);
  TaskDefinition deregistered = sampleDefinition("web", 2);
  deregistered.status = "INACTIVE";
  deregistered.deregisteredAt = 1700000100.5;
  TaskDefinition deleting = sampleDefinition("api", 7);
  deleting.status = "DELETE_IN_PROGRESS";
  deleting.deregisteredAt = 1700000200.25;
  deleting.deleteRequestedAt = 1700000300.001;
  deleting.tags.clear();

  {
    auto store = this->open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->commit(changesOf({active, inactive}, {plain, deregistered})).ok());
    ASSERT_TRUE(store->commit(changesOf({}, {deleting})).ok());
  }
  auto store = this->open();
  ASSERT_TRUE(store);
  const StoredState state = this->load(*store);

  ASSERT_EQ(state.of<Cluster>().size(), 2u);
  for (const auto& c : state.of<Cluster>())
    expectSameCluster(c, c.name == "demo" ? active : inactive);

  // Ordered by family, then revision.
  ASSERT_EQ(state.of<TaskDefinition>().size(), 3u);
  expectSameDefinition(state.of<TaskDefinition>()[0], deleting);
  expectSameDefinition(state.of<TaskDefinition>()[1], plain);
  expectSameDefinition(state.of<TaskDefinition>()[2], deregistered);
}

TYPED_TEST(StoreTest, AnswersKeepWhenTheyWereRecordedAndForgottenOnesAreDeleted) {
  {
    auto store = this->open();
    ASSERT_TRUE(store);
    ChangeSet recorded;
    recorded.of<RecordedAnswer>().put = {{"RunTask:demo:a", {R"({"taskIds":[]})", 1700000000.5}},
                                         {"RunTask:demo:b", {"{}", 1700000001.0}}};
    ASSERT_TRUE(store->commit(recorded).ok());
    ChangeSet forgotten;
    forgotten.of<RecordedAnswer>().removed = {"RunTask:demo:a"};
    ASSERT_TRUE(store->commit(forgotten).ok());
  }
  auto store = this->open();
  ASSERT_TRUE(store);
  const StoredState state = this->load(*store);
  ASSERT_EQ(state.of<RecordedAnswer>().size(), 1u);
  EXPECT_EQ(state.of<RecordedAnswer>()[0].key, "RunTask:demo:b");
  EXPECT_EQ(state.of<RecordedAnswer>()[0].answer.text, "{}");
  EXPECT_EQ(state.of<RecordedAnswer>()[0].answer.recordedAt, 1700000001.0);
}

TYPED_TEST(StoreTest, RevisionsLoadInNumericOrder) {
  auto store = this->open();
  ASSERT_TRUE(store);
  ChangeSet changes;
  for (int revision : {10, 9, 2, 1})
    changes.of<TaskDefinition>().put.push_back(sampleDefinition("web", revision));
  ASSERT_TRUE(store->commit(changes).ok());
  const StoredState state = this->load(*store);
  ASSERT_EQ(state.of<TaskDefinition>().size(), 4u);
  EXPECT_EQ(state.of<TaskDefinition>()[0].revision, 1);
  EXPECT_EQ(state.of<TaskDefinition>()[1].revision, 2);
  EXPECT_EQ(state.of<TaskDefinition>()[2].revision, 9);
  EXPECT_EQ(state.of<TaskDefinition>()[3].revision, 10);
}

TYPED_TEST(StoreTest, CommitReplacesByKey) {
  {
    auto store = this->open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(
        store->commit(changesOf({sampleCluster("demo")}, {sampleDefinition("web", 1)})).ok());

    Cluster changed = sampleCluster("demo");
    changed.arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/demo";
    changed.status = "INACTIVE";
    changed.settings = {{"containerInsights", "disabled"}};
    changed.configuration = nullptr;
    changed.serviceConnectDefaults = {{"namespace", "other"}};
    changed.tags = {{"new", "tag"}};

    TaskDefinition replaced = sampleDefinition("web", 1);
    replaced.arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1";
    replaced.status = "INACTIVE";
    replaced.registeredAt = 1800000000.5;
    replaced.deregisteredAt = 1800000001.0;
    replaced.deleteRequestedAt = 1800000002.0;
    replaced.registeredBy = "arn:aws:iam::123456789012:user/other";
    replaced.body = {{"family", "web"}, {"containerDefinitions", json::array()}};
    replaced.tags = {};
    ASSERT_TRUE(store->commit(changesOf({changed}, {replaced})).ok());

    const StoredState state = this->load(*store);
    ASSERT_EQ(state.of<Cluster>().size(), 1u);
    expectSameCluster(state.of<Cluster>()[0], changed);
    ASSERT_EQ(state.of<TaskDefinition>().size(), 1u);
    expectSameDefinition(state.of<TaskDefinition>()[0], replaced);
  }
  // And what memory would now hold is what a restart finds.
  auto store = this->open();
  ASSERT_TRUE(store);
  const StoredState state = this->load(*store);
  ASSERT_EQ(state.of<TaskDefinition>().size(), 1u);
  EXPECT_EQ(state.of<TaskDefinition>()[0].registeredBy, "arn:aws:iam::123456789012:user/other");
  EXPECT_EQ(state.of<TaskDefinition>()[0].registeredAt, 1800000000.5);
}

TYPED_TEST(StoreTest, ClearingOptionalTimestampsStoresNull) {
  auto store = this->open();
  ASSERT_TRUE(store);
  TaskDefinition definition = sampleDefinition("web", 1);
  definition.deregisteredAt = 5.0;
  definition.deleteRequestedAt = 6.0;
  ASSERT_TRUE(store->commit(changesOf({}, {definition})).ok());
  definition.deregisteredAt.reset();
  definition.deleteRequestedAt.reset();
  ASSERT_TRUE(store->commit(changesOf({}, {definition})).ok());
  const StoredState state = this->load(*store);
  ASSERT_EQ(state.of<TaskDefinition>().size(), 1u);
  EXPECT_EQ(state.of<TaskDefinition>()[0].deregisteredAt, std::nullopt);
  EXPECT_EQ(state.of<TaskDefinition>()[0].deleteRequestedAt, std::nullopt);
}

TYPED_TEST(StoreTest, EmptyCommitIsOk) {
  auto store = this->open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->commit({}).ok());
  const StoredState state = this->load(*store);
  EXPECT_TRUE(state.of<Cluster>().empty());
}

ContainerInstance sampleInstance(const std::string& id) {
  ContainerInstance i;
  i.id = id;
  i.arn = "arn:aws:ecs:us-east-1:123456789012:container-instance/demo/" + id;
  i.cluster = "demo";
  i.ec2InstanceId = "i-0abc";
  i.status = "DRAINING";
  i.registered = {2048, 4096, {22, 2375}, {53}};
  i.attributes = {{"ecs.os-type", "linux"}, {"flag", std::nullopt}};
  i.versionInfo = {{"agentVersion", "1.80.0"}};
  i.instanceIdentityDocument = "{}";
  i.registeredAt = 1700000000.25;
  i.tags = {{"team", "web"}};
  i.version = 7;
  return i;
}

Task sampleTask(const std::string& id) {
  Task t;
  t.id = id;
  t.arn = "arn:aws:ecs:us-east-1:123456789012:task/demo/" + id;
  t.cluster = "demo";
  t.containerInstanceId = "i-1";
  t.taskDefinitionArn = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1";
  t.family = "web";
  t.revision = 1;
  t.lastStatus = "RUNNING";
  t.desiredStatus = "RUNNING";
  t.overrides = {{"containerOverrides", json::array()}};
  TaskContainer c;
  c.arn = "arn:aws:ecs:us-east-1:123456789012:container/demo/" + id + "/app";
  c.name = "app";
  c.image = "nginx";
  c.lastStatus = "RUNNING";
  c.networkBindings = json::array({{{"hostPort", 32768}, {"containerPort", 80}}});
  c.exitCode = 0;
  c.memory = 128;
  t.containers = {c};
  t.group = "family:web";
  t.startedBy = "me";
  t.createdAt = 1700000000.5;
  t.startedAt = 1700000001.5;
  t.tags = {{"k", "v"}};
  t.held = {256, 128, {32768}, {}};
  t.version = 3;
  return t;
}

TYPED_TEST(StoreTest, InstancesAndTasksRoundTripAndRemovedTasksAreGone) {
  {
    auto store = this->open();
    ASSERT_TRUE(store);
    ChangeSet changes;
    changes.of<ContainerInstance>().put = {sampleInstance("i-1")};
    changes.of<Task>().put = {sampleTask("t-1"), sampleTask("t-2")};
    ASSERT_TRUE(store->commit(changes).ok());
    ChangeSet removal;
    removal.of<Task>().removed = {"t-1"};
    ASSERT_TRUE(store->commit(removal).ok());
  }
  auto store = this->open();
  ASSERT_TRUE(store);
  const StoredState state = this->load(*store);
  ASSERT_EQ(state.of<ContainerInstance>().size(), 1u);
  const ContainerInstance& i = state.of<ContainerInstance>()[0];
  const ContainerInstance expected = sampleInstance("i-1");
  EXPECT_EQ(i.arn, expected.arn);
  EXPECT_EQ(i.status, expected.status);
  EXPECT_EQ(i.registered.tcpPorts, expected.registered.tcpPorts);
  EXPECT_EQ(i.registered.udpPorts, expected.registered.udpPorts);
  ASSERT_EQ(i.attributes.size(), 2u);
  EXPECT_EQ(i.attributes[1].value, std::nullopt);
  EXPECT_EQ(i.versionInfo, expected.versionInfo);
  EXPECT_EQ(i.tags, expected.tags);
  EXPECT_EQ(i.version, 7);
  ASSERT_EQ(state.of<Task>().size(), 1u);
  const Task& t = state.of<Task>()[0];
  EXPECT_EQ(t.id, "t-2");
  EXPECT_EQ(t.containerInstanceId, "i-1");
  EXPECT_EQ(t.startedAt, 1700000001.5);
  EXPECT_EQ(t.stoppedAt, std::nullopt);
  ASSERT_EQ(t.containers.size(), 1u);
  EXPECT_EQ(t.containers[0].exitCode, 0);
  EXPECT_EQ(t.containers[0].memory, 128);
  EXPECT_EQ(t.containers[0].networkBindings, sampleTask("t-2").containers[0].networkBindings);
  EXPECT_EQ(t.held.tcpPorts, (PortList{32768}));
  EXPECT_EQ(t.tags, sampleTask("t-2").tags);
}

TYPED_TEST(StoreTest, IamIdentitiesSurviveReopen) {
  IamUser user{"ci", "/team/", "AIDAEXAMPLE", "arn:aws:iam::123456789012:user/team/ci", 1700000000.5,
               {{"team", "build"}}, {{"run", R"({"Version":"2012-10-17","Statement":[]})"}},
               {"arn:aws:iam::aws:policy/AmazonECS_FullAccess"}, {"devs"}, {"AKIAEXAMPLE"}};
  IamGroup group{"devs", "/", "AGPAEXAMPLE", "arn:aws:iam::123456789012:group/devs", 1700000001,
                 {{"deny", "{}"}}, {}, {"ci"}};
  IamAccessKey key{"AKIAEXAMPLE", "ci", "c2VhbGVk", "Inactive", 1700000002};
  IamManagedPolicy policy;
  policy.arn = "arn:aws:iam::123456789012:policy/web";
  policy.name = "web";
  policy.id = "ANPAEXAMPLE";
  policy.versions = {{"v1", "{}", 1}, {"v3", "{ }", 3}};
  policy.defaultVersion = "v3";
  policy.nextVersion = 4;
  policy.attachmentCount = 2;
  {
    auto store = this->open();
    ASSERT_TRUE(store);
    ChangeSet changes;
    changes.of<IamUser>().put.push_back(user);
    changes.of<IamGroup>().put.push_back(group);
    changes.of<IamAccessKey>().put.push_back(key);
    changes.of<IamManagedPolicy>().put.push_back(policy);
    ASSERT_TRUE(store->commit(changes).ok());
  }
  auto store = this->open();
  ASSERT_TRUE(store);
  const StoredState state = this->load(*store);
  ASSERT_EQ(state.of<IamUser>().size(), 1u);
  EXPECT_EQ(Codec<IamUser>::encode(state.of<IamUser>()[0]), Codec<IamUser>::encode(user));
  ASSERT_EQ(state.of<IamGroup>().size(), 1u);
  EXPECT_EQ(Codec<IamGroup>::encode(state.of<IamGroup>()[0]), Codec<IamGroup>::encode(group));
  ASSERT_EQ(state.of<IamAccessKey>().size(), 1u);
  EXPECT_EQ(Codec<IamAccessKey>::encode(state.of<IamAccessKey>()[0]),
            Codec<IamAccessKey>::encode(key));
  ASSERT_EQ(state.of<IamManagedPolicy>().size(), 1u);
  EXPECT_EQ(Codec<IamManagedPolicy>::encode(state.of<IamManagedPolicy>()[0]),
            Codec<IamManagedPolicy>::encode(policy));
}

}  // namespace
}  // namespace ecsd
