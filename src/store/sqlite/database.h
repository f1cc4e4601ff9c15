// A thin RAII layer over the SQLite C API, for the store's own use.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ecsd/result.h"
#include "ecsd/store/record.h"

namespace ecsd::store {

class Statement {
 public:
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}

  // Binds positionally from 1; a nullopt binds NULL.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::optional<double> value);
  Statement& bind(int index, const Value& value);

  // Advances: true with a row ready, false when done.
  Result<bool> step();
  // Runs to completion, for statements without rows, and resets for reuse.
  Status run();

  std::string text(int column) const;
  std::int64_t integer(int column) const;
  std::optional<double> real(int column) const;
  Value value(int column) const;  // as SQLite typed it

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  sqlite3* db_;
};

class Database {
 public:
  static Result<Database> open(const std::string& path);

  // Runs one or more statements that return no rows.
  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  // The same, prepared once and kept for the connection's life: the write
  // path runs the same few statements on every commit.
  Result<Statement*> cached(std::string_view sql);
  Error error(std::string_view what) const;  // a ServerException naming SQLite's message
  sqlite3* handle() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
  std::map<std::string, Statement, std::less<>> cache_;  // finalized before db_ closes
};

}  // namespace ecsd::store
