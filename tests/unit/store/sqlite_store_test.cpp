// The SQLite store (openSqliteStore) and the State that sits on a Store.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/embedded_file.h"
#include "crypto/crypto.h"
#include "ecsd/errors.h"
#include "ecsd/state/state.h"
#include "ecsd/store/store.h"
#include "support/test_files.h"

namespace ecsd {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using test_support::TempDir;

// A plain connection to the database, for looking behind the store's back.
class RawDb {
 public:
  explicit RawDb(const fs::path& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) ADD_FAILURE() << sqlite3_errmsg(db_);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (message ? message : "?");
    }
    sqlite3_free(message);
  }
  // The first column of the first row as text ("" when there is no row).
  std::string scalar(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return "";
    }
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, 0);
      out = text ? reinterpret_cast<const char*>(text) : "";
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

int latestSchemaVersion() {
  int latest = 0;
  for (const auto& file : schemaFiles())
    latest = std::max(latest, std::stoi(std::string(file.name)));
  return latest;
}

Cluster sampleCluster(const std::string& name) {
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

TaskDefinition sampleDefinition(const std::string& family, int revision) {
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

void expectSameCluster(const Cluster& actual, const Cluster& expected) {
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

void expectSameDefinition(const TaskDefinition& actual, const TaskDefinition& expected) {
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

class SqliteStoreTest : public testing::Test {
 protected:
  fs::path database() const { return dir_.path / "ecsd.db"; }

  std::unique_ptr<Store> open(Durability durability = Durability::Full) {
    auto store = openSqliteStore(database().string(), durability);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(*store) : nullptr;
  }

  StoredState load(Store& store) {
    auto loaded = store.load();
    EXPECT_TRUE(loaded.ok()) << loaded.error().message;
    return loaded.ok() ? std::move(*loaded) : StoredState{};
  }

  TempDir dir_;
};

TEST_F(SqliteStoreTest, NewDatabaseIsEmptyMigratedAndInWalMode) {
  auto store = open();
  ASSERT_TRUE(store);
  const StoredState state = load(*store);
  EXPECT_TRUE(state.clusters.empty());
  EXPECT_TRUE(state.taskDefinitions.empty());

  RawDb raw(database());
  EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.scalar("PRAGMA user_version"), std::to_string(latestSchemaVersion()));
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                       "('clusters', 'task_definitions')"),
            "2");
}

TEST_F(SqliteStoreTest, CommittedValuesSurviveReopenIdentically) {
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
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->commit({{active, inactive}, {plain, deregistered}}).ok());
    ASSERT_TRUE(store->commit({{}, {deleting}}).ok());
  }
  auto store = open();
  ASSERT_TRUE(store);
  const StoredState state = load(*store);

  ASSERT_EQ(state.clusters.size(), 2u);
  for (const auto& c : state.clusters) expectSameCluster(c, c.name == "demo" ? active : inactive);

  // Ordered by family, then revision.
  ASSERT_EQ(state.taskDefinitions.size(), 3u);
  expectSameDefinition(state.taskDefinitions[0], deleting);
  expectSameDefinition(state.taskDefinitions[1], plain);
  expectSameDefinition(state.taskDefinitions[2], deregistered);
}

TEST_F(SqliteStoreTest, AnswersKeepWhenTheyWereRecordedAndForgottenOnesAreDeleted) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    ChangeSet recorded;
    recorded.answers = {{"RunTask:demo:a", {R"({"taskIds":[]})", 1700000000.5}},
                        {"RunTask:demo:b", {"{}", 1700000001.0}}};
    ASSERT_TRUE(store->commit(recorded).ok());
    ChangeSet forgotten;
    forgotten.forgottenAnswers = {"RunTask:demo:a"};
    ASSERT_TRUE(store->commit(forgotten).ok());
  }
  auto store = open();
  ASSERT_TRUE(store);
  const StoredState state = load(*store);
  ASSERT_EQ(state.answers.size(), 1u);
  EXPECT_EQ(state.answers[0].first, "RunTask:demo:b");
  EXPECT_EQ(state.answers[0].second.text, "{}");
  EXPECT_EQ(state.answers[0].second.recordedAt, 1700000001.0);
}

