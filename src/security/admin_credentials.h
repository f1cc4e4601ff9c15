// The admin access key pair, kept in DIR/credentials in the AWS CLI's
// credentials-file format under the profile "ecsd".
#pragma once

#include <filesystem>

#include "ecsd/result.h"
#include <string>

#include "security/key_ring.h"

namespace ecsd::security {

struct AdminCredentials {
  AccessKey key;          // principal "admin"
  std::filesystem::path file;
  bool generated = false;  // true when this call created the file
};

// Reads DIR/credentials, or on first start creates it (mode 0600) with a new
// key pair: an access key id shaped like AWS's ("AKIA" + 16 of A-Z2-7) and a
// 40-character secret.
Result<AdminCredentials> ensureAdminCredentials(const std::filesystem::path& dataDir);

// The key IAM users' secrets are sealed with at rest (crypto/sealed_box.h):
// DIR/iam.key, 32 random bytes made on first start (mode 0600). Losing it
// loses every IAM user's secret, not the users.
Result<std::string> ensureSealKey(const std::filesystem::path& dataDir);

}  // namespace ecsd::security
