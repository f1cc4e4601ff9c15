#include "crypto/crypto.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ecsd::crypto
