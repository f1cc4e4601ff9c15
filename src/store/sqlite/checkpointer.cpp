#include "store/sqlite/checkpointer.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace ecsd::store {

namespace {

// Often enough that the log stays some MB at the highest write rates (so a
// restart replays little of it), seldom enough that the database's own fsync
// does not often hold up the commits' fsyncs of the log.
constexpr std::chrono::milliseconds kPeriod{500};

}  // namespace

Result<std::unique_ptr<Checkpointer>> Checkpointer::start(const std::string& path) {
  auto db = Database::open(path);
  if (!db) return db.error();
  // A connection learns that the database is in WAL mode when it first reads
  // it; until then a checkpoint does nothing.
  if (auto st = db->exec("PRAGMA busy_timeout = 5000; SELECT count(*) FROM sqlite_master"); !st) {
    return st.error();
  }
  return std::unique_ptr<Checkpointer>(new Checkpointer(std::move(*db)));
}

Checkpointer::Checkpointer(Database db) : db_(std::move(db)), thread_([this] { run(); }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Checkpointer::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, kPeriod, [this] { return stopping_; })) {
    lock.unlock();
    // PASSIVE: copies what it can without waiting for, or blocking, the writer.
    int logged = 0;
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                             &logged, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      spdlog::warn("msg=\"checkpoint failed\" error=\"{}\"", sqlite3_errmsg(db_.handle()));
    }
    lock.lock();
  }
}

}  // namespace ecsd::store
