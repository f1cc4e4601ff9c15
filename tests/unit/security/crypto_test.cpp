#include "crypto/crypto.h"

#include <gtest/gtest.h>

#include <set>

namespace ecsd::crypto {
namespace {

TEST(CryptoTest, TimeOrderedIdsAreEcsShapedAndSortByTime) {
  const std::string first = timeOrderedId(1'700'000'000'000);
  const std::string later = timeOrderedId(1'700'000'000'001);
  EXPECT_EQ(first.size(), 32u);
  EXPECT_EQ(first.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(first.substr(0, 12), "018bcfe56800");  // the milliseconds, big-endian
  EXPECT_LT(first, later);
  EXPECT_NE(timeOrderedId(1'700'000'000'000), first);  // the rest is random
}

// Ids draw from a per-thread block of random bytes: across many refills of
// it, each is well formed and none repeats.
TEST(CryptoTest, Uuid4sAreVersion4AndNeverRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const std::string id = uuid4();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[8], '-');
    EXPECT_EQ(id[14], '4');  // the version
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);  // the variant
    EXPECT_TRUE(seen.insert(id).second) << id;
    EXPECT_TRUE(seen.insert(timeOrderedId(1'700'000'000'000)).second);
  }
}

}  // namespace
}  // namespace ecsd::crypto
