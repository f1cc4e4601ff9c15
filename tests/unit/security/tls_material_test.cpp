#include "security/tls_material.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "crypto/openssl_ptr.h"
#include "support/test_files.h"

namespace ecsd::security {
namespace {

namespace fs = std::filesystem;

using crypto::KeyPtr;
using crypto::OpenSslPtr;
using crypto::X509Ptr;
using StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;
using StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using SslCtxPtr = OpenSslPtr<SSL_CTX, SSL_CTX_free>;
using SslPtr = OpenSslPtr<SSL, SSL_free>;
using FilePtr = OpenSslPtr<FILE, ::fclose>;  // the same RAII, for a C FILE

using test_support::TempDir;

using test_support::readText;

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

fs::perms modeOf(const fs::path& path) { return fs::status(path).permissions() & fs::perms::mask; }

// Every certificate in a PEM file, in order.
std::vector<X509Ptr> readCertificates(const fs::path& path) {
  std::vector<X509Ptr> certs;
  FilePtr file(std::fopen(path.c_str(), "r"));
  while (file) {
    X509Ptr cert(PEM_read_X509(file.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    certs.push_back(std::move(cert));
  }
  ERR_clear_error();  // the end of the file reads as an error
  return certs;
}

X509Ptr readCertificate(const fs::path& path) {
  auto certs = readCertificates(path);
  return certs.empty() ? nullptr : std::move(certs.front());
}

KeyPtr readKey(const fs::path& path) {
  FilePtr file(std::fopen(path.c_str(), "r"));
  return KeyPtr(file ? PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr) : nullptr);
}

// Runs X509_verify_cert with the strict checks Python's ssl can turn on.
int verifyResult(X509* leaf, X509* ca) {
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_add_cert(store.get(), ca);
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_X509_STRICT);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  if (X509_verify_cert(ctx.get()) == 1) return X509_V_OK;
  return X509_STORE_CTX_get_error(ctx.get());
}

long validityDays(X509* cert) {
  int days = 0, seconds = 0;
  ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert), X509_get0_notAfter(cert));
  return days;
}

bool stepHandshake(SSL* ssl, bool& done) {
  const int rc = SSL_do_handshake(ssl);
  done = rc == 1;
  const int error = SSL_get_error(ssl, rc);
  return done || error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE;
}

// A TLS handshake over an in-memory BIO pair: the server uses the generated
// files, the client trusts only ca.pem, checks host strictly, as curl would.
bool handshake(const TlsFiles& files, const std::string& host) {
  SslCtxPtr serverCtx(SSL_CTX_new(TLS_server_method()));
  SslCtxPtr clientCtx(SSL_CTX_new(TLS_client_method()));
  if (SSL_CTX_use_certificate_chain_file(serverCtx.get(), files.certificate.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(serverCtx.get(), files.privateKey.c_str(), SSL_FILETYPE_PEM) !=
          1 ||
      SSL_CTX_load_verify_locations(clientCtx.get(), files.caCertificate.c_str(), nullptr) != 1) {
    return false;
  }
  SSL_CTX_set_verify(clientCtx.get(), SSL_VERIFY_PEER, nullptr);
  X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(clientCtx.get()), X509_V_FLAG_X509_STRICT);
  SslPtr server(SSL_new(serverCtx.get()));
  SslPtr client(SSL_new(clientCtx.get()));
  BIO* clientBio = nullptr;
  BIO* serverBio = nullptr;
  BIO_new_bio_pair(&clientBio, 0, &serverBio, 0);
  SSL_set_bio(client.get(), clientBio, clientBio);
  SSL_set_bio(server.get(), serverBio, serverBio);
  SSL_set_connect_state(client.get());
  SSL_set_accept_state(server.get());
  SSL_set1_host(client.get(), host.c_str());
  bool clientDone = false, serverDone = false;
  for (int round = 0; round < 20 && !(clientDone && serverDone); ++round) {
    if (!stepHandshake(client.get(), clientDone) || !stepHandshake(server.get(), serverDone)) break;
  }
  ERR_clear_error();
  return clientDone && serverDone && SSL_get_verify_result(client.get()) == X509_V_OK;
}

class TlsMaterialTest : public testing::Test {
 protected:
  TlsFiles ensure(const std::vector<std::string>& extraNames = {}) {
    auto files = ensureTlsMaterial(dir_.path, extraNames);
    EXPECT_TRUE(files.ok()) << (files.ok() ? "" : files.error().message);
    return files.ok() ? *files : TlsFiles{};
  }
  fs::path file(const char* name) const { return dir_.path / name; }

  TempDir dir_;
};

