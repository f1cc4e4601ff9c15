#include "store/record_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <string>
#include <thread>

#include "ecsd/errors.h"

namespace ecsd::store {

namespace {

// Decodes the records in order, appending to `out`, spread over the cores:
// parsing documents is most of a restart's time. Rethrows what a decode throws.
template <class Row>
void decodeAll(std::vector<Record>& records, std::vector<Row>& out) {
  const std::size_t first = out.size();
  out.resize(first + records.size());
  const std::size_t workers = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
  const std::size_t share = (records.size() + workers - 1) / workers;
  std::vector<std::exception_ptr> failures(workers);
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers && w * share < records.size(); ++w) {
    threads.emplace_back([&, w] {
      try {
        const std::size_t end = std::min(records.size(), (w + 1) * share);
        for (std::size_t i = w * share; i < end; ++i) {
          out[first + i] = Codec<Row>::decode(std::move(records[i]));
        }
      } catch (...) {
        failures[w] = std::current_exception();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  records.clear();
  for (const auto& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

}  // namespace

Result<StoredState> RecordStore::load() {
  std::lock_guard lock(mutex_);
  StoredState stored;
  Status status;
  try {
    forEachTable(stored.tables, [&]<class Row>(std::vector<Row>& rows) {
      if (!status) return;
      status =
          scan(Codec<Row>::schema(), [&](std::vector<Record>& batch) { decodeAll(batch, rows); });
    });
  } catch (const std::exception& e) {
    return errors::server(std::string("stored document is corrupt: ") + e.what());
  }
  if (!status) return status.error();
  return stored;
}

Status RecordStore::commit(const ChangeSet& changes) {
  if (changes.empty()) return {};
  std::lock_guard lock(mutex_);
  if (auto st = begin(); !st) return st;
  Status written = write(changes);
  if (written) written = commitTransaction();
  if (!written) {
    rollback();
    spdlog::error("msg=\"commit failed\" error={}", written.error().message);
  }
  return written;
}

Status RecordStore::write(const ChangeSet& changes) {
  Status status;
  forEachTable(changes.tables, [&]<class Row>(const RowChanges<Row>& table) {
    const TableSchema& schema = Codec<Row>::schema();
    for (const Row& row : table.put) {
      if (!status) return;
      status = upsert(schema, Codec<Row>::encode(row));
    }
    for (const auto& key : table.removed) {
      if (!status) return;
      status = remove(schema, Codec<Row>::encodeKey(key));
    }
  });
  return status;
}

}  // namespace ecsd::store
