// Helpers for the agent's unit tests: task entries as ecsd sends them, a
// sink that records reported state changes, and waiting for a condition.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "agent/state_change.h"
#include "agent/task_spec.h"
#include "ecsd/clock.h"
#include "support/manual_clock.h"

namespace ecsd::agent::test_support {

// Polls `condition` until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

inline nlohmann::json containerEntry(const std::string& name, const std::string& image,
                                     bool essential = true) {
  return {{"name", name},
          {"image", image},
          {"essential", essential},
          {"cpu", 10},
          {"memory", 64},
          {"command", {"sleep", "1000"}},
          {"links", nlohmann::json::array()},
          {"environment", nlohmann::json::object()},
          {"portMappings", nlohmann::json::array()}};
}

inline nlohmann::json taskEntry(const std::string& id, std::vector<nlohmann::json> containers,
                                const std::string& desired = "RUNNING") {
  return {{"arn", "arn:aws:ecs:us-east-1:000000000000:task/demo/" + id},
          {"family", "web"},
          {"version", "3"},
          {"desiredStatus", desired},
          {"networkMode", "bridge"},
          {"containers", containers}};
}

inline TaskSpec spec(const nlohmann::json& entry) { return parseTaskSpec(entry).value(); }

class RecordingSink {
 public:
  void operator()(TaskStateChange change) {
    std::lock_guard lock(mutex_);
    changes_.push_back(std::move(change));
  }
  std::vector<TaskStateChange> changes() const {
    std::lock_guard lock(mutex_);
    return changes_;
  }
  // The task-level statuses reported, in order.
  std::vector<std::string> statuses() const {
    std::vector<std::string> out;
    for (const auto& c : changes()) {
      if (c.status) out.push_back(*c.status);
    }
    return out;
  }
  std::function<void(TaskStateChange)> sink() {
    return [this](TaskStateChange change) { (*this)(std::move(change)); };
  }

 private:
  mutable std::mutex mutex_;
  std::vector<TaskStateChange> changes_;
};

using ecsd::test_support::ManualClock;
// When the agent's tests run: a fixed instant.
inline const ManualClock::TimePoint kTestNow{std::chrono::seconds(1'800'000'000)};

}  // namespace ecsd::agent::test_support
