#include "ecsd/iam/policy_text.h"

#include <algorithm>
#include <utility>

namespace ecsd::iam {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

void appendText(std::string& pattern, std::string_view text, bool wildcards) {
  if (wildcards) {
    // Only '\' needs escaping: the policy's '*' and '?' stay wildcards.
    for (char c : text) {
      if (c == '\\') pattern.push_back('\\');
      pattern.push_back(c);
    }
  } else {
    pattern += escapeWildcards(text);
  }
}

// The first n (at most 8) bytes of s as one number.
std::uint64_t headOf(std::string_view s, std::size_t n) {
  std::uint64_t head = 0;
  for (std::size_t i = 0; i < n; ++i) head = head << 8 | static_cast<unsigned char>(s[i]);
  return head;
}

bool matchPattern(std::string_view pattern, std::string_view value, Match match) {
  switch (match) {
    case Match::Text:
      return wildcardMatch(pattern, value, Case::Sensitive);
    case Match::TextIgnoreCase:
      return wildcardMatch(pattern, value, Case::Insensitive);
    case Match::Arn:
      return arnMatch(pattern, value);
  }
  return false;
}

}  // namespace

PolicyText PolicyText::compile(std::string_view text, bool wildcards, bool variables) {
  PolicyText compiled;
  compiled.text_ = std::string(text);
  compiled.pieces_.emplace_back();
  while (!text.empty()) {
    const auto open = variables ? text.find("${") : std::string_view::npos;
    const auto close = open == std::string_view::npos ? open : text.find('}', open);
    if (close == std::string_view::npos) {
      appendText(compiled.pieces_.back().pattern, text, wildcards);
      break;
    }
    appendText(compiled.pieces_.back().pattern, text.substr(0, open), wildcards);
    const std::string_view inside = text.substr(open + 2, close - open - 2);
    text.remove_prefix(close + 1);
    if (inside == "*" || inside == "?" || inside == "$") {
      compiled.pieces_.back().pattern += escapeWildcards(inside);
      continue;
    }
    Piece& piece = compiled.pieces_.back();
    const auto comma = inside.find(',');
    piece.variable = toLower(trim(inside.substr(0, comma)));
    if (comma != std::string_view::npos) {
      std::string_view fallback = trim(inside.substr(comma + 1));
      if (fallback.size() >= 2 && fallback.front() == '\'' && fallback.back() == '\'') {
        fallback = fallback.substr(1, fallback.size() - 2);
      }
      piece.fallback = std::string(fallback);
    }
    compiled.pieces_.emplace_back();
  }
  if (compiled.pieces_.size() == 1) {
    compiled.pattern_ = std::move(compiled.pieces_.front().pattern);
    compiled.pieces_.clear();
    const std::string& pattern = compiled.pattern_;
    compiled.literalPrefix_ = literalPrefixLength(pattern);
    compiled.headLength_ = std::min<std::size_t>(compiled.literalPrefix_, 8);
    compiled.head_ = headOf(pattern, compiled.headLength_);
    if (compiled.literalPrefix_ == pattern.size()) {
      compiled.shape_ = Shape::Exact;
    } else if (compiled.literalPrefix_ + 1 == pattern.size() && pattern.back() == '*') {
      compiled.shape_ = Shape::Prefix;
    }
  }
  return compiled;
}

std::optional<std::string> PolicyText::resolve(const ConditionContext& context) const {
  std::string pattern;
  for (const Piece& piece : pieces_) {
    pattern += piece.pattern;
    if (piece.variable.empty()) continue;
    const std::vector<std::string>* values = context.find(piece.variable);
    if (values != nullptr && values->size() == 1) {
      pattern += escapeWildcards(values->front());
    } else if (piece.fallback && (values == nullptr || values->empty())) {
      pattern += escapeWildcards(*piece.fallback);
    } else {
      return std::nullopt;
    }
  }
  return pattern;
}

bool PolicyText::matches(std::string_view value, const ConditionContext& context,
                         Match match) const {
  if (!pieces_.empty()) {
    const std::optional<std::string> pattern = resolve(context);
    return pattern && matchPattern(*pattern, value, match);
  }
  // Whatever the match, a value must start with the pattern's literal
  // prefix: checked at once, which settles most values.
  const Case c = match == Match::TextIgnoreCase ? Case::Insensitive : Case::Sensitive;
  if (c == Case::Sensitive && (value.size() < headLength_ || headOf(value, headLength_) != head_)) {
    return false;
  }
  if (!startsWith(value, std::string_view(pattern_).substr(0, literalPrefix_), c)) return false;
  if (match == Match::Arn) return arnMatch(pattern_, value);
  switch (shape_) {
    case Shape::Exact:
      return value.size() == pattern_.size();
    case Shape::Prefix:
      return true;
    case Shape::Glob:
      break;
  }
  return wildcardMatch(std::string_view(pattern_).substr(literalPrefix_),
                       value.substr(literalPrefix_), c);
}

}  // namespace ecsd::iam
