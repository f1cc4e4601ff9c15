// Copies the write-ahead log into the database file on its own thread and
// connection. SQLite would otherwise do it inside a commit every 1,000 pages,
// and commits run one at a time: every write then waited for the copy and
// its fsync.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "ecsd/result.h"
#include "store/sqlite/database.h"

namespace ecsd::store {

class Checkpointer {
 public:
  // Opens its own connection to the database at path and starts.
  static Result<std::unique_ptr<Checkpointer>> start(const std::string& path);
  ~Checkpointer();  // stops after the checkpoint in progress, if any

 private:
  explicit Checkpointer(Database db);
  void run();

  Database db_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace ecsd::store
