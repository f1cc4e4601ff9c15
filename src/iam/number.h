// The numbers of the Numeric condition operators: integers or decimals.
#pragma once

#include <charconv>
#include <optional>
#include <string_view>

namespace ecsd::iam {

// "42", "-1.5"; nullopt for anything else (no exponents, no "inf").
inline std::optional<double> parseNumber(std::string_view text) {
  if (text.find_first_not_of("0123456789.-") != std::string_view::npos) return std::nullopt;
  double value = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace ecsd::iam
