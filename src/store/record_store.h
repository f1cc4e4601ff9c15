// The part of every backend that is the same: a Store over tables of
// records. It encodes each write's rows with their codecs and decodes what
// is stored, on every core; a backend (SQLite, later PostgreSQL) supplies
// only the record operations below, in its own dialect.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "ecsd/store/record.h"
#include "ecsd/store/store.h"

namespace ecsd::store {

class RecordStore : public Store {
 public:
  Result<StoredState> load() final;
  Status commit(const ChangeSet& changes) final;

 protected:
  // Calls `batch` with every record of the table, in key order, a bounded
  // number at a time (it may take them). A failed read is an error, not the
  // end of the table.
  using Batch = std::function<void(std::vector<Record>&)>;
  virtual Status scan(const TableSchema& table, const Batch& batch) = 0;

  // One transaction: begin, then upserts and removals, then commit (durable
  // once it returns ok) or rollback.
  virtual Status begin() = 0;
  virtual Status upsert(const TableSchema& table, const Record& record) = 0;
  virtual Status remove(const TableSchema& table, const Record& key) = 0;
  virtual Status commitTransaction() = 0;
  virtual void rollback() = 0;

 private:
  Status write(const ChangeSet& changes);

  std::mutex mutex_;  // one load or commit at a time
};

}  // namespace ecsd::store
