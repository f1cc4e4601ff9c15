// The TLS material ecsd serves with: a local CA and a server certificate it
// signs, generated on first start and reused after.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ecsd/result.h"

namespace ecsd::security {

struct TlsFiles {
  std::filesystem::path caCertificate;      // DIR/ca.pem: what clients trust (AWS_CA_BUNDLE)
  std::filesystem::path certificate;        // DIR/server.pem: server cert (+ CA cert chain)
  std::filesystem::path privateKey;         // DIR/server-key.pem, mode 0600
  bool generated = false;                   // true when this call created anything
  bool authorityGenerated = false;          // ...and the CA among it (a first start)
};

// Makes sure DIR holds a CA (ca.pem, ca-key.pem) and a server certificate
// signed by it whose subjectAltNames cover localhost, 127.0.0.1, ::1 and every
// extra name (an IP literal becomes an IP SAN, anything else a DNS SAN: a host
// name, or a "host:port" as Amazon's agent checks it, e.g. "127.0.0.1:8443").
// With a port, every name without one is also covered as "name:port"
// ("localhost:8443", "[::1]:8443"): what Amazon's agent checks for the
// session URL it is given. Existing files are reused; a server certificate
// that does not cover the names, or expires within 30 days, is re-issued from
// the same CA.
Result<TlsFiles> ensureTlsMaterial(const std::filesystem::path& dataDir,
                                   const std::vector<std::string>& extraNames,
                                   std::optional<std::uint16_t> port = std::nullopt);

}  // namespace ecsd::security
