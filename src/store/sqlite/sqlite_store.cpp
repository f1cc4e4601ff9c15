// The SQLite store: WAL journal, numbered migrations (user_version counts
// them), STRICT tables, one transaction per commit, and a checkpointer that
// copies the log off the write path. Statements are generated from each
// table's schema (its codec), so a new table needs only its migration.
#include "ecsd/store/sqlite_store.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <map>
#include <string>
#include <vector>

#include "common/embedded_file.h"
#include "ecsd/errors.h"
#include "store/record_store.h"
#include "store/sqlite/checkpointer.h"
#include "store/sqlite/database.h"

namespace ecsd {

namespace {

using store::Database;
using store::Record;
using store::TableSchema;

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

// Applies each schema/sqlite/NNN_*.sql newer than the database, each in its
// own transaction together with the version bump, so a crash never leaves
// half a migration.
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

std::string joined(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

// The statements of one table, written once from its schema.
struct TableSql {
  std::string select;  // every column, in key order
  std::string upsert;  // ?1.. in column order
  std::string remove;  // ?1.. the key columns
};

TableSql sqlFor(const TableSchema& t) {
  std::vector<std::string> params, keys, keyMatch, updates;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    std::string param(1, '?');  // appended, not "?" + ...: GCC 12 warns falsely (-Wrestrict)
    param += std::to_string(i + 1);
    params.push_back(param);
    if (i < t.keys) {
      keys.push_back(t.columns[i]);
      keyMatch.push_back(t.columns[i] + " = " + param);
    } else {
      updates.push_back(t.columns[i] + " = " + param);
    }
  }
  const std::string columns = joined(t.columns, ", ");
  return {"SELECT " + columns + " FROM " + t.name + " ORDER BY " + joined(keys, ", "),
          "INSERT INTO " + t.name + " (" + columns + ") VALUES (" + joined(params, ", ") +
              ") ON CONFLICT (" + joined(keys, ", ") + ") DO UPDATE SET " + joined(updates, ", "),
          "DELETE FROM " + t.name + " WHERE " + joined(keyMatch, " AND ")};
}

class SqliteStore final : public store::RecordStore {
 public:
  SqliteStore(Database db, std::unique_ptr<store::Checkpointer> checkpointer)
      : db_(std::move(db)), checkpointer_(std::move(checkpointer)) {}

 private:
  Status scan(const TableSchema& table, const Batch& batch) override {
    // A batch bounds the text held at once.
    constexpr std::size_t kBatch = 16384;
    auto stmt = db_.prepare(sql(table).select);
    if (!stmt) return stmt.error();
    const int columns = static_cast<int>(table.columns.size());
    std::vector<Record> records;
    auto row = stmt->step();
    for (; row && *row; row = stmt->step()) {
      Record& record = records.emplace_back();
      record.reserve(table.columns.size());
      for (int c = 0; c < columns; ++c) record.push_back(stmt->value(c));
      if (records.size() == kBatch) batch(records);
    }
    if (!row) return row.error();  // a failed step is an error, not the end of the table
    batch(records);
    return {};
  }

  Status begin() override { return run("BEGIN IMMEDIATE"); }
  Status commitTransaction() override { return run("COMMIT"); }
  void rollback() override { (void)run("ROLLBACK"); }

  Status upsert(const TableSchema& table, const Record& record) override {
    return runWith(sql(table).upsert, record);
  }

  Status remove(const TableSchema& table, const Record& key) override {
    return runWith(sql(table).remove, key);
  }

  const TableSql& sql(const TableSchema& table) {
    auto it = sql_.find(&table);
    if (it == sql_.end()) it = sql_.emplace(&table, sqlFor(table)).first;
    return it->second;
  }

  Status runWith(const std::string& sql, const Record& values) {
    auto stmt = db_.cached(sql);
    if (!stmt) return stmt.error();
    for (std::size_t i = 0; i < values.size(); ++i) {
      (*stmt)->bind(static_cast<int>(i + 1), values[i]);
    }
    return (*stmt)->run();
  }

  Status run(std::string_view sql) {
    auto stmt = db_.cached(sql);
    return stmt ? (*stmt)->run() : Status(stmt.error());
  }

  Database db_;
  std::map<const TableSchema*, TableSql> sql_;  // schemas are static: their address is theirs
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
