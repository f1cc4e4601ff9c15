#include "ecsd/iam/wildcard.h"

#include <cstddef>

namespace ecsd::iam {
namespace {

char fold(char c, Case k) {
  return k == Case::Insensitive && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool isContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// arn split at its first five colons; false when it has fewer.
bool splitArn(std::string_view arn, std::string_view (&parts)[6]) {
  for (int i = 0; i < 5; ++i) {
    const auto colon = arn.find(':');
    if (colon == std::string_view::npos) return false;
    parts[i] = arn.substr(0, colon);
    arn.remove_prefix(colon + 1);
  }
  parts[5] = arn;
  return true;
}

}  // namespace

// The classic one-backtrack glob: on a mismatch, the last '*' takes one more
// character. Linear in practice, and never worse than pattern x text.
bool wildcardMatch(std::string_view pattern, std::string_view text, Case k) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t starP = std::string_view::npos;  // just after the last '*' seen
  std::size_t starT = 0;                       // where that '*' stopped taking text
  while (t < text.size()) {
    if (p < pattern.size()) {
      const char c = pattern[p];
      if (c == '*') {
        starP = ++p;
        starT = t;
        continue;
      }
      if (c == '?') {
        ++p;
        ++t;
        while (t < text.size() && isContinuationByte(text[t])) ++t;
        continue;
      }
      const bool escaped = c == '\\' && p + 1 < pattern.size();
      const char literal = escaped ? pattern[p + 1] : c;
      if (fold(literal, k) == fold(text[t], k)) {
        p += escaped ? 2 : 1;
        ++t;
        continue;
      }
    }
    if (starP == std::string_view::npos) return false;
    p = starP;
    t = ++starT;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::size_t literalPrefixLength(std::string_view pattern) {
  const auto wildcard = pattern.find_first_of("*?\\");
  return wildcard == std::string_view::npos ? pattern.size() : wildcard;
}

bool startsWith(std::string_view text, std::string_view prefix, Case k) {
  if (text.size() < prefix.size()) return false;
  if (k == Case::Sensitive) return text.compare(0, prefix.size(), prefix) == 0;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (fold(text[i], k) != fold(prefix[i], k)) return false;
  }
  return true;
}

std::string escapeWildcards(std::string_view text) {
  std::string pattern;
  pattern.reserve(text.size());
  for (char c : text) {
    if (c == '*' || c == '?' || c == '\\') pattern.push_back('\\');
    pattern.push_back(c);
  }
  return pattern;
}

bool arnMatch(std::string_view pattern, std::string_view arn) {
  std::string_view patternParts[6];
  std::string_view arnParts[6];
  if (!splitArn(pattern, patternParts) || !splitArn(arn, arnParts)) return false;
  for (int i = 0; i < 6; ++i) {
    if (!wildcardMatch(patternParts[i], arnParts[i])) return false;
  }
  return true;
}

}  // namespace ecsd::iam
