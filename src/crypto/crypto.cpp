#include "crypto/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "crypto/openssl_ptr.h"

namespace ecsd::crypto {
namespace {

[[noreturn]] void fatal(const char* what) {
  std::fprintf(stderr, "fatal: %s\n", what);
  std::abort();
}

// OpenSSL 3 looks an algorithm up by name (locks, hash tables, parameter
// parsing) on every call that names it implicitly. Every request's signature
// check hashes and MACs several times, so the lookups are done once here.
const EVP_MD* sha256Digest() {
  static const OpenSslPtr<EVP_MD, EVP_MD_free> md(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  if (!md) fatal("OpenSSL has no SHA256");
  return md.get();
}

// An HMAC-SHA256 context with its digest already set up; each MAC starts
// from a copy of it.
const EVP_MAC_CTX* hmacSha256Template() {
  static const auto made = [] {
    const OpenSslPtr<EVP_MAC, EVP_MAC_free> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    OpenSslPtr<EVP_MAC_CTX, EVP_MAC_CTX_free> context(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (!context || EVP_MAC_CTX_set_params(context.get(), params) != 1) {
      fatal("OpenSSL has no HMAC-SHA256");
    }
    return context;
  }();
  return made.get();
}

}  // namespace

std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &length,
             sha256Digest(), nullptr);
  return out;
}

std::string hmacSha256(std::string_view key, std::string_view data) {
  std::string out(32, '\0');
  const OpenSslPtr<EVP_MAC_CTX, EVP_MAC_CTX_free> context(EVP_MAC_CTX_dup(hmacSha256Template()));
  std::size_t length = 0;
  if (!context ||
      EVP_MAC_init(context.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   nullptr) != 1 ||
      EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1 ||
      EVP_MAC_final(context.get(), reinterpret_cast<unsigned char*>(out.data()), &length,
                    out.size()) != 1) {
    fatal("HMAC-SHA256 failed");
  }
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string randomBytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    fatal("no secure random source");
  }
  return out;
}

std::string randomString(std::size_t n, std::string_view alphabet) {
  // Rejection sampling keeps every character equally likely.
  const unsigned limit = 256 - (256 % alphabet.size());
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    for (unsigned char c : randomBytes(n)) {
      if (c < limit && out.size() < n) out.push_back(alphabet[c % alphabet.size()]);
    }
  }
  return out;
}

std::string base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  std::size_t size = static_cast<std::size_t>(n);
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) --size;
  out.resize(size);
  return out;
}

namespace {

// n random bytes for an identifier, served from a per-thread block the
// CSPRNG refills: a RAND_bytes call per id (two or more ids per placed task)
// cost more than the rest of making the ids. Secrets still
// come from randomBytes, so none sits in memory before it is used.
std::string identifierBytes(std::size_t n) {
  thread_local std::string block;
  thread_local std::size_t used = 0;
  if (block.size() - used < n) {
    block = randomBytes(std::max<std::size_t>(4096, n));
    used = 0;
  }
  std::string out = block.substr(used, n);
  used += n;
  return out;
}

}  // namespace

std::string uuid4() {
  std::string b = identifierBytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  const std::string h = hex(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

std::string timeOrderedId(std::uint64_t epochMillis) {
  std::string time(6, '\0');
  for (int i = 5; i >= 0; --i, epochMillis >>= 8) time[i] = static_cast<char>(epochMillis & 0xff);
  return hex(time + identifierBytes(10));
}

}  // namespace ecsd::crypto