TEST_F(TlsMaterialTest, CreatesFilesWithModes) {
  const TlsFiles files = ensure();
  EXPECT_TRUE(files.generated);
  EXPECT_EQ(files.caCertificate, file("ca.pem"));
  EXPECT_EQ(files.certificate, file("server.pem"));
  EXPECT_EQ(files.privateKey, file("server-key.pem"));
  EXPECT_EQ(modeOf(file("ca-key.pem")), fs::perms(0600));
  EXPECT_EQ(modeOf(file("server-key.pem")), fs::perms(0600));
  EXPECT_EQ(modeOf(file("ca.pem")), fs::perms(0644));
  EXPECT_EQ(modeOf(file("server.pem")), fs::perms(0644));
  // Nothing else: no temp file is left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path), fs::directory_iterator()), 4);
}

TEST_F(TlsMaterialTest, SecondCallReusesEverything) {
  ensure();
  std::vector<std::string> before;
  for (const char* name : {"ca.pem", "ca-key.pem", "server.pem", "server-key.pem"}) {
    before.push_back(readText(file(name)));
  }
  EXPECT_FALSE(ensure().generated);
  int i = 0;
  for (const char* name : {"ca.pem", "ca-key.pem", "server.pem", "server-key.pem"}) {
    EXPECT_EQ(readText(file(name)), before[i++]) << name;
  }
}

TEST_F(TlsMaterialTest, ServerCertificateVerifiesAgainstCa) {
  const TlsFiles files = ensure();
  X509Ptr ca = readCertificate(files.caCertificate);
  auto chain = readCertificates(files.certificate);
  ASSERT_TRUE(ca);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(X509_cmp(chain[1].get(), ca.get()), 0) << "server.pem carries the CA after the leaf";
  X509* leaf = chain[0].get();
  EXPECT_EQ(verifyResult(leaf, ca.get()), X509_V_OK);
  EXPECT_EQ(X509_check_host(leaf, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf, "::1", 0), 1);
  EXPECT_NE(X509_check_host(leaf, "example.com", 0, 0, nullptr), 1);
}

TEST_F(TlsMaterialTest, CertificatesHaveTheExpectedShape) {
  const TlsFiles files = ensure();
  X509Ptr ca = readCertificate(files.caCertificate);
  X509Ptr leaf = readCertificate(files.certificate);
  KeyPtr key = readKey(files.privateKey);
  ASSERT_TRUE(ca && leaf && key);
  EXPECT_EQ(X509_get_version(ca.get()), X509_VERSION_3);
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_EQ(X509_check_ca(leaf.get()), 0);
  EXPECT_EQ(X509_check_purpose(leaf.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
  EXPECT_EQ(X509_get_key_usage(ca.get()), unsigned{KU_KEY_CERT_SIGN | KU_CRL_SIGN});
  EXPECT_NE(X509_get0_subject_key_id(leaf.get()), nullptr);
  EXPECT_NE(X509_get0_authority_key_id(leaf.get()), nullptr);
  EXPECT_EQ(X509_get_signature_nid(leaf.get()), NID_ecdsa_with_SHA256);
  EXPECT_TRUE(EVP_PKEY_is_a(key.get(), "EC"));
  char group[64] = {};
  EVP_PKEY_get_group_name(key.get(), group, sizeof group, nullptr);
  EXPECT_STREQ(group, "prime256v1");
  EXPECT_EQ(validityDays(ca.get()), 3650);
  EXPECT_EQ(validityDays(leaf.get()), 825);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(leaf.get())), 0);
  char cn[128] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(ca.get()), NID_commonName, cn, sizeof cn);
  EXPECT_EQ(std::string(cn).rfind("ecsd local CA ", 0), 0u) << cn;
}

