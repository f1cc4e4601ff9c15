// Test support: a fresh directory, removed with everything in it, and
// reading a file whole.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

#include "common/files.h"
#include "crypto/crypto.h"

namespace ecsd::test_support {

struct TempDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("ecsd-test-" + crypto::hex(crypto::randomBytes(8)));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// The file's bytes; empty when it cannot be read.
inline std::string readText(const std::filesystem::path& path) {
  auto content = files::readFile(path);
  return content.ok() ? *content : std::string();
}

}  // namespace ecsd::test_support
