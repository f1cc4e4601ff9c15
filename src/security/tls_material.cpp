#include "security/tls_material.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <span>
#include <system_error>

#include "common/files.h"
#include "crypto/crypto.h"
#include "crypto/openssl_ptr.h"
#include "ecsd/errors.h"

namespace ecsd::security {
namespace {

namespace fs = std::filesystem;
using files::fileExists;
using files::ioFailure;
using files::readFile;
using files::writeFileAtomically;

constexpr int kCaValidityDays = 3650;
constexpr int kServerValidityDays = 825;
// Certificates start an hour in the past so clients with a slow clock accept them.
constexpr long kClockSkewSeconds = 3600;
constexpr std::time_t kRenewBeforeSeconds = 30L * 24 * 3600;
constexpr mode_t kPublicMode = 0644;
constexpr mode_t kPrivateMode = 0600;

using crypto::BioPtr;
using crypto::KeyPtr;
using crypto::OpenSslPtr;
using crypto::X509Ptr;
using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;
using ExtensionPtr = OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using GeneralNamesPtr = OpenSslPtr<GENERAL_NAMES, GENERAL_NAMES_free>;
using GeneralNamePtr = OpenSslPtr<GENERAL_NAME, GENERAL_NAME_free>;
using Asn1StringPtr = OpenSslPtr<ASN1_STRING, ASN1_STRING_free>;

struct Paths {
  fs::path caCert, caKey, cert, key;
};

// One subjectAltName: a lowercase DNS name, or an IP address as its raw
// 4 or 16 bytes (so "::1" and "0::1" compare equal).
struct AltName {
  bool isIp = false;
  std::string value;
  auto operator<=>(const AltName&) const = default;
};

struct Authority {
  X509Ptr cert;
  KeyPtr key;
  bool generated = false;
};

// Drains OpenSSL's (thread-local) error queue into one line.
std::string openSslError() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    out += (out.empty() ? "" : "; ") + std::string(buffer);
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

Error openSslFailure(const std::string& what, const fs::path& path) {
  return errors::server(what + " " + path.string() + ": " + openSslError());
}

// ---- Files ----

// ---- PEM ----

// Parses the first PEM object in path with read(bio).
template <class Ptr, class Read>
Result<Ptr> readPem(const fs::path& path, const std::string& what, Read read) {
  auto pem = readFile(path);
  if (!pem) return pem.error();
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  Ptr object(bio ? read(bio.get()) : nullptr);
  if (!object) return openSslFailure("cannot parse the " + what + " in", path);
  return object;
}

// Keys are stored unencrypted; refusing a passphrase keeps OpenSSL from
// prompting on the terminal for one.
int noPassphrase(char*, int, int, void*) { return 0; }

Result<X509Ptr> readCertificate(const fs::path& path) {
  return readPem<X509Ptr>(path, "certificate", [](BIO* bio) {
    return PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  });
}

Result<KeyPtr> readKey(const fs::path& path) {
  return readPem<KeyPtr>(path, "private key", [](BIO* bio) {
    return PEM_read_bio_PrivateKey(bio, nullptr, noPassphrase, nullptr);
  });
}

// Encodes with write(bio) into a PEM string.
template <class Write>
Result<std::string> toPem(const fs::path& path, Write write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return openSslFailure("cannot encode", path);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Status writeKey(const fs::path& path, EVP_PKEY* key) {
  auto pem = toPem(path, [key](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
  if (!pem) return pem.error();
  return writeFileAtomically(path, *pem, kPrivateMode);
}

// Writes the certificates in order: leaf first, then its issuer.
Status writeCertificates(const fs::path& path, std::initializer_list<X509*> certs) {
  std::string chain;
  for (X509* cert : certs) {
    auto pem = toPem(path, [cert](BIO* bio) { return PEM_write_bio_X509(bio, cert); });
    if (!pem) return pem.error();
    chain += *pem;
  }
  return writeFileAtomically(path, chain, kPublicMode);
}

// ---- Names ----

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// A host name, optionally a "*." wildcard: letters, digits, "-", "_" and dots.
bool isDnsName(std::string_view name) {
  if (name.starts_with("*.")) name.remove_prefix(2);
  const auto allowed = [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
  };
  return !name.empty() && name.size() <= 253 && std::ranges::all_of(name, allowed) &&
         !name.starts_with('.') && name.find("..") == std::string_view::npos;
}

// "host:port" or "[v6]:port". Go's TLS client (Amazon's ECS agent's WebSocket)
// checks the URL's host:port as the server name, and accepts a DNS name that
// is exactly that string.
bool isHostAndPort(std::string_view name) {
  const std::size_t colon = name.rfind(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view host = name.substr(0, colon);
  const std::string_view port = name.substr(colon + 1);
  const bool digits = !port.empty() && port.size() <= 5 &&
                      std::ranges::all_of(port, [](unsigned char c) { return std::isdigit(c); });
  if (!digits || std::stoi(std::string(port)) > 65535) return false;
  if (host.starts_with('[') && host.ends_with(']')) {
    const std::string inner(host.substr(1, host.size() - 2));
    return Asn1StringPtr{a2i_IPADDRESS(inner.c_str())} != nullptr;
  }
  return host.find(':') == std::string_view::npos && isDnsName(host);
}

Result<AltName> altName(const std::string& name) {
  if (Asn1StringPtr ip{a2i_IPADDRESS(name.c_str())}) {
    const auto* bytes = reinterpret_cast<const char*>(ASN1_STRING_get0_data(ip.get()));
    return AltName{true,
                   std::string(bytes, static_cast<std::size_t>(ASN1_STRING_length(ip.get())))};
  }
  if (!isDnsName(name) && !isHostAndPort(name)) {
    return errors::server("cannot put \"" + name +
                          "\" in a TLS certificate: not an IP, a host name or host:port");
  }
  return AltName{false, lowercase(name)};
}

Result<std::set<AltName>> requiredAltNames(const std::vector<std::string>& extraNames,
                                           std::optional<std::uint16_t> port) {
  std::vector<std::string> all = {"localhost", "127.0.0.1", "::1"};
  all.insert(all.end(), extraNames.begin(), extraNames.end());
  if (port) {
    std::string suffix = std::to_string(*port);
    suffix.insert(suffix.begin(), ':');
    for (std::size_t i = 0, n = all.size(); i < n; ++i) {
      if (isHostAndPort(all[i])) continue;
      std::string name = all[i];
      if (name.find(':') != std::string::npos) name.insert(0, 1, '[').push_back(']');  // IPv6
      all.push_back(name.append(suffix));
    }
  }
  std::set<AltName> names;
  for (const std::string& name : all) {
    auto parsed = altName(name);
    if (!parsed) return parsed.error();
    names.insert(std::move(*parsed));
  }
  return names;
}

std::set<AltName> altNamesOf(X509* cert) {
  std::set<AltName> out;
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    const bool isIp = name->type == GEN_IPADD;
    if (!isIp && name->type != GEN_DNS) continue;
    const ASN1_STRING* value = isIp ? name->d.iPAddress : name->d.dNSName;
    std::string text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                     static_cast<std::size_t>(ASN1_STRING_length(value)));
    out.insert({isIp, isIp ? text : lowercase(text)});
  }
  return out;
}

GeneralNamePtr toGeneralName(const AltName& name) {
  GeneralNamePtr out(GENERAL_NAME_new());
  Asn1StringPtr value(name.isIp ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new());
  if (!out || !value ||
      ASN1_STRING_set(value.get(), name.value.data(), static_cast<int>(name.value.size())) != 1) {
    return nullptr;
  }
  GENERAL_NAME_set0_value(out.get(), name.isIp ? GEN_IPADD : GEN_DNS, value.release());
  return out;
}

bool addAltNames(X509* cert, const std::set<AltName>& names) {
  GeneralNamesPtr list(sk_GENERAL_NAME_new_null());
  if (!list) return false;
  for (const AltName& name : names) {
    GeneralNamePtr general = toGeneralName(name);
    if (!general || sk_GENERAL_NAME_push(list.get(), general.get()) == 0) return false;
    general.release();  // owned by list now
  }
  return X509_add1_ext_i2d(cert, NID_subject_alt_name, list.get(), 0, X509V3_ADD_DEFAULT) == 1;
}

// ---- Certificates ----

struct ExtensionSpec {
  int nid;
  const char* value;
};

constexpr ExtensionSpec kCaExtensions[] = {
    {NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
    {NID_key_usage, "critical,keyCertSign,cRLSign"},
    {NID_subject_key_identifier, "hash"},
    {NID_authority_key_identifier, "keyid:always"},
};

constexpr ExtensionSpec kServerExtensions[] = {
    {NID_basic_constraints, "critical,CA:FALSE"},
    {NID_key_usage, "critical,digitalSignature"},
    {NID_ext_key_usage, "serverAuth"},
    {NID_subject_key_identifier, "hash"},
    {NID_authority_key_identifier, "keyid:always"},
};

bool addExtensions(X509* cert, X509* issuer, std::span<const ExtensionSpec> specs) {
  for (const ExtensionSpec& spec : specs) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, spec.nid, spec.value));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return false;
  }
  return true;
}

// A random positive 128-bit serial, as CAs are expected to use.
bool setRandomSerial(X509* cert) {
  BignumPtr serial(BN_new());
  return serial && BN_rand(serial.get(), 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
         !BN_is_zero(serial.get()) &&
         BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) != nullptr;
}

// A v3 certificate for key, valid from a little in the past for `days`,
// with subject CN=commonName; not yet extended or signed.
X509Ptr newCertificate(const std::string& commonName, EVP_PKEY* key, int days) {
  X509Ptr cert(X509_new());
  X509_NAME* subject = cert ? X509_get_subject_name(cert.get()) : nullptr;
  const auto* cn = reinterpret_cast<const unsigned char*>(commonName.c_str());
  const bool ok = subject && X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
                  setRandomSerial(cert.get()) &&
                  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kClockSkewSeconds) != nullptr &&
                  X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr) != nullptr &&
                  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, cn, -1, -1, 0) == 1 &&
                  X509_set_pubkey(cert.get(), key) == 1;
  return ok ? std::move(cert) : nullptr;
}

