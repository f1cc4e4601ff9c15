#include "ecsd/iam/condition.h"

#include <algorithm>

#include "number.h"

namespace ecsd::iam {
namespace {

template <class T>
bool compare(Comparison comparison, T request, T policy) {
  switch (comparison) {
    case Comparison::Equals:
    case Comparison::Like:
      return request == policy;
    case Comparison::LessThan:
      return request < policy;
    case Comparison::LessThanEquals:
      return request <= policy;
    case Comparison::GreaterThan:
      return request > policy;
    case Comparison::GreaterThanEquals:
      return request >= policy;
  }
  return false;
}

// Whether one of the request's values matches any of the policy's values, as
// the operator compares them (before its negation, if any).
bool matchesAny(const Condition& c, std::string_view value, const ConditionContext& context) {
  const auto text = [&](Match match) {
    return std::any_of(c.texts.begin(), c.texts.end(),
                       [&](const PolicyText& t) { return t.matches(value, context, match); });
  };
  switch (c.type) {
    case ConditionType::String:
      return text(c.ignoreCase ? Match::TextIgnoreCase : Match::Text);
    case ConditionType::Arn:
      return text(Match::Arn);
    case ConditionType::Bool:
      return text(Match::TextIgnoreCase);
    case ConditionType::Binary:
      return text(Match::Text);
    case ConditionType::Numeric: {
      const std::optional<double> number = parseNumber(value);
      return number && std::any_of(c.numbers.begin(), c.numbers.end(),
                                   [&](double n) { return compare(c.comparison, *number, n); });
    }
    case ConditionType::Date: {
      const std::optional<Instant> date = parseDateTime(value);
      return date && std::any_of(c.dates.begin(), c.dates.end(),
                                 [&](Instant d) { return compare(c.comparison, *date, d); });
    }
    case ConditionType::IpAddress: {
      const std::optional<IpRange> address = parseIpAddress(value);
      return address && std::any_of(c.ranges.begin(), c.ranges.end(),
                                    [&](const IpRange& r) { return contains(r, *address); });
    }
    case ConditionType::Null:
      break;  // holds() answers Null from the key's presence alone
  }
  return false;
}

}  // namespace

bool holds(const Condition& c, const ConditionContext& context) {
  const std::vector<std::string>* found = context.find(c.key);
  const bool absent = found == nullptr || found->empty();
  if (c.type == ConditionType::Null) {
    return std::find(c.nulls.begin(), c.nulls.end(), absent) != c.nulls.end();
  }
  if (c.ifExists && absent) return true;
  static const std::vector<std::string> kNoValues;
  const std::vector<std::string>& values = found != nullptr ? *found : kNoValues;
  const auto matches = [&](const std::string& v) { return matchesAny(c, v, context); };
  const auto passes = [&](const std::string& v) { return matches(v) != c.negated; };
  switch (c.set) {
    case SetOperator::None:
      return std::any_of(values.begin(), values.end(), matches) != c.negated;
    case SetOperator::ForAnyValue:
      return std::any_of(values.begin(), values.end(), passes);
    case SetOperator::ForAllValues:
      return std::all_of(values.begin(), values.end(), passes);
  }
  return false;
}

}  // namespace ecsd::iam
