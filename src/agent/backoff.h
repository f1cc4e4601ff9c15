// Retrying politely: delays that double up to a ceiling, with jitter so that
// many agents coming back at once do not retry in step; and a stop signal
// that wakes every sleeper at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>

namespace ecsd::agent {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds ceiling)
      : initial_(initial), ceiling_(ceiling), next_(initial) {}

  // The delay before the next attempt: the current step with up to 20% taken
  // off at random; the step then doubles, up to the ceiling.
  std::chrono::milliseconds next() {
    const auto step = next_;
    next_ = std::min(ceiling_, next_ * 2);
    std::uniform_int_distribution<long long> cut(0, step.count() / 5);
    return step - std::chrono::milliseconds(cut(random_));
  }
  void reset() { next_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds ceiling_;
  std::chrono::milliseconds next_;
  std::minstd_rand random_{std::random_device{}()};
};

class StopSignal {
 public:
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    wake_.notify_all();
  }
  bool stopped() const {
    std::lock_guard lock(mutex_);
    return stopped_;
  }
  // Sleeps for `delay` unless stopped first. Returns false when stopped.
  bool sleepFor(std::chrono::milliseconds delay) const {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, delay, [this] { return stopped_; });
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable wake_;
  bool stopped_ = false;
};

// Tries attempt(delay) until it returns a value, sleeping `delay` after each
// try that returns nullopt; attempt is told the delay so that it can say, as
// it logs its failure, when it will try again. nullopt when stopped first.
template <class Attempt>
auto retryUntilDone(Backoff& backoff, const StopSignal& stop, Attempt attempt)
    -> decltype(attempt(std::chrono::milliseconds())) {
  while (!stop.stopped()) {
    const auto delay = backoff.next();
    if (auto done = attempt(delay)) return done;
    if (!stop.sleepFor(delay)) break;
  }
  return std::nullopt;
}

}  // namespace ecsd::agent
