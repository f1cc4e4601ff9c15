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

#include "crypto/crypto.h"
#include "ecsd/errors.h"

namespace ecsd::security {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kProfile = "ecsd";
constexpr std::string_view kPrincipal = "admin";
// AWS access key ids are "AKIA" + 16 base32 characters; secrets 40 of base64's alphabet.
constexpr std::string_view kKeyIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kSecretAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+";
constexpr mode_t kPrivateMode = 0600;

Error ioFailure(const std::string& what, const fs::path& path, int error) {
  return errors::server(what + " " + path.string() + ": " + std::generic_category().message(error));
}

Result<std::string> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ioFailure("cannot open", path, errno);
  std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return ioFailure("cannot read", path, errno);
  return content;
}

// Writes all of content, sets the exact mode (whatever the umask) and flushes
// to disk. Returns the errno of the first failure, or 0.
int writeAndClose(int fd, std::string_view content, mode_t mode) {
  int error = ::fchmod(fd, mode) == 0 ? 0 : errno;
  while (error == 0 && !content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno != EINTR) error = errno;
    if (n > 0) content.remove_prefix(static_cast<std::size_t>(n));
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  return error;
}

// Temp file + rename, so readers (and a restart after a crash) see either the
// old file or the complete new one, never half a secret.
Status writeFileAtomically(const fs::path& path, std::string_view content, mode_t mode) {
  const std::string temp = path.string() + ".tmp-" + crypto::hex(crypto::randomBytes(6));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return ioFailure("cannot create", temp, errno);
  int error = writeAndClose(fd, content, mode);
  if (error == 0 && ::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    return ioFailure("cannot write", path, error);
  }
  // Persist the rename itself; best effort, the data is already safe.
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (const int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dirFd >= 0) {
    ::fsync(dirFd);
    ::close(dirFd);
  }
  return {};
}

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
  AccessKey key{"", "", std::string(kPrincipal)};
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
  // append() rather than "AKIA" + ..., which trips GCC 12's -Wrestrict false positive.
  AccessKey key{std::string("AKIA").append(crypto::randomString(16, kKeyIdAlphabet)),
                crypto::randomString(40, kSecretAlphabet), std::string(kPrincipal)};
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

}  // namespace ecsd::security
