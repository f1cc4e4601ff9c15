// The literal values of the cluster query language (numbers, dates) and a guard against
// regular expressions that would compile to huge automata. Internal to query.cpp.
#pragma once

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace ecsd::scheduler::query_literals {

inline constexpr double kMaxRegexStates = 1000;  // real patterns need tens
inline constexpr size_t kMaxRegexGroupDepth = 32;

inline std::optional<double> parseNumber(std::string_view s) {
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

inline std::optional<double> parseInteger(std::string_view s) {
  long long value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return static_cast<double>(value);
}

// The guide's date formats: 2018-06-18T22:28:28+00:00, 2018-06-18T22:28:28Z,
// 2018-06-18T22:28:28 and 2018-06-18. Returns epoch seconds.
inline std::optional<double> parseTime(std::string_view s) {
  auto digits = [&](size_t at, size_t count) -> std::optional<int> {
    int value = 0;
    for (size_t i = at; i < at + count; ++i) {
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return std::nullopt;
      value = value * 10 + (s[i] - '0');
    }
    return value;
  };
  const auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  if (!year || !month || !day || s[4] != '-' || s[7] != '-') return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  long long seconds =
      static_cast<long long>(std::chrono::sys_days(date).time_since_epoch().count()) * 86400;
  if (s.size() == 10) return static_cast<double>(seconds);

  const auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (!hour || !minute || !second || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
      s[16] != ':' || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  seconds += *hour * 3600 + *minute * 60 + *second;
  const std::string_view zone = s.substr(19);
  if (zone.empty() || zone == "Z" || zone == "z") return static_cast<double>(seconds);
  const auto zoneHours = digits(20, 2), zoneMinutes = digits(23, 2);
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' || !zoneHours ||
      !zoneMinutes || *zoneHours > 23 || *zoneMinutes > 59) {
    return std::nullopt;
  }
  const long long offset = *zoneHours * 3600 + *zoneMinutes * 60;
  return static_cast<double>(zone[0] == '+' ? seconds - offset : seconds + offset);
}

// A pattern's rough NFA size: a counted repetition copies its operand, so
// "((a{99}){99}){99}" would need a million states. Deep groups would recurse deeply.
inline bool regexTooComplex(std::string_view p) {
  std::vector<double> sequence{0};  // states of the sequence open at each group level
  double last = 0;                  // states of the latest atom, which a quantifier repeats
  auto atom = [&](double states) {
    last = states;
    sequence.back() += states;
  };
  // Past an escape's backslash to its last character: \cX (a control
  // character) takes X too, whatever X is, as libstdc++ reads it.
  auto skipEscape = [&](size_t& i) {
    ++i;
    if (i < p.size() && p[i] == 'c') ++i;
  };
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      skipEscape(i);  // to the escaped character
      // A back-reference's number is read into an int without a bound
      // (libstdc++'s regex compiler overflows on "\\77777777777"): no
      // pattern has more than 99 groups.
      std::size_t digits = 0;
      while (i + digits < p.size() && p[i + digits] >= '0' && p[i + digits] <= '9') ++digits;
      if (digits > 2) return true;
      atom(1);
    } else if (p[i] == '[') {
      for (++i; i < p.size() && p[i] != ']'; ++i) {
        if (p[i] == '\\') skipEscape(i);
      }
      atom(1);
    } else if (p[i] == '(') {
      sequence.push_back(0);
      if (sequence.size() > kMaxRegexGroupDepth) return true;
    } else if (p[i] == ')' && sequence.size() > 1) {
      const double group = sequence.back() + 1;
      sequence.pop_back();
      atom(group);
    } else if (p[i] == '{') {
      double low = 0, high = -1;
      size_t j = i + 1;
      for (; j < p.size() && p[j] >= '0' && p[j] <= '9'; ++j) low = low * 10 + (p[j] - '0');
      if (j < p.size() && p[j] == ',') {
        high = 0;
        for (++j; j < p.size() && p[j] >= '0' && p[j] <= '9'; ++j) high = high * 10 + (p[j] - '0');
      }
      // Counts are read into an int without a bound, as back-references are,
      // also when no '}' closes them.
      if (low > 1e6 || high > 1e6) return true;
      if (j >= p.size() || p[j] != '}') {
        atom(1);
        continue;
      }
      const double times = std::max(1.0, high > 0 ? high : low + 1);
      sequence.back() += last * (times - 1);
      last *= times;
      i = j;
    } else {
      atom(1);
    }
    if (sequence.back() > kMaxRegexStates) return true;
  }
  double total = 0;
  for (double states : sequence) total += states;
  return total > kMaxRegexStates;
}

}  // namespace ecsd::scheduler::query_literals
