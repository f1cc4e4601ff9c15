// A string as a policy writes it (a Resource, a condition value), compiled
// once at parse time: its '*' and '?' are wildcards where the element takes
// them and literal elsewhere, and its policy variables are resolved against
// each request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ecsd/iam/request.h"
#include "ecsd/iam/wildcard.h"

namespace ecsd::iam {

// How a value is compared with a PolicyText.
enum class Match {
  Text,            // the whole value, case-sensitively
  TextIgnoreCase,  // the whole value, ASCII case folded
  Arn,             // part by part (arnMatch)
};

class PolicyText {
 public:
  // wildcards: '*' and '?' match as wildcards (Action, Resource, ...Like and
  // Arn... operators), else they are literal (StringEquals).
  // variables: ${key} is replaced by the request's value of key, and
  // ${key, 'default'} by default when the request has none; ${*}, ${?} and
  // ${$} are a literal '*', '?' and '$'. Policies of Version 2012-10-17 have
  // variables; in older ones "${...}" is plain text.
  static PolicyText compile(std::string_view text, bool wildcards, bool variables);

  // Whether value matches. A variable the request has no value for (and no
  // default) matches nothing, as AWS says an unresolved variable makes its
  // element match nothing; so does one with several values (aws:TagKeys):
  // AWS allows only single-valued keys as variables.
  bool matches(std::string_view value, const ConditionContext& context, Match match) const;

  // The text as the policy wrote it.
  const std::string& text() const { return text_; }

 private:
  // A stretch of pattern (wildcard.h's syntax), then the variable after it
  // (lower-cased key; empty after the last stretch).
  struct Piece {
    std::string pattern;
    std::string variable;
    std::optional<std::string> fallback;  // the ${key, 'default'} default
  };
  // What a pattern without variables needs once its literal prefix matched.
  enum class Shape {
    Exact,   // nothing: no wildcards at all ("ecs:runtask")
    Prefix,  // nothing: a single '*' ends it ("ecs:describe*", "...:task-definition/web:*")
    Glob,    // the rest, wildcardMatch
  };

  // The pattern with every variable resolved; nullopt when one has no value.
  std::optional<std::string> resolve(const ConditionContext& context) const;

  // Without variables (most texts): the whole pattern, with how much of it
  // is literal (literalPrefixLength), so most values that do not match are
  // turned away by one comparison; and the first (up to 8) bytes of that
  // literal prefix held here, so that comparison seldom reaches the heap.
  std::uint64_t head_ = 0;
  std::size_t headLength_ = 0;
  std::size_t literalPrefix_ = 0;
  Shape shape_ = Shape::Glob;
  std::string pattern_;
  std::vector<Piece> pieces_;  // with variables: the pieces, pattern_ unused
  std::string text_;
};

}  // namespace ecsd::iam