TEST_F(SqliteStoreTest, RevisionsLoadInNumericOrder) {
  auto store = open();
  ASSERT_TRUE(store);
  ChangeSet changes;
  for (int revision : {10, 9, 2, 1})
    changes.taskDefinitions.push_back(sampleDefinition("web", revision));
  ASSERT_TRUE(store->commit(changes).ok());
  const StoredState state = load(*store);
  ASSERT_EQ(state.taskDefinitions.size(), 4u);
  EXPECT_EQ(state.taskDefinitions[0].revision, 1);
  EXPECT_EQ(state.taskDefinitions[1].revision, 2);
  EXPECT_EQ(state.taskDefinitions[2].revision, 9);
  EXPECT_EQ(state.taskDefinitions[3].revision, 10);
}

TEST_F(SqliteStoreTest, CommitReplacesByKey) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->commit({{sampleCluster("demo")}, {sampleDefinition("web", 1)}}).ok());

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
    ASSERT_TRUE(store->commit({{changed}, {replaced}}).ok());

    const StoredState state = load(*store);
    ASSERT_EQ(state.clusters.size(), 1u);
    expectSameCluster(state.clusters[0], changed);
    ASSERT_EQ(state.taskDefinitions.size(), 1u);
    expectSameDefinition(state.taskDefinitions[0], replaced);
  }
  // And what memory would now hold is what a restart finds.
  auto store = open();
  ASSERT_TRUE(store);
  const StoredState state = load(*store);
  ASSERT_EQ(state.taskDefinitions.size(), 1u);
  EXPECT_EQ(state.taskDefinitions[0].registeredBy, "arn:aws:iam::123456789012:user/other");
  EXPECT_EQ(state.taskDefinitions[0].registeredAt, 1800000000.5);
}

TEST_F(SqliteStoreTest, ClearingOptionalTimestampsStoresNull) {
  auto store = open();
  ASSERT_TRUE(store);
  TaskDefinition definition = sampleDefinition("web", 1);
  definition.deregisteredAt = 5.0;
  definition.deleteRequestedAt = 6.0;
  ASSERT_TRUE(store->commit({{}, {definition}}).ok());
  definition.deregisteredAt.reset();
  definition.deleteRequestedAt.reset();
  ASSERT_TRUE(store->commit({{}, {definition}}).ok());
  const StoredState state = load(*store);
  ASSERT_EQ(state.taskDefinitions.size(), 1u);
  EXPECT_EQ(state.taskDefinitions[0].deregisteredAt, std::nullopt);
  EXPECT_EQ(state.taskDefinitions[0].deleteRequestedAt, std::nullopt);
}

TEST_F(SqliteStoreTest, ReopeningDoesNotMigrateAgain) {
  {
    auto store = open(Durability::Normal);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->commit({{sampleCluster("demo")}, {}}).ok());
  }
  for (int i = 0; i < 3; ++i) {
    auto store = open(i % 2 ? Durability::Normal : Durability::Full);
    ASSERT_TRUE(store);
    EXPECT_EQ(load(*store).clusters.size(), 1u);
  }
  RawDb raw(database());
  EXPECT_EQ(raw.scalar("PRAGMA user_version"), std::to_string(latestSchemaVersion()));
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM clusters"), "1");
}

TEST_F(SqliteStoreTest, FailedMigrationIsReportedAndRolledBack) {
  {
    // A database that claims no migrations but already has a conflicting table.
    RawDb raw(database());
    raw.exec("CREATE TABLE task_definitions (x TEXT)");
  }
  auto store = openSqliteStore(database().string(), Durability::Full);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().type, "ServerException");
  EXPECT_NE(store.error().message.find("migration"), std::string::npos) << store.error().message;

  RawDb raw(database());
  EXPECT_EQ(raw.scalar("PRAGMA user_version"), "0");
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'clusters'"), "0");
}

