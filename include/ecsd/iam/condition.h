// One entry of a statement's Condition block, parsed: an operator (with its
// ForAnyValue:/ForAllValues: qualifier and ...IfExists), a condition key and
// the policy's values for it. A statement applies only when every one holds.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ecsd/iam/date_time.h"
#include "ecsd/iam/ip_range.h"
#include "ecsd/iam/policy_text.h"
#include "ecsd/iam/request.h"

namespace ecsd::iam {

// The operator's family: what its values are and how they compare.
enum class ConditionType { String, Arn, Numeric, Date, Bool, Binary, IpAddress, Null };

enum class Comparison { Equals, Like, LessThan, LessThanEquals, GreaterThan, GreaterThanEquals };

enum class SetOperator { None, ForAnyValue, ForAllValues };

struct Condition {
  std::string operatorName;  // as written: "ForAnyValue:StringLikeIfExists"
  ConditionType type = ConditionType::String;
  Comparison comparison = Comparison::Equals;
  bool negated = false;     // StringNotEquals, ArnNotLike, NotIpAddress, ...
  bool ignoreCase = false;  // StringEqualsIgnoreCase, StringNotEqualsIgnoreCase
  bool ifExists = false;
  SetOperator set = SetOperator::None;
  std::string key;  // lower-cased

  // The policy's values, in the one list the type uses.
  std::vector<PolicyText> texts;  // String, Arn, Bool, Binary
  std::vector<double> numbers;    // Numeric (NaN where the policy wrote no number)
  std::vector<Instant> dates;     // Date
  std::vector<IpRange> ranges;    // IpAddress (a value that is no range is left out)
  std::vector<bool> nulls;        // Null: true means "the key is absent"
};

// Whether the condition holds for the request, by AWS's rules:
// - a value of the request matches when it matches any of the policy's
//   values; a negated operator (StringNotEquals...) holds when none does;
// - with no qualifier, the key's values (usually one) are tested as a whole:
//   the condition holds when any matches, a negated one when none does, so an
//   absent key makes StringEquals false and StringNotEquals true;
// - ForAnyValue: at least one of the request's values must pass (false when
//   the key is absent or empty); ForAllValues: every one must (true then);
// - ...IfExists: true when the key is absent, else as without it;
// - Null: true ("is absent") or false ("is present"), never qualified.
bool holds(const Condition& condition, const ConditionContext& context);

}  // namespace ecsd::iam