KeyPtr generateKey() { return KeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

// "ecsd local CA <host> <random>": the random part keeps the CAs of two data
// dirs on one host apart in a trust store.
std::string caCommonName() {
  char host[256] = {};
  std::string name = ::gethostname(host, sizeof host - 1) == 0 ? host : "";
  name = name.substr(0, 40);  // CN is at most 64 characters
  return "ecsd local CA " + (name.empty() ? "" : name + " ") + crypto::hex(crypto::randomBytes(4));
}

Result<X509Ptr> issueCaCertificate(EVP_PKEY* key, const fs::path& path) {
  X509Ptr cert = newCertificate(caCommonName(), key, kCaValidityDays);
  if (!cert || X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1 ||
      !addExtensions(cert.get(), cert.get(), kCaExtensions) ||
      X509_sign(cert.get(), key, EVP_sha256()) <= 0) {
    return openSslFailure("cannot create the CA certificate", path);
  }
  return cert;
}

Result<X509Ptr> issueServerCertificate(const Authority& ca, EVP_PKEY* key,
                                       const std::set<AltName>& names, const fs::path& path) {
  X509Ptr cert = newCertificate("localhost", key, kServerValidityDays);
  if (!cert || X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.cert.get())) != 1 ||
      !addExtensions(cert.get(), ca.cert.get(), kServerExtensions) ||
      !addAltNames(cert.get(), names) || X509_sign(cert.get(), ca.key.get(), EVP_sha256()) <= 0) {
    return openSslFailure("cannot create the server certificate", path);
  }
  return cert;
}

