// Test support: every operation below the protocol, through makeRouter over a
// State on a real SQLite store in a temp directory, with a settable clock and
// fake agents.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "ecsd/store/sqlite_store.h"
#include "operations/router.h"
#include "support/fake_agents.h"
#include "support/manual_clock.h"
#include "support/test_files.h"

namespace ecsd::test_support {

class RouterFixture : public testing::Test {
 public:
  static constexpr const char* kRegion = "us-east-1";
  static constexpr const char* kAccount = "123456789012";

 protected:
  RouterFixture() { open(); }
  ~RouterFixture() override {
    router_.reset();
    state_.reset();
    store_.reset();
  }

  // (Re)opens the store and state, as a restart of ecsd would.
  void open() {
    router_.reset();
    state_.reset();
    store_.reset();
    auto store = openSqliteStore((dir_.path / "ecsd.db").string(), Durability::Normal);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    auto state = State::load(*store_);
    ASSERT_TRUE(state.ok()) << state.error().message;
    state_ = std::move(*state);
    router_.emplace(operations::makeRouter({*state_, arns_, clock_, agents_}));
  }

  Result<nlohmann::json> call(const std::string& operation,
                              nlohmann::json input = nlohmann::json::object()) {
    auto answer = router_->dispatch({operation, std::move(input)}, context_);
    if (!answer) return answer.error();
    return answer->document();
  }

  // The output of a call that must succeed.
  nlohmann::json ok(const std::string& operation, nlohmann::json input = nlohmann::json::object()) {
    auto result = call(operation, input);
    EXPECT_TRUE(result.ok()) << operation << " " << input.dump() << ": " << result.error().type
                             << ": " << result.error().message;
    return result.ok() ? *result : nlohmann::json::object();
  }

  // The error type of a call that must fail.
  std::string fails(const std::string& operation, nlohmann::json input = nlohmann::json::object()) {
    auto result = call(operation, input);
    EXPECT_FALSE(result.ok()) << operation << " " << input.dump() << " answered "
                              << (result.ok() ? result->dump() : "");
    return result.ok() ? "" : result.error().type;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<State> state_;
  ArnFactory arns_{kRegion, kAccount};
  ManualClock clock_{ManualClock::TimePoint(std::chrono::milliseconds(1700000000123))};
  FakeAgents agents_;
  std::optional<operations::Router> router_;
  security::AccessKey principal_{"AKIAEXAMPLE", "secret", "admin"};
  protocol::CallContext context_{"req-1", principal_};
};

}  // namespace ecsd::test_support
