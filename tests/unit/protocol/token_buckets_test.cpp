#include "protocol/token_buckets.h"

#include <gtest/gtest.h>

#include "support/manual_clock.h"

namespace ecsd::protocol {
namespace {

using std::chrono::milliseconds;

class TokenBucketsTest : public testing::Test {
 protected:
  // How many of n calls in a row are admitted.
  int admitted(const security::AccessKey& key, const OperationDescriptor& operation, int n) {
    int count = 0;
    for (int i = 0; i < n; ++i) count += buckets_.refuse(key, operation) ? 0 : 1;
    return count;
  }

  test_support::ManualClock clock_{std::chrono::system_clock::time_point(std::chrono::hours(1))};
  TokenBuckets buckets_{clock_, {{"cluster-read", {50, 20}}, {"agent", {10, 5}}}};
  const security::AccessKey alice_{"AKIDALICE", "s", "alice"};
  const security::AccessKey bob_{"AKIDBOB", "s", "bob"};
  const OperationDescriptor describeClusters_{"DescribeClusters", "ecs:DescribeClusters",
                                              Access::kRead, {}, nullptr, "cluster-read"};
  const OperationDescriptor submitTaskStateChange_{
      "SubmitTaskStateChange", "ecs:SubmitTaskStateChange", Access::kWrite, {}, nullptr, "agent"};
};

TEST_F(TokenBucketsTest, ABurstIsTheBucketThenRateExceeded) {
  EXPECT_EQ(admitted(alice_, describeClusters_, 50), 50);
  EXPECT_EQ(buckets_.refuse(alice_, describeClusters_), "Rate exceeded");
}

TEST_F(TokenBucketsTest, TheBucketRefillsAtItsRateUpToItsSize) {
  ASSERT_EQ(admitted(alice_, describeClusters_, 60), 50);
  clock_.advance(milliseconds(500));  // 20 a second: 10 tokens
  EXPECT_EQ(admitted(alice_, describeClusters_, 20), 10);
  clock_.advance(milliseconds(60'000));  // a minute refills no more than the bucket holds
  EXPECT_EQ(admitted(alice_, describeClusters_, 60), 50);
}

TEST_F(TokenBucketsTest, SustainedCallsAtTheRefillRateAreAllAdmitted) {
  ASSERT_EQ(admitted(alice_, describeClusters_, 50), 50);
  for (int second = 0; second < 10; ++second) {
    clock_.advance(milliseconds(1000));
    EXPECT_EQ(admitted(alice_, describeClusters_, 20), 20) << "second " << second;
  }
}

TEST_F(TokenBucketsTest, KeysAndClassesAreApart) {
  ASSERT_EQ(admitted(alice_, describeClusters_, 60), 50);
  // Bob's calls of the class, and alice's agents' calls, have their own buckets.
  EXPECT_EQ(admitted(bob_, describeClusters_, 50), 50);
  EXPECT_EQ(admitted(alice_, submitTaskStateChange_, 10), 10);
}

TEST_F(TokenBucketsTest, AClassWithoutARateIsNotThrottled) {
  const OperationDescriptor unclassed{"ListClusters", "ecs:ListClusters", Access::kRead, {},
                                      nullptr, "no-such-class"};
  EXPECT_EQ(admitted(alice_, unclassed, 1000), 1000);
}

TEST_F(TokenBucketsTest, AClockSetBackRefillsNothing) {
  ASSERT_EQ(admitted(alice_, describeClusters_, 50), 50);
  clock_.advance(milliseconds(-3'600'000));
  EXPECT_EQ(buckets_.refuse(alice_, describeClusters_), "Rate exceeded");
  clock_.advance(milliseconds(100));  // from the earlier time on, it refills again
  EXPECT_EQ(admitted(alice_, describeClusters_, 5), 2);
}

}  // namespace
}  // namespace ecsd::protocol