// Commits do not copy the log into the database file (a commit that did
// would hold up every write behind it); the store's checkpointer does, on its
// own thread, while the writer goes on.
TEST_F(SqliteStoreTest, TheLogIsCopiedIntoTheDatabaseOffTheWritePath) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto sizeBefore = fs::file_size(database());
  for (int i = 0; i < 50; ++i) {
    ChangeSet changes;
    for (int d = 1; d <= 20; ++d)
      changes.taskDefinitions.push_back(sampleDefinition("f", i * 20 + d));
    ASSERT_TRUE(store->commit(changes).ok());
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (fs::file_size(database()) <= sizeBefore && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(fs::file_size(database()), sizeBefore);
  RawDb raw(database());
  EXPECT_EQ(raw.scalar("PRAGMA wal_autocheckpoint"), "1000");  // the raw connection's own
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM task_definitions"), "1000");
}

TEST_F(SqliteStoreTest, EmptyCommitIsOk) {
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->commit({}).ok());
  EXPECT_TRUE(load(*store).clusters.empty());
}

TEST_F(SqliteStoreTest, FailedCommitWritesNothingAndLeavesTheStoreUsable) {
  auto store = open();
  ASSERT_TRUE(store);
  RawDb raw(database());
  const std::string createDefinitions =
      raw.scalar("SELECT sql FROM sqlite_master WHERE name = 'task_definitions'");
  ASSERT_FALSE(createDefinitions.empty());
  // The cluster row goes in first; the task definition then fails.
  raw.exec("DROP TABLE task_definitions");

  const ChangeSet changes{{sampleCluster("demo")}, {sampleDefinition("web", 1)}};
  const Status failed = store->commit(changes);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().type, "ServerException");
  EXPECT_EQ(failed.error().httpStatus, 500);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM clusters"), "0");

  // Rolled back, not left open: the next commit starts its own transaction.
  raw.exec(createDefinitions);
  ASSERT_TRUE(store->commit(changes).ok());
  const StoredState state = load(*store);
  EXPECT_EQ(state.clusters.size(), 1u);
  EXPECT_EQ(state.taskDefinitions.size(), 1u);
}

TEST_F(SqliteStoreTest, CorruptDocumentIsAnErrorNotACrash) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit({{sampleCluster("demo")}, {sampleDefinition("web", 1)}}).ok());
  RawDb raw(database());
  raw.exec("UPDATE clusters SET document = '{not json'");
  const auto loaded = store->load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().type, "ServerException");
}

TEST_F(SqliteStoreTest, DocumentOfTheWrongShapeIsAnErrorNotACrash) {
  for (const char* update :
       {"UPDATE clusters SET document = '{\"settings\": []}'",
        "UPDATE clusters SET document = '{\"settings\": [], \"configuration\": null, "
        "\"serviceConnectDefaults\": null, \"tags\": 7}'",
        "UPDATE task_definitions SET tags = '[{\"key\": 1}]'"}) {
    TempDir dir;
    auto store = openSqliteStore((dir.path / "shape.db").string(), Durability::Normal);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->commit({{sampleCluster("demo")}, {sampleDefinition("web", 1)}}).ok());
    RawDb(dir.path / "shape.db").exec(update);
    const auto loaded = (*store)->load();
    ASSERT_FALSE(loaded.ok()) << update;
    EXPECT_EQ(loaded.error().type, "ServerException");
  }
}