TEST_F(TlsMaterialTest, ExtraNamesReissueTheServerCertificateFromTheSameCa) {
  ensure();
  const std::string ca = readText(file("ca.pem"));
  const std::string server = readText(file("server.pem"));
  const TlsFiles files = ensure({"ecsd.example.test", "10.1.2.3", "fd00::7"});
  EXPECT_TRUE(files.generated);
  EXPECT_EQ(readText(file("ca.pem")), ca);
  EXPECT_NE(readText(file("server.pem")), server);
  X509Ptr leaf = readCertificate(files.certificate);
  X509Ptr caCert = readCertificate(files.caCertificate);
  EXPECT_EQ(X509_check_host(leaf.get(), "ecsd.example.test", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "10.1.2.3", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "fd00:0::7", 0), 1);
  EXPECT_EQ(X509_check_host(leaf.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(verifyResult(leaf.get(), caCert.get()), X509_V_OK);
  // Covered names, in any spelling or a subset, need nothing new.
  EXPECT_FALSE(ensure({"ECSD.example.test", "fd00:0:0::7"}).generated);
  EXPECT_FALSE(ensure().generated);
}

TEST_F(TlsMaterialTest, ExpiringServerCertificateIsReissued) {
  ensure();
  X509Ptr leaf = readCertificate(file("server.pem"));
  KeyPtr caKey = readKey(file("ca-key.pem"));
  ASSERT_TRUE(leaf && caKey);
  X509_time_adj_ex(X509_getm_notAfter(leaf.get()), 10, 0, nullptr);
  ASSERT_GT(X509_sign(leaf.get(), caKey.get(), EVP_sha256()), 0);
  FilePtr out(std::fopen(file("server.pem").c_str(), "w"));
  PEM_write_X509(out.get(), leaf.get());
  out.reset();

  EXPECT_TRUE(ensure().generated);
  EXPECT_EQ(validityDays(readCertificate(file("server.pem")).get()), 825);
}

TEST_F(TlsMaterialTest, MissingServerKeyIsReissuedWithTheSameCa) {
  ensure();
  const std::string ca = readText(file("ca.pem"));
  fs::remove(file("server-key.pem"));
  EXPECT_TRUE(ensure().generated);
  EXPECT_EQ(readText(file("ca.pem")), ca);
  EXPECT_TRUE(fs::exists(file("server-key.pem")));
}

TEST_F(TlsMaterialTest, CorruptCaIsAnError) {
  ensure();
  writeText(file("ca.pem"), "-----BEGIN CERTIFICATE-----\nnot base64 at all\n");
  auto files = ensureTlsMaterial(dir_.path, {});
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.error().type, "ServerException");
  EXPECT_NE(files.error().message.find(file("ca.pem").string()), std::string::npos)
      << files.error().message;
}

TEST_F(TlsMaterialTest, CaWithoutItsKeyIsAnError) {
  ensure();
  fs::remove(file("ca-key.pem"));
  auto files = ensureTlsMaterial(dir_.path, {});
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.error().message.find("ca-key.pem"), std::string::npos) << files.error().message;
}

// The certificate's DNS names, as Go's crypto/x509 checks a server name that
// is not a valid host name (Amazon's agent's "127.0.0.1:8443"): a DNS name
// equal to it, ignoring ASCII case, or nothing.
bool goAccepts(X509* cert, std::string serverName) {
  GENERAL_NAMES* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  bool found = false;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_DNS) continue;
    std::string dns(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                    static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
    const auto lower = [](std::string text) {
      for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return text;
    };
    found = found || lower(dns) == lower(serverName);
  }
  GENERAL_NAMES_free(names);
  return found;
}

TEST_F(TlsMaterialTest, NamesHostAndPortAsAmazonsAgentChecksIt) {
  auto files = ensureTlsMaterial(dir_.path, {"ECSD.example:9443", "fd00::7"}, 8443);
  ASSERT_TRUE(files.ok()) << files.error().message;
  X509Ptr leaf = readCertificate(files->certificate);
  for (const char* name : {"127.0.0.1:8443", "localhost:8443", "[::1]:8443", "ecsd.example:9443",
                           "[fd00::7]:8443"}) {
    EXPECT_TRUE(goAccepts(leaf.get(), name)) << name;
  }
  EXPECT_FALSE(goAccepts(leaf.get(), "127.0.0.1:9443"));
  EXPECT_FALSE(goAccepts(leaf.get(), "ecsd.example:9443:8443"));
  // The plain names still verify as every other client checks them.
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_host(leaf.get(), "localhost", 0, 0, nullptr), 1);
  // Another port is another certificate, from the same CA.
  const std::string ca = readText(file("ca.pem"));
  auto moved = ensureTlsMaterial(dir_.path, {}, 18443);
  ASSERT_TRUE(moved.ok());
  EXPECT_TRUE(moved->generated);
  EXPECT_EQ(readText(file("ca.pem")), ca);
  leaf = readCertificate(moved->certificate);
  EXPECT_TRUE(goAccepts(leaf.get(), "127.0.0.1:18443"));
  EXPECT_FALSE(goAccepts(leaf.get(), "127.0.0.1:8443"));
}

TEST_F(TlsMaterialTest, MalformedHostAndPortIsAnError) {
  for (const char* name : {"ecsd.example:", "ecsd.example:port", "a:1:2", "[zz]:80", ":80",
                           "ecsd.example:123456"}) {
    EXPECT_FALSE(ensureTlsMaterial(dir_.path, {name}).ok()) << name;
  }
}

TEST_F(TlsMaterialTest, NameThatIsNeitherHostNorIpIsAnError) {
  auto files = ensureTlsMaterial(dir_.path, {"not a host"});
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.error().message.find("not a host"), std::string::npos);
}

TEST_F(TlsMaterialTest, TlsHandshakeVerifiesForLocalhost) {
  const TlsFiles files = ensure({"ecsd.example.test"});
  EXPECT_TRUE(handshake(files, "localhost"));
  EXPECT_TRUE(handshake(files, "ecsd.example.test"));
  EXPECT_FALSE(handshake(files, "example.com"));
}

}  // namespace
}  // namespace ecsd::security
