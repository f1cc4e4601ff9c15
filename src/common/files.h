// Reading and writing the small files in the data directory: safely, and
// with errors as values.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "ecsd/result.h"

namespace ecsd::files {

// A ServerException naming the action, the path and the errno's text.
Error ioFailure(const std::string& what, const std::filesystem::path& path, int error);

Result<bool> fileExists(const std::filesystem::path& path);
Result<std::string> readFile(const std::filesystem::path& path);

// Temp file + fsync + rename (+ fsync of the directory), so readers and a
// restart after a crash see either the old file or the complete new one. The
// file gets exactly `mode`, whatever the umask.
Status writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                           mode_t mode);

}  // namespace ecsd::files
