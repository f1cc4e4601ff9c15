// The SQLite store: WAL journal, numbered migrations, one transaction per commit.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/embedded_file.h"
#include "ecsd/errors.h"
#include "ecsd/store/store.h"
#include "store/checkpointer.h"
#include "store/records.h"
#include "store/sqlite.h"

namespace ecsd {

namespace {

using nlohmann::json;
using store::Database;
using store::storedTags;

int migrationVersion(std::string_view fileName) {
  int version = 0;
  std::from_chars(fileName.data(), fileName.data() + fileName.size(), version);
  return version;
}

Result<std::int64_t> userVersion(Database& db) {
  auto stmt = db.prepare("PRAGMA user_version");
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  return stmt->integer(0);
}

// Applies each schema/NNN_*.sql newer than the database, each in its own
// transaction together with the version bump, so a crash never leaves half a
// migration.
Status migrate(Database& db) {
  auto current = userVersion(db);
  if (!current) return current.error();
  for (const auto& file : schemaFiles()) {
    const int version = migrationVersion(file.name);
    if (version <= *current) continue;
    const std::string script = "BEGIN IMMEDIATE;\n" + std::string(file.content) +
                               "\nPRAGMA user_version = " + std::to_string(version) + ";\nCOMMIT;";
    if (auto st = db.exec(script); !st) {
      (void)db.exec("ROLLBACK");
      return errors::server("migration " + std::string(file.name) +
                            " failed: " + st.error().message);
    }
    spdlog::info("msg=\"schema migrated\" version={} file={}", version, file.name);
  }
  return {};
}

json clusterDocument(const Cluster& c) {
  json settings = json::array();
  for (const auto& s : c.settings) settings.push_back({{"name", s.name}, {"value", s.value}});
  return {{"settings", settings},
          {"configuration", c.configuration},
          {"serviceConnectDefaults", c.serviceConnectDefaults},
          {"tags", tagsToJson(c.tags)}};
}

Cluster clusterFromRow(const store::Statement& row) {
  Cluster c;
  c.name = row.text(0);
  c.arn = row.text(1);
  c.status = row.text(2);
  // at() and value() throw on a document of the wrong shape; load() turns
  // that into an error rather than trusting the disk.
  const json doc = json::parse(row.text(3));
  for (const auto& s : doc.at("settings")) c.settings.push_back({s.at("name"), s.at("value")});
  c.configuration = doc.at("configuration");
  c.serviceConnectDefaults = doc.at("serviceConnectDefaults");
  c.tags = storedTags(doc.at("tags"));
  return c;
}

TaskDefinition taskDefinitionFromRow(const store::Statement& row) {
  TaskDefinition t;
  t.family = row.text(0);
  t.revision = static_cast<int>(row.integer(1));
  t.arn = row.text(2);
  t.status = row.text(3);
  t.registeredAt = row.real(4).value_or(0);
  t.deregisteredAt = row.real(5);
  t.deleteRequestedAt = row.real(6);
  t.registeredBy = row.text(7);
  t.body = json::parse(row.text(8));
  t.tags = storedTags(json::parse(row.text(9)));
  return t;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(Database db, std::unique_ptr<store::Checkpointer> checkpointer)
      : db_(std::move(db)), checkpointer_(std::move(checkpointer)) {}

  Result<StoredState> load() override {
    std::lock_guard lock(mutex_);
    StoredState state;
    try {
      auto clusters = db_.prepare("SELECT name, arn, status, document FROM clusters");
      if (!clusters) return clusters.error();
      auto row = clusters->step();
      for (; row && *row; row = clusters->step()) {
        state.clusters.push_back(clusterFromRow(*clusters));
      }
      if (!row) return row.error();  // a failed step is an error, not the end of the table
      auto defs = db_.prepare(
          "SELECT family, revision, arn, status, registered_at, deregistered_at, "
          "delete_requested_at, registered_by, body, tags FROM task_definitions ORDER BY family, "
          "revision");
      if (!defs) return defs.error();
      for (row = defs->step(); row && *row; row = defs->step()) {
        state.taskDefinitions.push_back(taskDefinitionFromRow(*defs));
      }
      if (!row) return row.error();
      if (auto st = loadDocuments("SELECT document FROM container_instances",
                                  state.containerInstances, store::instanceFromRecord);
          !st) {
        return st.error();
      }
      if (auto st = loadDocuments("SELECT document FROM tasks", state.tasks, store::taskFromRecord);
          !st) {
        return st.error();
      }
      auto answers = db_.prepare("SELECT key, answer, recorded_at FROM idempotency");
      if (!answers) return answers.error();
      for (row = answers->step(); row && *row; row = answers->step()) {
        state.answers.emplace_back(answers->text(0),
                                   Answer{answers->text(1), answers->real(2).value_or(0)});
      }
      if (!row) return row.error();
    } catch (const std::exception& e) {
      return errors::server(std::string("stored document is corrupt: ") + e.what());
    }
    return state;
  }

  Status commit(const ChangeSet& changes) override {
    if (changes.empty()) return {};
    std::lock_guard lock(mutex_);
    if (auto st = run("BEGIN IMMEDIATE"); !st) return st;
    Status written = write(changes);
    if (written) written = run("COMMIT");
    if (!written) {
      (void)run("ROLLBACK");
      spdlog::error("msg=\"commit failed\" error={}", written.error().message);
    }
    return written;
  }

 private:
  Status run(std::string_view sql) {
    auto stmt = db_.cached(sql);
    return stmt ? (*stmt)->run() : Status(stmt.error());
  }

  // Runs a one-column SELECT of JSON documents and appends each, converted,
  // to `out`. Parsing is most of a restart's time, so batches of documents
  // are parsed on every core; a batch bounds the text held at once.
  template <class T>
  Status loadDocuments(const char* sql, std::vector<T>& out, T (*convert)(const json&)) {
    auto stmt = db_.prepare(sql);
    if (!stmt) return stmt.error();
    constexpr std::size_t kBatch = 16384;
    std::vector<std::string> batch;
    auto row = stmt->step();
    for (; row && *row; row = stmt->step()) {
      batch.push_back(stmt->text(0));
      if (batch.size() == kBatch) convertAll(batch, out, convert);
    }
    if (!row) return row.error();
    convertAll(batch, out, convert);
    return {};
  }

  // Converts the documents in order, spread over the cores; rethrows what a
  // conversion throws. Empties `documents`.
  template <class T>
  static void convertAll(std::vector<std::string>& documents, std::vector<T>& out,
                         T (*convert)(const json&)) {
    const std::size_t first = out.size();
    out.resize(first + documents.size());
    const std::size_t workers = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
    const std::size_t share = (documents.size() + workers - 1) / workers;
    std::vector<std::exception_ptr> failures(workers);
    std::vector<std::thread> threads;
    for (std::size_t w = 0; w < workers && w * share < documents.size(); ++w) {
      threads.emplace_back([&, w] {
        try {
          const std::size_t end = std::min(documents.size(), (w + 1) * share);
          for (std::size_t i = w * share; i < end; ++i) {
            out[first + i] = convert(json::parse(documents[i]));
          }
        } catch (...) {
          failures[w] = std::current_exception();
        }
      });
    }
    for (auto& thread : threads) thread.join();
    documents.clear();
    for (const auto& failure : failures) {
      if (failure) std::rethrow_exception(failure);
    }
  }

  Status write(const ChangeSet& changes) {
    if (auto st = writeDefinitionsAndClusters(changes); !st) return st;
    auto instances = db_.cached(
        "INSERT INTO container_instances (id, cluster, status, document) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (id) DO UPDATE SET cluster = ?2, status = ?3, document = ?4");
    if (!instances) return instances.error();
    for (const auto& i : changes.containerInstances) {
      (*instances)
          ->bind(1, i.id)
          .bind(2, i.cluster)
          .bind(3, i.status)
          .bind(4, store::toRecord(i).dump());
      if (auto st = (*instances)->run(); !st) return st;
    }
    auto tasks = db_.cached(
        "INSERT INTO tasks (id, cluster, container_instance_id, last_status, document) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET cluster = ?2, "
        "container_instance_id = ?3, last_status = ?4, document = ?5");
    if (!tasks) return tasks.error();
    for (const auto& t : changes.tasks) {
      (*tasks)
          ->bind(1, t.id)
          .bind(2, t.cluster)
          .bind(3, t.containerInstanceId)
          .bind(4, t.lastStatus)
          .bind(5, store::taskRecord(t));
      if (auto st = (*tasks)->run(); !st) return st;
    }
    if (auto st = runEach("DELETE FROM tasks WHERE id = ?1", changes.removedTasks); !st) return st;
    auto answers = db_.cached(
        "INSERT INTO idempotency (key, answer, recorded_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (key) DO UPDATE SET answer = ?2, recorded_at = ?3");
    if (!answers) return answers.error();
    for (const auto& [key, answer] : changes.answers) {
      (*answers)->bind(1, key).bind(2, answer.text).bind(3, answer.recordedAt);
      if (auto st = (*answers)->run(); !st) return st;
    }
    return runEach("DELETE FROM idempotency WHERE key = ?1", changes.forgottenAnswers);
  }

  // Runs a statement of one parameter once for each value.
  Status runEach(std::string_view sql, const std::vector<std::string>& values) {
    auto stmt = db_.cached(sql);
    if (!stmt) return stmt.error();
    for (const auto& value : values) {
      if (auto st = (*stmt)->bind(1, value).run(); !st) return st;
    }
    return {};
  }

  Status writeDefinitionsAndClusters(const ChangeSet& changes) {
    auto clusters = db_.cached(
        "INSERT INTO clusters (name, arn, status, document) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (name) DO UPDATE SET arn = ?2, status = ?3, document = ?4");
    if (!clusters) return clusters.error();
    for (const auto& c : changes.clusters) {
      (*clusters)
          ->bind(1, c.name)
          .bind(2, c.arn)
          .bind(3, c.status)
          .bind(4, clusterDocument(c).dump());
      if (auto st = (*clusters)->run(); !st) return st;
    }
    auto defs = db_.cached(
        "INSERT INTO task_definitions (family, revision, arn, status, registered_at, "
        "deregistered_at, delete_requested_at, registered_by, body, tags) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
        "ON CONFLICT (family, revision) DO UPDATE SET arn = ?3, status = ?4, registered_at = ?5, "
        "deregistered_at = ?6, delete_requested_at = ?7, registered_by = ?8, body = ?9, "
        "tags = ?10");
    if (!defs) return defs.error();
    for (const auto& t : changes.taskDefinitions) {
      (*defs)
          ->bind(1, t.family)
          .bind(2, static_cast<std::int64_t>(t.revision))
          .bind(3, t.arn)
          .bind(4, t.status)
          .bind(5, t.registeredAt)
          .bind(6, t.deregisteredAt)
          .bind(7, t.deleteRequestedAt)
          .bind(8, t.registeredBy)
          .bind(9, t.body.dump())
          .bind(10, tagsToJson(t.tags).dump());
      if (auto st = (*defs)->run(); !st) return st;
    }
    return {};
  }

  std::mutex mutex_;
  Database db_;
  std::unique_ptr<store::Checkpointer> checkpointer_;  // stopped before db_ closes
};

}  // namespace

Result<std::unique_ptr<Store>> openSqliteStore(const std::string& path, Durability durability) {
  auto db = Database::open(path);
  if (!db) return db.error();
  // The checkpointer copies the log into the database, not the commits.
  const std::string pragmas = std::string(
                                  "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; "
                                  "PRAGMA wal_autocheckpoint = 0; ") +
                              (durability == Durability::Full ? "PRAGMA synchronous = FULL;"
                                                              : "PRAGMA synchronous = NORMAL;");
  if (auto st = db->exec(pragmas); !st) return st.error();
  if (auto st = migrate(*db); !st) return st.error();
  auto checkpointer = store::Checkpointer::start(path);
  if (!checkpointer) return checkpointer.error();
  return std::unique_ptr<Store>(
      std::make_unique<SqliteStore>(std::move(*db), std::move(*checkpointer)));
}

}  // namespace ecsd
