#include "security/key_material.h"

#include "crypto/crypto.h"

namespace ecsd::security {
namespace {

constexpr std::string_view kKeyIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kSecretAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+";

}  // namespace

// append() rather than "AKIA" + ..., which trips GCC 12's -Wrestrict false positive.
std::string newAccessKeyId() {
  return std::string("AKIA").append(crypto::randomString(16, kKeyIdAlphabet));
}

std::string newUniqueId(std::string_view prefix) {
  return std::string(prefix).append(crypto::randomString(17, kKeyIdAlphabet));
}

std::string newSecretAccessKey() { return crypto::randomString(40, kSecretAlphabet); }

}  // namespace ecsd::security
