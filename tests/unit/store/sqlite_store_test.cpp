// What only the SQLite store has: WAL, migrations and user_version, the
// checkpointer, and what it does with a damaged database. Everything a
// store promises is tested once for every backend in store_test.cpp.
#include "ecsd/store/sqlite_store.h"

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
#include "support/store_samples.h"
#include "support/test_files.h"

namespace ecsd {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using namespace test_support;

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

class SqliteStoreTest : public testing::Test {
 protected:
  fs::path database() const { return dir_.path / "ecsd.db"; }

  std::unique_ptr<Store> open(Durability durability = Durability::Full) {
    return opened(openSqliteStore(database().string(), durability));
  }
  StoredState load(Store& store) { return loaded(store); }

  TempDir dir_;
};

TEST_F(SqliteStoreTest, NewDatabaseIsEmptyMigratedAndInWalMode) {
  auto store = open();
  ASSERT_TRUE(store);
  const StoredState state = load(*store);
  EXPECT_TRUE(state.of<Cluster>().empty());
  EXPECT_TRUE(state.of<TaskDefinition>().empty());

  RawDb raw(database());
  EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.scalar("PRAGMA user_version"), std::to_string(latestSchemaVersion()));
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                       "('clusters', 'task_definitions')"),
            "2");
}

TEST_F(SqliteStoreTest, ReopeningDoesNotMigrateAgain) {
  {
    auto store = open(Durability::Normal);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->commit(changesOf({sampleCluster("demo")}, {})).ok());
  }
  for (int i = 0; i < 3; ++i) {
    auto store = open(i % 2 ? Durability::Normal : Durability::Full);
    ASSERT_TRUE(store);
    EXPECT_EQ(load(*store).of<Cluster>().size(), 1u);
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
      changes.of<TaskDefinition>().put.push_back(sampleDefinition("f", i * 20 + d));
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

TEST_F(SqliteStoreTest, FailedCommitWritesNothingAndLeavesTheStoreUsable) {
  auto store = open();
  ASSERT_TRUE(store);
  RawDb raw(database());
  const std::string createDefinitions =
      raw.scalar("SELECT sql FROM sqlite_master WHERE name = 'task_definitions'");
  ASSERT_FALSE(createDefinitions.empty());
  // The cluster row goes in first; the task definition then fails.
  raw.exec("DROP TABLE task_definitions");

  const ChangeSet changes = changesOf({sampleCluster("demo")}, {sampleDefinition("web", 1)});
  const Status failed = store->commit(changes);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().type, "ServerException");
  EXPECT_EQ(failed.error().httpStatus, 500);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM clusters"), "0");

  // Rolled back, not left open: the next commit starts its own transaction.
  raw.exec(createDefinitions);
  ASSERT_TRUE(store->commit(changes).ok());
  const StoredState state = load(*store);
  EXPECT_EQ(state.of<Cluster>().size(), 1u);
  EXPECT_EQ(state.of<TaskDefinition>().size(), 1u);
}

TEST_F(SqliteStoreTest, CorruptDocumentIsAnErrorNotACrash) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(changesOf({sampleCluster("demo")}, {sampleDefinition("web", 1)})).ok());
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
    ASSERT_TRUE(
        (*store)->commit(changesOf({sampleCluster("demo")}, {sampleDefinition("web", 1)})).ok());
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
      changes.of<TaskDefinition>().put.push_back(definition);
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
  EXPECT_FALSE(loaded.ok()) << "load returned " << loaded->of<TaskDefinition>().size()
                            << " task definitions from an unreadable table";
}

TEST_F(SqliteStoreTest, OpeningAnImpossiblePathFails) {
  const auto store =
      openSqliteStore((dir_.path / "missing-dir" / "ecsd.db").string(), Durability::Full);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().type, "ServerException");
}

// --- State over a Store ---

}  // namespace
}  // namespace ecsd
