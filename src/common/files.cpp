#include "common/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <system_error>

#include "crypto/crypto.h"
#include "ecsd/errors.h"

namespace ecsd::files {

namespace fs = std::filesystem;

namespace {

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

}  // namespace

Error ioFailure(const std::string& what, const fs::path& path, int error) {
  return errors::server(what + " " + path.string() + ": " + std::generic_category().message(error));
}

Result<bool> fileExists(const fs::path& path) {
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  if (ec) return ioFailure("cannot stat", path, ec.value());
  return exists;
}

Result<std::string> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ioFailure("cannot open", path, errno);
  std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return ioFailure("cannot read", path, errno);
  return content;
}

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

}  // namespace ecsd::files
