// The tests' clock: it stands where the test puts it and moves only when told.
// Safe to read from the threads a test starts.
#pragma once

#include <chrono>
#include <mutex>

#include "ecsd/clock.h"

namespace ecsd::test_support {

class ManualClock final : public Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  explicit ManualClock(TimePoint start) : now_(start) {}

  TimePoint now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void advance(std::chrono::milliseconds by) {
    std::lock_guard lock(mutex_);
    now_ += by;
  }

 private:
  mutable std::mutex mutex_;
  TimePoint now_;
};

}  // namespace ecsd::test_support
