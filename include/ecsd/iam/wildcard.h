// IAM's wildcards: '*' matches any run of characters (none included), '?'
// exactly one. Actions, resources and the ...Like condition operators all
// match this way; no regular expressions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ecsd::iam {

enum class Case { Sensitive, Insensitive };

// Whether text matches pattern, whole. In pattern, '\' makes the next
// character literal (escapeWildcards writes that), so a pattern can hold a
// literal '*' or '?' (a policy's ${*} and ${?}, or an operator without
// wildcards). Insensitive folds ASCII letters only. '?' takes one UTF-8
// character, not one byte.
bool wildcardMatch(std::string_view pattern, std::string_view text, Case c = Case::Sensitive);

// text as a pattern that matches exactly text.
std::string escapeWildcards(std::string_view text);

// How many characters pattern starts with that match only themselves (up to
// its first '*', '?' or '\'): any text it matches starts with them.
std::size_t literalPrefixLength(std::string_view pattern);

// Whether text starts with prefix (a literal, no wildcards).
bool startsWith(std::string_view text, std::string_view prefix, Case c = Case::Sensitive);

// The ARN operators' match: each of the six colon-separated parts of
// "arn:partition:service:region:account:resource" matched on its own (the
// resource part keeps any further colons), case-sensitively, so a '*' never
// reaches across a colon into the next part. Either side with fewer than six
// parts matches nothing.
bool arnMatch(std::string_view pattern, std::string_view arn);

}  // namespace ecsd::iam