// ---- Checks ----

bool expiresWithin(X509* cert, std::time_t seconds) {
  std::time_t limit = std::time(nullptr) + seconds;
  return X509_cmp_time(X509_get0_notAfter(cert), &limit) <= 0;
}

bool keyMatches(X509* cert, EVP_PKEY* key) {
  const bool matches = X509_check_private_key(cert, key) == 1;
  ERR_clear_error();  // a mismatch is an answer, not an error to report later
  return matches;
}

bool signedBy(X509* cert, X509* issuer) {
  const bool ok = X509_check_issued(issuer, cert) == X509_V_OK &&
                  X509_verify(cert, X509_get0_pubkey(issuer)) == 1;
  ERR_clear_error();
  return ok;
}

bool covers(X509* cert, const std::set<AltName>& names) {
  const std::set<AltName> present = altNamesOf(cert);
  return std::ranges::includes(present, names);
}

// ---- The CA and the server certificate ----

Result<Authority> loadAuthority(const Paths& paths) {
  auto cert = readCertificate(paths.caCert);
  if (!cert) return cert.error();
  auto key = readKey(paths.caKey);
  if (!key) return key.error();
  if (!keyMatches(cert->get(), key->get())) {
    return errors::server(paths.caKey.string() + " is not the key of " + paths.caCert.string());
  }
  if (expiresWithin(cert->get(), 0)) {
    return errors::server("the CA in " + paths.caCert.string() +
                          " has expired; remove it and its key to create a new one");
  }
  return Authority{std::move(*cert), std::move(*key), false};
}

