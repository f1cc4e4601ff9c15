#include "crypto/sealed_box.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

#include "crypto/crypto.h"
#include "crypto/openssl_ptr.h"

namespace ecsd::crypto {
namespace {

constexpr int kNonceSize = 12;
constexpr int kTagSize = 16;

using CipherContext = OpenSslPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;

const unsigned char* bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}
unsigned char* bytes(std::string& text) { return reinterpret_cast<unsigned char*>(text.data()); }

}  // namespace

std::string seal(std::string_view key, std::string_view plaintext, std::string_view context) {
  if (key.size() != kSealKeySize) std::abort();  // a defect of the caller
  const std::string nonce = randomBytes(kNonceSize);
  std::string out = nonce + std::string(plaintext.size() + kTagSize, '\0');
  unsigned char* cipher = bytes(out) + kNonceSize;
  CipherContext ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  const bool ok =
      ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key), bytes(nonce)) &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &length, bytes(context),
                        static_cast<int>(context.size())) &&
      EVP_EncryptUpdate(ctx.get(), cipher, &length, bytes(plaintext),
                        static_cast<int>(plaintext.size())) &&
      EVP_EncryptFinal_ex(ctx.get(), cipher + length, &length) &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, cipher + plaintext.size());
  if (!ok) {
    std::fprintf(stderr, "fatal: AES-256-GCM unavailable\n");
    std::abort();
  }
  return out;
}

std::optional<std::string> open(std::string_view key, std::string_view sealed,
                                std::string_view context) {
  if (key.size() != kSealKeySize || sealed.size() < kNonceSize + kTagSize) return std::nullopt;
  const std::string_view nonce = sealed.substr(0, kNonceSize);
  const std::string_view cipher = sealed.substr(kNonceSize, sealed.size() - kNonceSize - kTagSize);
  std::string tag(sealed.substr(sealed.size() - kTagSize));
  std::string out(cipher.size(), '\0');
  CipherContext ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  const bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key), bytes(nonce)) &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &length, bytes(context),
                        static_cast<int>(context.size())) &&
      EVP_DecryptUpdate(ctx.get(), bytes(out), &length, bytes(cipher),
                        static_cast<int>(cipher.size())) &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, bytes(tag)) &&
      EVP_DecryptFinal_ex(ctx.get(), bytes(out) + length, &length) == 1;
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace ecsd::crypto
