// Logs as logfmt-like lines: `t=2026-11-24T13:00:00.123+00:00 lvl=info msg="..." key=value`.
#pragma once

#include <string>
#include <string_view>

#include "ecsd/result.h"

namespace ecsd::logging {

// Sets up the default spdlog logger with the logfmt pattern, writing to
// stderr, or to stdout, or appending to `file` when one is given.
// level: trace, debug, info, warn, error, critical (or crit) or off. Returns
// false for an unknown level (and keeps info).
enum class Console { Stderr, Stdout };
bool configure(std::string_view level, Console console = Console::Stderr,
               const std::string& file = "");

// A value as logfmt wants it: bare when it has no space, quote, '=' or control
// character, otherwise double-quoted with \" and \\ escaped.
std::string quote(std::string_view value);

// A failed result's log-only detail (Error::detail, already key=value pairs)
// and a space, to stand before the next key of a line; "" when there is none.
inline std::string detail(const Error& error) {
  return error.detail.empty() ? "" : error.detail + " ";
}
template <class T>
std::string detail(const Result<T>& result) {
  return result.ok() ? "" : detail(result.error());
}

}  // namespace ecsd::logging
