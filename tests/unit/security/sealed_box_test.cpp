#include "crypto/sealed_box.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"

namespace ecsd::crypto {
namespace {

TEST(SealedBox, OpensWhatItSealed) {
  const std::string key = randomBytes(kSealKeySize);
  const std::string sealed = seal(key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AKIAEXAMPLE");
  EXPECT_EQ(sealed.find("wJalrXUtnFEMI"), std::string::npos);
  EXPECT_EQ(open(key, sealed, "AKIAEXAMPLE"), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
}

TEST(SealedBox, EachSealDiffers) {
  const std::string key = randomBytes(kSealKeySize);
  EXPECT_NE(seal(key, "secret", "a"), seal(key, "secret", "a"));
}

TEST(SealedBox, RefusesAnotherKeyContextOrAlteredBytes) {
  const std::string key = randomBytes(kSealKeySize);
  std::string sealed = seal(key, "secret", "AKIA1");
  EXPECT_EQ(open(randomBytes(kSealKeySize), sealed, "AKIA1"), std::nullopt);
  EXPECT_EQ(open(key, sealed, "AKIA2"), std::nullopt);
  sealed[14] = static_cast<char>(sealed[14] ^ 1);
  EXPECT_EQ(open(key, sealed, "AKIA1"), std::nullopt);
  EXPECT_EQ(open(key, "short", "AKIA1"), std::nullopt);
}

}  // namespace
}  // namespace ecsd::crypto
