#include "ecsd/iam/date_time.h"

#include <charconv>
#include <limits>

namespace ecsd::iam {
namespace {

// Reads exactly `digits` digits from the front of text.
std::optional<int> number(std::string_view& text, std::size_t digits) {
  if (text.size() < digits) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  text.remove_prefix(digits);
  return value;
}

// Takes c from the front of text; letters ('T', 'Z') in either case.
bool take(std::string_view& text, char c) {
  const bool letter = c >= 'A' && c <= 'Z';
  if (text.empty() || (text.front() != c && !(letter && text.front() == c - 'A' + 'a'))) {
    return false;
  }
  text.remove_prefix(1);
  return true;
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard
// Hinnant's days_from_civil).
std::int64_t daysFromCivil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

std::optional<Instant> epochSeconds(std::string_view text) {
  std::int64_t seconds = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error != std::errc() || end != text.data() + text.size() || seconds < 0) return std::nullopt;
  if (seconds > std::numeric_limits<std::int64_t>::max() / 1000) return std::nullopt;
  return seconds * 1000;
}

}  // namespace

std::optional<Instant> parseDateTime(std::string_view text) {
  // As IAM reads them: digits alone are epoch seconds, even four of them.
  if (text.find('-') == std::string_view::npos && text.find_first_of("Tt") == text.npos) {
    return epochSeconds(text);
  }
  int month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0, offset = 0;
  const auto year = number(text, 4);
  if (!year) return std::nullopt;
  if (take(text, '-')) {
    const auto m = number(text, 2);
    if (!m || *m < 1 || *m > 12) return std::nullopt;
    month = *m;
    if (take(text, '-')) {
      const auto d = number(text, 2);
      if (!d || *d < 1 || *d > 31) return std::nullopt;
      day = *d;
    }
  }
  if (take(text, 'T')) {
    const auto h = number(text, 2);
    if (!h || *h > 23 || !take(text, ':')) return std::nullopt;
    const auto mi = number(text, 2);
    if (!mi || *mi > 59) return std::nullopt;
    hour = *h;
    minute = *mi;
    if (take(text, ':')) {
      const auto s = number(text, 2);
      if (!s || *s > 59) return std::nullopt;
      second = *s;
      if (take(text, '.')) {
        // A fraction of any length; milliseconds are kept.
        int scale = 100;
        std::size_t digits = 0;
        while (!text.empty() && text.front() >= '0' && text.front() <= '9') {
          millis += (text.front() - '0') * scale;
          scale /= 10;
          text.remove_prefix(1);
          ++digits;
        }
        if (digits == 0) return std::nullopt;
      }
    }
    if (take(text, 'Z')) {
    } else if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
      const int sign = text.front() == '+' ? 1 : -1;
      text.remove_prefix(1);
      const auto oh = number(text, 2);
      if (!oh || *oh > 23 || !take(text, ':')) return std::nullopt;
      const auto om = number(text, 2);
      if (!om || *om > 59) return std::nullopt;
      offset = sign * (*oh * 60 + *om);
    }
  }
  if (!text.empty()) return std::nullopt;
  const std::int64_t minutes =
      (daysFromCivil(*year, month, day) * 24 + hour) * 60 + minute - offset;
  return (minutes * 60 + second) * 1000 + millis;
}

}  // namespace ecsd::iam
