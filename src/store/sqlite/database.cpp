#include "store/sqlite/database.h"

#include "ecsd/errors.h"

namespace ecsd::store {

Result<Database> Database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db;
  db.db_.reset(raw);
  if (rc != SQLITE_OK) return db.error("open " + path);
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Status Database::exec(std::string_view sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_.get(), std::string(sql).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return errors::server("sqlite: " + text);
  }
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return error("prepare");
  }
  return Statement(stmt, db_.get());
}

Result<Statement*> Database::cached(std::string_view sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) return &it->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    return error("prepare");
  }
  return &cache_.emplace(std::string(sql), Statement(stmt, db_.get())).first->second;
}

Error Database::error(std::string_view what) const {
  return errors::server("sqlite " + std::string(what) + ": " +
                        (db_ ? sqlite3_errmsg(db_.get()) : "out of memory"));
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(stmt_.get(), index, value);
  return *this;
}

Statement& Statement::bind(int index, std::optional<double> value) {
  if (value) return bind(index, *value);
  sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

Statement& Statement::bind(int index, const Value& value) {
  std::visit(
      [&]<class T>(const T& v) {
        if constexpr (std::is_same_v<T, std::monostate>) {
          sqlite3_bind_null(stmt_.get(), index);
        } else if constexpr (std::is_same_v<T, std::string>) {
          bind(index, std::string_view(v));
        } else {
          bind(index, v);
        }
      },
      value);
  return *this;
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return errors::server(std::string("sqlite step: ") + sqlite3_errmsg(db_));
}

Status Statement::run() {
  auto stepped = step();
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  if (!stepped) return stepped.error();
  return {};
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_.get(), column);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)))
           : std::string();
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

std::optional<double> Statement::real(int column) const {
  if (sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(stmt_.get(), column);
}

Value Statement::value(int column) const {
  switch (sqlite3_column_type(stmt_.get(), column)) {
    case SQLITE_NULL:
      return {};
    case SQLITE_INTEGER:
      return integer(column);
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt_.get(), column);
    default:
      return text(column);
  }
}

}  // namespace ecsd::store