TEST_F(SqliteStoreTest, UnreadableRowsAreAnErrorNotAShorterState) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    ChangeSet changes;
    for (int revision = 1; revision <= 40; ++revision) {
      TaskDefinition definition = sampleDefinition("web", revision);
      definition.body["padding"] = std::string(2000, 'x');  // spread over many pages
      changes.taskDefinitions.push_back(definition);
    }
    ASSERT_TRUE(store->commit(changes).ok());
  }
  long pageSize = 0;
  long rootPage = 0;
  {
    RawDb raw(database());
    pageSize = std::stol(raw.scalar("PRAGMA page_size"));
    rootPage =
        std::stol(raw.scalar("SELECT rootpage FROM sqlite_master WHERE name = "
                             "'task_definitions'"));
  }
  ASSERT_GT(rootPage, 1);
  ASSERT_FALSE(fs::exists(database().string() + "-wal") &&
               fs::file_size(database().string() + "-wal") > 0);
  {
    // Overwrite the table's root page: schema and header stay readable.
    std::fstream file(database(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp((rootPage - 1) * pageSize);
    const std::string garbage(static_cast<std::size_t>(pageSize), '\xff');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto store = openSqliteStore(database().string(), Durability::Full);
  ASSERT_TRUE(store.ok()) << store.error().message;
  const auto loaded = (*store)->load();
  EXPECT_FALSE(loaded.ok()) << "load returned " << loaded->taskDefinitions.size()
                            << " task definitions from an unreadable table";
}

TEST_F(SqliteStoreTest, OpeningAnImpossiblePathFails) {
  const auto store =
      openSqliteStore((dir_.path / "missing-dir" / "ecsd.db").string(), Durability::Full);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().type, "ServerException");
}

// --- State over a Store ---

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

TaskDefinition definition(const std::string& family, int revision,
                          const std::string& status = "ACTIVE") {
  TaskDefinition t = sampleDefinition(family, revision);
  t.status = status;
  return t;
}

std::unique_ptr<State> loadState(Store& store) {
  auto state = State::load(store);
  EXPECT_TRUE(state.ok()) << state.error().message;
  return state.ok() ? std::move(*state) : nullptr;
}

bool hasCluster(const State& state, const std::string& name) {
  return state.read([&](const Data& data) { return data.cluster(name) != nullptr; });
}

TEST(StateTest, LoadIndexesWhatTheStoreHolds) {
  FakeStore store;
  store.stored.clusters = {sampleCluster("a"), sampleCluster("b")};
  store.stored.taskDefinitions = {definition("web", 1), definition("web", 2, "INACTIVE"),
                                  definition("api", 1)};
  auto state = loadState(store);
  ASSERT_TRUE(state);
  state->read([](const Data& data) {
    EXPECT_EQ(data.clusters.size(), 2u);
    EXPECT_EQ(data.families.size(), 2u);
    EXPECT_EQ(data.families.at("web").size(), 2u);
    ASSERT_NE(data.cluster("a"), nullptr);
    EXPECT_EQ(data.cluster("a")->arn, sampleCluster("a").arn);
    EXPECT_EQ(data.cluster("c"), nullptr);
    ASSERT_NE(data.taskDefinition("web", 2), nullptr);
    EXPECT_EQ(data.taskDefinition("web", 2)->status, "INACTIVE");
    EXPECT_EQ(data.taskDefinition("web", 3), nullptr);
    EXPECT_EQ(data.taskDefinition("nope", 1), nullptr);
    ASSERT_NE(data.latestActive("web"), nullptr);
    EXPECT_EQ(data.latestActive("web")->revision, 1);
    EXPECT_EQ(data.latestActive("nope"), nullptr);
    EXPECT_TRUE(data.counts("a").empty());
  });
}

TEST(StateTest, LoadFailureIsReturned) {
  FakeStore store;
  store.failLoad = errors::server("disk on fire");
  auto state = State::load(store);
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.error().message, "disk on fire");
}

TEST(StateTest, WriteCommitsBeforeItApplies) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  bool visibleDuringCommit = true;
  store.onCommit = [&](const ChangeSet&) { visibleDuringCommit = hasCluster(*state, "demo"); };

  auto result = state->write([](Draft& draft) -> Result<int> {
    draft.put(sampleCluster("demo"));
    return 42;
  });
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, 42);
  EXPECT_FALSE(visibleDuringCommit);
  EXPECT_TRUE(hasCluster(*state, "demo"));
  ASSERT_EQ(store.commits.size(), 1u);
  ASSERT_EQ(store.commits[0].clusters.size(), 1u);
  EXPECT_EQ(store.commits[0].clusters[0].name, "demo");
  EXPECT_TRUE(store.commits[0].taskDefinitions.empty());
}

TEST(StateTest, FailedChangeCommitsAndAppliesNothing) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  auto result = state->write([](Draft& draft) -> Result<int> {
    draft.put(sampleCluster("demo"));
    draft.put(definition("web", 1));
    return errors::client("no");
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().type, "ClientException");
  EXPECT_TRUE(store.commits.empty());
  EXPECT_FALSE(hasCluster(*state, "demo"));
  EXPECT_TRUE(state->read([](const Data& data) { return data.families.empty(); }));
}

