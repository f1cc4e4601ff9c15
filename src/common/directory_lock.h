// One process per data directory: two ecsd serving one database would each
// keep their own state in memory and diverge.
#pragma once

#include <filesystem>
#include <memory>

#include "ecsd/result.h"

namespace ecsd::files {

// Holds an exclusive flock on DIR/lock, which names the holder's pid. The
// kernel releases it when the process ends, also on kill -9, so a crash never
// leaves the directory locked.
class DirectoryLock {
 public:
  // Fails with "data directory DIR is in use by ecsd pid N" while another
  // process holds it.
  static Result<DirectoryLock> acquire(const std::filesystem::path& dir);

  DirectoryLock(DirectoryLock&&) noexcept;
  DirectoryLock& operator=(DirectoryLock&&) noexcept;
  ~DirectoryLock();

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace ecsd::files
