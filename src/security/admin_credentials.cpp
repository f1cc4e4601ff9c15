#include "security/admin_credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>

#include "common/files.h"
#include "crypto/crypto.h"
#include "crypto/sealed_box.h"
#include "ecsd/errors.h"
#include "security/key_material.h"

namespace ecsd::security {
namespace {

namespace fs = std::filesystem;
using files::ioFailure;
using files::readFile;
using files::writeFileAtomically;

constexpr std::string_view kProfile = "ecsd";
constexpr std::string_view kPrincipal = "admin";
constexpr mode_t kPrivateMode = 0600;


std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Applies one "key = value" line (or "key: value", as the AWS CLI's parser
// also accepts) to key; unknown keys are ignored.
void applySetting(std::string_view line, AccessKey& key) {
  const auto separator = line.find_first_of("=:");
  if (separator == std::string_view::npos) return;
  const std::string name = lowercase(trim(line.substr(0, separator)));
  const std::string value(trim(line.substr(separator + 1)));
  if (name == "aws_access_key_id") key.accessKeyId = value;
  if (name == "aws_secret_access_key") key.secretAccessKey = value;
}

// Reads the [ecsd] profile of an AWS credentials file, skipping comments,
// blank lines and other profiles. Fields not found are left empty.
AccessKey parseProfile(std::string_view text) {
  AccessKey key{"", "", std::string(kPrincipal), true};
  bool inProfile = false;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      inProfile = line.back() == ']' && trim(line.substr(1, line.size() - 2)) == kProfile;
    } else if (inProfile) {
      applySetting(line, key);
    }
  }
  return key;
}

Result<AdminCredentials> readCredentials(const fs::path& file) {
  auto text = readFile(file);
  if (!text) return text.error();
  AccessKey key = parseProfile(*text);
  if (key.accessKeyId.empty() || key.secretAccessKey.empty()) {
    return errors::server(file.string() + " has no complete [" + std::string(kProfile) +
                          "] profile (aws_access_key_id and aws_secret_access_key); "
                          "fix it, or move it away to have new credentials created");
  }
  return AdminCredentials{std::move(key), file, false};
}

Result<AdminCredentials> createCredentials(const fs::path& file) {
  AccessKey key{newAccessKeyId(), newSecretAccessKey(), std::string(kPrincipal), true};
  std::ostringstream text;
  text << "[" << kProfile << "]\naws_access_key_id = " << key.accessKeyId
       << "\naws_secret_access_key = " << key.secretAccessKey << "\n";
  if (Status s = writeFileAtomically(file, text.str(), kPrivateMode); !s) return s.error();
  return AdminCredentials{std::move(key), file, true};
}

}  // namespace

Result<AdminCredentials> ensureAdminCredentials(const std::filesystem::path& dataDir) {
  const fs::path file = dataDir / "credentials";
  std::error_code ec;
  fs::create_directories(dataDir, ec);
  if (ec) return ioFailure("cannot create", dataDir, ec.value());
  const bool exists = fs::exists(file, ec);
  if (ec) return ioFailure("cannot stat", file, ec.value());
  return exists ? readCredentials(file) : createCredentials(file);
}

Result<std::string> ensureSealKey(const std::filesystem::path& dataDir) {
  const fs::path file = dataDir / "iam.key";
  auto exists = files::fileExists(file);
  if (!exists) return exists.error();
  if (*exists) {
    auto key = readFile(file);
    if (!key) return key.error();
    if (key->size() != crypto::kSealKeySize) {
      return errors::server(file.string() + " is not a " + std::to_string(crypto::kSealKeySize) +
                            "-byte key; the IAM secrets sealed with it cannot be opened without it");
    }
    return std::move(*key);
  }
  std::string key = crypto::randomBytes(crypto::kSealKeySize);
  if (Status s = writeFileAtomically(file, key, kPrivateMode); !s) return s.error();
  return key;
}

}  // namespace ecsd::security