TEST(StateTest, FailedCommitAppliesNothing) {
  FakeStore store;
  store.stored.clusters = {sampleCluster("demo")};
  auto state = loadState(store);
  ASSERT_TRUE(state);
  store.failCommit = errors::server("sqlite: disk I/O error");
  auto result = state->write([](Draft& draft) -> Result<int> {
    Cluster changed = *draft.cluster("demo");
    changed.status = "INACTIVE";
    draft.put(changed);
    draft.put(sampleCluster("other"));
    draft.put(definition("web", 1));
    return 1;
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().type, "ServerException");
  EXPECT_EQ(result.error().message, "sqlite: disk I/O error");
  EXPECT_TRUE(store.commits.empty());
  state->read([](const Data& data) {
    EXPECT_EQ(data.cluster("demo")->status, "ACTIVE");
    EXPECT_EQ(data.cluster("other"), nullptr);
    EXPECT_TRUE(data.families.empty());
  });
  // The next write starts from committed state, not the failed draft.
  store.failCommit.reset();
  auto next = state->write([](Draft& draft) -> Result<std::string> {
    EXPECT_EQ(draft.cluster("other"), nullptr);
    EXPECT_EQ(draft.nextRevision("web"), 1);
    return draft.cluster("demo")->status;
  });
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, "ACTIVE");
}

TEST(StateTest, ReadsDuringAWriteSeeOnlyCommittedState) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  auto result = state->write([&](Draft& draft) -> Result<bool> {
    draft.put(sampleCluster("demo"));
    EXPECT_NE(draft.cluster("demo"), nullptr);
    return hasCluster(*state, "demo");
  });
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(*result);
  EXPECT_TRUE(hasCluster(*state, "demo"));
}

TEST(StateTest, WritesBuildOnEachOther) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  for (int expected = 1; expected <= 3; ++expected) {
    auto revision = state->write([](Draft& draft) -> Result<int> {
      TaskDefinition t = definition("web", draft.nextRevision("web"));
      draft.put(t);
      return t.revision;
    });
    ASSERT_TRUE(revision.ok());
    EXPECT_EQ(*revision, expected);
  }
  EXPECT_EQ(store.commits.size(), 3u);
  EXPECT_EQ(state->read([](const Data& data) { return data.latestActive("web")->revision; }), 3);
}

TEST(StateTest, WorksOverTheSqliteStore) {
  TempDir dir;
  const std::string path = (dir.path / "ecsd.db").string();
  {
    auto store = openSqliteStore(path, Durability::Full);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto state = loadState(**store);
    ASSERT_TRUE(state);
    auto written = state->write([](Draft& draft) -> Result<bool> {
      draft.put(sampleCluster("demo"));
      draft.put(definition("web", 1));
      return true;
    });
    ASSERT_TRUE(written.ok()) << written.error().message;
  }
  auto store = openSqliteStore(path, Durability::Full);
  ASSERT_TRUE(store.ok());
  auto state = loadState(**store);
  ASSERT_TRUE(state);
  EXPECT_TRUE(hasCluster(*state, "demo"));
  EXPECT_EQ(state->read([](const Data& data) { return data.latestActive("web")->arn; }),
            definition("web", 1).arn);
}

TEST(StateTest, ConcurrentWritersAllLandAndShareCommits) {
  TempDir dir;
  auto store = openSqliteStore((dir.path / "ecsd.db").string(), Durability::Full);
  ASSERT_TRUE(store.ok());
  auto state = loadState(**store);
  ASSERT_TRUE(state);
  constexpr int kThreads = 16;
  constexpr int kWrites = 20;
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        const auto written = state->write([&](Draft& draft) -> Result<bool> {
          draft.put(sampleCluster("c" + std::to_string(t * kWrites + i)));
          return true;
        });
        if (written.ok()) ++acknowledged;
      }
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(acknowledged.load(), kThreads * kWrites);
  EXPECT_EQ(state->read([](const Data& data) { return data.clusters.size(); }),
            static_cast<std::size_t>(kThreads * kWrites));
  // Writers that arrived together shared a commit (a disk sync each at most).
  EXPECT_LT(state->commits(), static_cast<std::uint64_t>(kThreads * kWrites));
  auto reopened = loadState(**store);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->read([](const Data& data) { return data.clusters.size(); }),
            static_cast<std::size_t>(kThreads * kWrites));
}

