// Authenticated encryption of small secrets at rest (IAM users' secret access
// keys): AES-256-GCM with a random 96-bit nonce per message. What is sealed
// is bound to `context` (additional authenticated data), so a sealed secret
// copied onto another row does not open there.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ecsd::crypto {

inline constexpr std::size_t kSealKeySize = 32;  // AES-256

// nonce (12) || ciphertext || tag (16), raw bytes. REQUIRES: key is kSealKeySize bytes.
std::string seal(std::string_view key, std::string_view plaintext, std::string_view context);
// The plaintext, or nullopt when the key, the context or the bytes are not
// those it was sealed with.
std::optional<std::string> open(std::string_view key, std::string_view sealed,
                                std::string_view context);

}  // namespace ecsd::crypto
