// Small, safe wrappers over OpenSSL: hashing, HMAC, hex and secure randomness.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ecsd::crypto {

// Raw 32-byte SHA-256 digest of data.
std::string sha256(std::string_view data);
// Raw 32-byte HMAC-SHA256 of data under key.
std::string hmacSha256(std::string_view key, std::string_view data);
// Lowercase hex of arbitrary bytes.
std::string hex(std::string_view bytes);
// Equality that takes the same time wherever the inputs differ.
bool constantTimeEquals(std::string_view a, std::string_view b);
// n bytes from the operating system's CSPRNG. Aborts if none is available,
// as nothing secure can be done without it.
std::string randomBytes(std::size_t n);
// n characters drawn uniformly from alphabet with a CSPRNG.
std::string randomString(std::size_t n, std::string_view alphabet);
// Standard base64 with padding, and its inverse (nullopt on malformed input).
std::string base64Encode(std::string_view bytes);
std::optional<std::string> base64Decode(std::string_view text);
// A random (version 4) UUID in its canonical 8-4-4-4-12 form.
std::string uuid4();
// 32 hex digits, as ECS's task and container instance ids: the first 12 the
// time in milliseconds, the other 20 random. Ids made later sort later, so
// new rows go to the end of the store's id index instead of to a random page
// of it (each commit then writes a few pages, not one per row).
std::string timeOrderedId(std::uint64_t epochMillis);

}  // namespace ecsd::crypto
