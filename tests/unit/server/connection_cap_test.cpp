#include "server/connection_cap.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace ecsd::server {
namespace {

using namespace std::chrono_literals;
using Slot = ConnectionCap::Slot;
using Refused = ConnectionCap::Refused;

const ConnectionCap::Clock::time_point t0{};

TEST(ConnectionCapTest, CapsEachAddressAndTheTotal) {
  ConnectionCap cap(4, 2);
  std::vector<Slot> slots;
  for (const char* address : {"10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.3"}) {
    auto admitted = cap.admit(address, t0);
    ASSERT_TRUE(std::holds_alternative<Slot>(admitted)) << address;
    slots.push_back(std::move(std::get<Slot>(admitted)));
  }
  EXPECT_EQ(cap.total(), 4u);
  EXPECT_EQ(cap.from("10.0.0.1"), 2u);

  const auto full = cap.admit("10.0.0.4", t0);
  ASSERT_TRUE(std::holds_alternative<Refused>(full));
  EXPECT_EQ(std::get<Refused>(full).cap, "max_connections");
  EXPECT_EQ(std::get<Refused>(full).limit, 4u);

  slots.pop_back();  // 10.0.0.3 goes: room for one more, not from 10.0.0.1
  const auto third = cap.admit("10.0.0.1", t0);
  ASSERT_TRUE(std::holds_alternative<Refused>(third));
  EXPECT_EQ(std::get<Refused>(third).cap, "max_connections_per_address");
  EXPECT_EQ(std::get<Refused>(third).limit, 2u);
  EXPECT_TRUE(std::holds_alternative<Slot>(cap.admit("10.0.0.4", t0)));  // and given back
  EXPECT_EQ(cap.total(), 3u);
  EXPECT_EQ(cap.from("10.0.0.4"), 0u);
}

TEST(ConnectionCapTest, AMovedSlotIsGivenBackOnce) {
  ConnectionCap cap(1, 1);
  {
    auto admitted = cap.admit("::1", t0);
    ASSERT_TRUE(std::holds_alternative<Slot>(admitted));
    std::optional<Slot> moved(std::move(std::get<Slot>(admitted)));
    EXPECT_EQ(cap.total(), 1u);
    moved.reset();
    EXPECT_EQ(cap.total(), 0u);
  }
  EXPECT_EQ(cap.total(), 0u);
  EXPECT_EQ(cap.from("::1"), 0u);
}

TEST(ConnectionCapTest, ReportsTheFirstRefusalThenOneAnIntervalWithTheCount) {
  ConnectionCap cap(0, 0);
  const auto refused = [&](ConnectionCap::Clock::time_point at) {
    return std::get<Refused>(cap.admit("10.0.0.1", at));
  };
  const Refused first = refused(t0);
  EXPECT_TRUE(first.report);
  EXPECT_EQ(first.refusedSinceReport, 1u);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(refused(t0 + 5s).report);
  const Refused later = refused(t0 + ConnectionCap::kReportInterval);
  EXPECT_TRUE(later.report);
  EXPECT_EQ(later.refusedSinceReport, 101u);
  EXPECT_FALSE(refused(t0 + ConnectionCap::kReportInterval + 1s).report);
}

}  // namespace
}  // namespace ecsd::server
