// Time as ECS reports it (seconds since the epoch, millisecond precision),
// behind an interface so tests can set it.
#pragma once

#include <chrono>
#include <cstdint>

namespace ecsd {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
  std::uint64_t epochMillis() const {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count());
  }
  // Seconds since the epoch with milliseconds, the form ECS timestamps take.
  double epochSeconds() const { return static_cast<double>(epochMillis()) / 1000.0; }
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
};

}  // namespace ecsd
