// A file compiled into the binary at build time (see cmake/Embed.cmake).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace ecsd {

struct EmbeddedFile {
  std::string_view name;
  std::string_view content;
};

// schema/sqlite/*.sql in name order, and api/*.json.
extern const EmbeddedFile kSchemaFiles[];
extern const std::size_t kSchemaFilesCount;
extern const EmbeddedFile kApiFiles[];
extern const std::size_t kApiFilesCount;

inline std::span<const EmbeddedFile> schemaFiles() { return {kSchemaFiles, kSchemaFilesCount}; }
inline std::span<const EmbeddedFile> apiFiles() { return {kApiFiles, kApiFilesCount}; }

}  // namespace ecsd