// Writes the key before the certificate: ca.pem is what marks the CA as
// existing, so a crash in between just means a new CA next time.
Result<Authority> createAuthority(const Paths& paths) {
  KeyPtr key = generateKey();
  if (!key) return openSslFailure("cannot generate a key for", paths.caKey);
  auto cert = issueCaCertificate(key.get(), paths.caCert);
  if (!cert) return cert.error();
  if (Status s = writeKey(paths.caKey, key.get()); !s) return s.error();
  if (Status s = writeCertificates(paths.caCert, {cert->get()}); !s) return s.error();
  return Authority{std::move(*cert), std::move(key), true};
}

Result<Authority> ensureAuthority(const Paths& paths) {
  auto exists = fileExists(paths.caCert);
  if (!exists) return exists.error();
  return *exists ? loadAuthority(paths) : createAuthority(paths);
}

// Whether the existing server certificate and key can be kept: both present,
// matching, issued by this CA, covering the names and not about to expire.
Result<bool> serverCertificateUsable(const Paths& paths, const Authority& ca,
                                     const std::set<AltName>& names) {
  for (const fs::path& path : {paths.cert, paths.key}) {
    auto exists = fileExists(path);
    if (!exists || !*exists) return exists;
  }
  auto cert = readCertificate(paths.cert);
  if (!cert) return cert.error();
  auto key = readKey(paths.key);
  if (!key) return key.error();
  return keyMatches(cert->get(), key->get()) && signedBy(cert->get(), ca.cert.get()) &&
         covers(cert->get(), names) && !expiresWithin(cert->get(), kRenewBeforeSeconds);
}

// Returns whether a new server certificate was issued. The key is written
// first; a crash before the certificate leaves a mismatch that is re-issued.
Result<bool> ensureServerCertificate(const Paths& paths, const Authority& ca,
                                     const std::set<AltName>& names) {
  auto usable = serverCertificateUsable(paths, ca, names);
  if (!usable) return usable.error();
  if (*usable) return false;
  KeyPtr key = generateKey();
  if (!key) return openSslFailure("cannot generate a key for", paths.key);
  auto cert = issueServerCertificate(ca, key.get(), names, paths.cert);
  if (!cert) return cert.error();
  if (Status s = writeKey(paths.key, key.get()); !s) return s.error();
  if (Status s = writeCertificates(paths.cert, {cert->get(), ca.cert.get()}); !s) {
    return s.error();
  }
  return true;
}

}  // namespace

Result<TlsFiles> ensureTlsMaterial(const std::filesystem::path& dataDir,
                                   const std::vector<std::string>& extraNames,
                                   std::optional<std::uint16_t> port) {
  ERR_clear_error();  // errors reported below are ours, not a previous caller's
  const Paths paths{dataDir / "ca.pem", dataDir / "ca-key.pem", dataDir / "server.pem",
                    dataDir / "server-key.pem"};
  auto names = requiredAltNames(extraNames, port);
  if (!names) return names.error();
  std::error_code ec;
  fs::create_directories(dataDir, ec);
  if (ec) return ioFailure("cannot create", dataDir, ec.value());
  auto ca = ensureAuthority(paths);
  if (!ca) return ca.error();
  auto issued = ensureServerCertificate(paths, *ca, *names);
  if (!issued) return issued.error();
  return TlsFiles{paths.caCert, paths.cert, paths.key, ca->generated || *issued, ca->generated};
}

}  // namespace ecsd::security
