// The date and time values of the Date condition operators.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ecsd::iam {

// Milliseconds since 1970-01-01T00:00:00Z.
using Instant = std::int64_t;

// A date as IAM takes one: a W3C profile of ISO 8601 ("2024", "2024-05",
// "2024-05-01", "2024-05-01T12:30Z", "2024-05-01T12:30:15.250+02:00"; no
// zone is UTC) or epoch (UNIX) seconds ("1714566615"). nullopt otherwise.
std::optional<Instant> parseDateTime(std::string_view text);

}  // namespace ecsd::iam