TEST(StateTest, AnExceptionReachesItsCallerAndChangesNothing) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  EXPECT_THROW((void)state->write([](Draft& draft) -> Result<bool> {
    draft.put(sampleCluster("half"));
    throw std::runtime_error("change failed midway");
  }),
               std::runtime_error);
  EXPECT_FALSE(hasCluster(*state, "half"));
  const auto after = state->write([](Draft& draft) -> Result<bool> {
    draft.put(sampleCluster("whole"));
    return true;
  });
  EXPECT_TRUE(after.ok());
  EXPECT_TRUE(hasCluster(*state, "whole"));
}

TEST(StateTest, NoWriterServesOthersForever) {
  // Under a steady stream of writers, each still returns within a few
  // groups: a leader runs one group and hands over.
  FakeStore store;
  store.onCommit = [](const ChangeSet&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  };
  auto state = loadState(store);
  ASSERT_TRUE(state);
  std::atomic<bool> stop{false};
  std::atomic<long> worstMs{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 16; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        const auto start = std::chrono::steady_clock::now();
        (void)state->write([&](Draft& draft) -> Result<bool> {
          draft.put(sampleCluster("w" + std::to_string(t)));
          return true;
        });
        const long ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count();
        long seen = worstMs;
        while (ms > seen && !worstMs.compare_exchange_weak(seen, ms)) {
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (auto& w : writers) w.join();
  EXPECT_LT(worstMs.load(), 1000);
}

TEST(StateTest, AStoreThatThrowsFailsItsGroupAndLaterWritesGoOn) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  store.onCommit = [](const ChangeSet&) { throw std::runtime_error("disk on fire"); };
  EXPECT_THROW((void)state->write([](Draft& draft) -> Result<bool> {
    draft.put(sampleCluster("lost"));
    return true;
  }),
               std::runtime_error);
  EXPECT_FALSE(hasCluster(*state, "lost"));
  store.onCommit = nullptr;
  auto next = std::async(std::launch::async, [&] {
    return state->write([](Draft& draft) -> Result<bool> {
      draft.put(sampleCluster("later"));
      return true;
    });
  });
  ASSERT_EQ(next.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "a later write hangs";
  EXPECT_TRUE(next.get().ok());
  EXPECT_TRUE(hasCluster(*state, "later"));
}

TEST(StateTest, ClusterCountsAndInstanceTaskIdsFollowEveryChange) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  const auto instance = [](const std::string& id, const std::string& status) {
    ContainerInstance i;
    i.id = id;
    i.cluster = "demo";
    i.status = status;
    return i;
  };
  const auto task = [](const std::string& id, const std::string& on, const std::string& status) {
    Task t;
    t.id = id;
    t.cluster = "demo";
    t.containerInstanceId = on;
    t.lastStatus = status;
    return t;
  };
  const auto write = [&](const std::function<void(Draft&)>& change) {
    ASSERT_TRUE(state
                    ->write([&](Draft& draft) -> Result<int> {
                      change(draft);
                      return 0;
                    })
                    .ok());
  };
  write([&](Draft& draft) {
    draft.put(sampleCluster("demo"));
    draft.put(instance("i-1", "ACTIVE"));
    draft.put(instance("i-2", "ACTIVE"));
    draft.put(task("t-1", "i-1", "RUNNING"));
    draft.put(task("t-2", "i-1", "PENDING"));
    draft.put(task("t-3", "i-2", "RUNNING"));
    // The draft counts its own changes before they are committed.
    const ClusterCounts counts = draft.counts("demo");
    EXPECT_EQ(counts.registeredContainerInstances, 2);
    EXPECT_EQ(counts.runningTasks, 2);
    EXPECT_EQ(counts.pendingTasks, 1);
  });
  const auto committed = [&] {
    return state->read([](const Data& data) { return data.counts("demo"); });
  };
  EXPECT_EQ(committed().runningTasks, 2);
  EXPECT_EQ(committed().pendingTasks, 1);
  write([&](Draft& draft) {
    draft.put(task("t-2", "i-1", "RUNNING"));
    draft.put(task("t-1", "i-1", "STOPPED"));
    EXPECT_EQ(draft.counts("demo").runningTasks, 2);
    EXPECT_EQ(draft.counts("demo").pendingTasks, 0);
  });
  EXPECT_EQ(committed().runningTasks, 2);
  EXPECT_EQ(committed().pendingTasks, 0);
  state->read([](const Data& data) {
    EXPECT_EQ(data.taskIdsOn("i-1"), (std::set<std::string>{"t-1", "t-2"}));
    EXPECT_EQ(data.taskIdsOn("i-2"), (std::set<std::string>{"t-3"}));
    return 0;
  });
  // A deregistered instance no longer counts, nor do its tasks; a forgotten
  // task leaves its instance's list.
  write([&](Draft& draft) {
    draft.put(instance("i-2", "INACTIVE"));
    draft.removeTask("t-1");
    EXPECT_EQ(draft.counts("demo").registeredContainerInstances, 1);
  });
  const ClusterCounts after = committed();
  EXPECT_EQ(after.registeredContainerInstances, 1);
  EXPECT_EQ(after.runningTasks, 1);
  state->read([](const Data& data) {
    EXPECT_EQ(data.taskIdsOn("i-1"), (std::set<std::string>{"t-2"}));
    return 0;
  });
  EXPECT_EQ(state->checkAccounting(), std::vector<std::string>{});
}

// --- Draft ---

class DraftTest : public testing::Test {
 protected:
  DraftTest() {
    for (auto t : {definition("web", 1), definition("web", 2), definition("web", 3, "INACTIVE"),
                   definition("old", 4, "DELETE_IN_PROGRESS")}) {
      base_.families[t.family].emplace(t.revision, t);
    }
    base_.clusters.emplace("demo", sampleCluster("demo"));
  }
  Data base_;
};

TEST_F(DraftTest, RollbackUndoesExactlyOneChange) {
  Draft draft(base_);
  ContainerInstance instance;
  instance.id = "i-1";
  instance.cluster = "demo";
  draft.put(instance);
  Task kept;
  kept.id = "t-1";
  kept.cluster = "demo";
  kept.containerInstanceId = "i-1";
  kept.held.memory = 100;
  draft.put(kept);
  const auto mark = draft.mark();
  Task undone = kept;
  undone.id = "t-2";
  undone.held.memory = 500;
  draft.put(undone);
  Task changed = kept;
  changed.lastStatus = "STOPPED";
  draft.put(changed);
  draft.removeTask("t-1");
  draft.put(sampleCluster("other"));
  draft.recordAnswer("RunTask:x", {"{}", 1.0});
  draft.rollback(mark);
  EXPECT_EQ(draft.usage("i-1").memory, 100);
  ASSERT_NE(draft.task("t-1"), nullptr);
  EXPECT_EQ(draft.task("t-1")->lastStatus, "PENDING");
  EXPECT_EQ(draft.task("t-2"), nullptr);
  EXPECT_EQ(draft.cluster("other"), nullptr);
  EXPECT_FALSE(draft.idempotentAnswer("RunTask:x"));
  const ChangeSet changes = draft.changes();
  EXPECT_EQ(changes.tasks.size(), 1u);
  EXPECT_EQ(changes.containerInstances.size(), 1u);
  EXPECT_TRUE(changes.removedTasks.empty());
}

TEST_F(DraftTest, TaskIdsSeeTheWritesOwnTasks) {
  // A check inside a write (DeregisterContainerInstance) must see tasks an
  // earlier write of the same group placed.
  Draft draft(base_);
  Task placed;
  placed.id = "t-new";
  placed.cluster = "demo";
  placed.containerInstanceId = "i-1";
  draft.put(placed);
  EXPECT_TRUE(draft.taskIds("demo").contains("t-new"));
  draft.removeTask("t-new");
  EXPECT_FALSE(draft.taskIds("demo").contains("t-new"));
}

TEST_F(DraftTest, ReadsThroughToTheBase) {
  const Draft draft(base_);
  ASSERT_NE(draft.cluster("demo"), nullptr);
  EXPECT_EQ(draft.cluster("demo"), base_.cluster("demo"));
  EXPECT_EQ(draft.cluster("none"), nullptr);
  EXPECT_EQ(draft.taskDefinition("web", 3), base_.taskDefinition("web", 3));
  EXPECT_EQ(draft.taskDefinition("web", 9), nullptr);
  ASSERT_NE(draft.latestActive("web"), nullptr);
  EXPECT_EQ(draft.latestActive("web")->revision, 2);
  EXPECT_EQ(draft.latestActive("old"), nullptr);
  EXPECT_EQ(draft.latestActive("none"), nullptr);
  EXPECT_TRUE(draft.changes().empty());
}

TEST_F(DraftTest, NextRevisionNeverReusesOne) {
  Draft draft(base_);
  EXPECT_EQ(draft.nextRevision("web"), 4);  // 3 is INACTIVE but taken
  EXPECT_EQ(draft.nextRevision("old"), 5);  // DELETE_IN_PROGRESS still counts
  EXPECT_EQ(draft.nextRevision("new"), 1);
  draft.put(definition("web", 4));
  draft.put(definition("new", 1));
  EXPECT_EQ(draft.nextRevision("web"), 5);
  EXPECT_EQ(draft.nextRevision("new"), 2);
  EXPECT_EQ(draft.nextRevision("we"), 1);  // names are exact, not prefixes
}

TEST_F(DraftTest, OverlayWinsOverTheBase) {
  Draft draft(base_);
  Cluster deleted = sampleCluster("demo");
  deleted.status = "INACTIVE";
  draft.put(deleted);
  draft.put(definition("web", 2, "INACTIVE"));

  EXPECT_EQ(draft.cluster("demo")->status, "INACTIVE");
  EXPECT_EQ(draft.taskDefinition("web", 2)->status, "INACTIVE");
  // latestActive skips the revision this draft deregistered.
  ASSERT_NE(draft.latestActive("web"), nullptr);
  EXPECT_EQ(draft.latestActive("web")->revision, 1);
  // The base is untouched.
  EXPECT_EQ(base_.cluster("demo")->status, "ACTIVE");
  EXPECT_EQ(base_.latestActive("web")->revision, 2);

  draft.put(definition("web", 4));
  EXPECT_EQ(draft.latestActive("web")->revision, 4);
  draft.put(definition("fresh", 1));
  ASSERT_NE(draft.latestActive("fresh"), nullptr);
  EXPECT_EQ(draft.latestActive("fresh")->revision, 1);
}

TEST_F(DraftTest, ChangesHoldOnlyWhatWasPutLastVersionWins) {
  Draft draft(base_);
  draft.put(definition("web", 4));
  draft.put(definition("web", 4, "INACTIVE"));
  draft.put(sampleCluster("new"));
  const ChangeSet changes = draft.changes();
  ASSERT_EQ(changes.clusters.size(), 1u);
  EXPECT_EQ(changes.clusters[0].name, "new");
  ASSERT_EQ(changes.taskDefinitions.size(), 1u);
  EXPECT_EQ(changes.taskDefinitions[0].revision, 4);
  EXPECT_EQ(changes.taskDefinitions[0].status, "INACTIVE");
}

TEST_F(DraftTest, ResolveTaskDefinition) {
  const Draft draft(base_);
  ASSERT_NE(resolveTaskDefinition(draft, "web", std::nullopt), nullptr);
  EXPECT_EQ(resolveTaskDefinition(draft, "web", std::nullopt)->revision, 2);
  // An explicit revision resolves in any status.
  ASSERT_NE(resolveTaskDefinition(draft, "web", 3), nullptr);
  EXPECT_EQ(resolveTaskDefinition(draft, "web", 3)->status, "INACTIVE");
  EXPECT_EQ(resolveTaskDefinition(draft, "web", 5), nullptr);
  EXPECT_EQ(resolveTaskDefinition(draft, "old", std::nullopt), nullptr);
  EXPECT_NE(resolveTaskDefinition(base_, "old", 4), nullptr);
}

}  // namespace
}  // namespace ecsd
