#include "condition_parser.h"

#include <cmath>
#include <optional>
#include <string>

#include "number.h"
#include "policy_errors.h"

namespace ecsd::iam {
namespace {

using nlohmann::json;

// An operator's name without its qualifier and IfExists, and what it does.
struct Operator {
  std::string_view name;
  ConditionType type;
  Comparison comparison;
  bool negated;
  bool ignoreCase;
};

// IAM's condition operators (IAM JSON policy elements: Condition operators).
constexpr Operator kOperators[] = {
    {"StringEquals", ConditionType::String, Comparison::Equals, false, false},
    {"StringNotEquals", ConditionType::String, Comparison::Equals, true, false},
    {"StringEqualsIgnoreCase", ConditionType::String, Comparison::Equals, false, true},
    {"StringNotEqualsIgnoreCase", ConditionType::String, Comparison::Equals, true, true},
    {"StringLike", ConditionType::String, Comparison::Like, false, false},
    {"StringNotLike", ConditionType::String, Comparison::Like, true, false},
    {"NumericEquals", ConditionType::Numeric, Comparison::Equals, false, false},
    {"NumericNotEquals", ConditionType::Numeric, Comparison::Equals, true, false},
    {"NumericLessThan", ConditionType::Numeric, Comparison::LessThan, false, false},
    {"NumericLessThanEquals", ConditionType::Numeric, Comparison::LessThanEquals, false, false},
    {"NumericGreaterThan", ConditionType::Numeric, Comparison::GreaterThan, false, false},
    {"NumericGreaterThanEquals", ConditionType::Numeric, Comparison::GreaterThanEquals, false,
     false},
    {"DateEquals", ConditionType::Date, Comparison::Equals, false, false},
    {"DateNotEquals", ConditionType::Date, Comparison::Equals, true, false},
    {"DateLessThan", ConditionType::Date, Comparison::LessThan, false, false},
    {"DateLessThanEquals", ConditionType::Date, Comparison::LessThanEquals, false, false},
    {"DateGreaterThan", ConditionType::Date, Comparison::GreaterThan, false, false},
    {"DateGreaterThanEquals", ConditionType::Date, Comparison::GreaterThanEquals, false, false},
    {"Bool", ConditionType::Bool, Comparison::Equals, false, false},
    {"BinaryEquals", ConditionType::Binary, Comparison::Equals, false, false},
    {"IpAddress", ConditionType::IpAddress, Comparison::Equals, false, false},
    {"NotIpAddress", ConditionType::IpAddress, Comparison::Equals, true, false},
    // ArnEquals and ArnLike behave identically, as do their negations.
    {"ArnEquals", ConditionType::Arn, Comparison::Like, false, false},
    {"ArnLike", ConditionType::Arn, Comparison::Like, false, false},
    {"ArnNotEquals", ConditionType::Arn, Comparison::Like, true, false},
    {"ArnNotLike", ConditionType::Arn, Comparison::Like, true, false},
    {"Null", ConditionType::Null, Comparison::Equals, false, false},
};

// Operator names compare case-insensitively: AWS's own ECS examples write
// "ARNEquals".
bool consumePrefix(std::string_view& s, std::string_view prefix) {
  if (toLower(s.substr(0, prefix.size())) != toLower(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

bool consumeSuffix(std::string_view& s, std::string_view suffix) {
  if (s.size() < suffix.size() || toLower(s.substr(s.size() - suffix.size())) != toLower(suffix)) {
    return false;
  }
  s.remove_suffix(suffix.size());
  return true;
}

// "ForAllValues:StringLikeIfExists" -> a Condition with its operator filled
// in; nullopt for a name IAM does not know (Null takes no IfExists).
std::optional<Condition> parseOperator(std::string_view name) {
  Condition c;
  c.operatorName = std::string(name);
  if (consumePrefix(name, "ForAnyValue:")) {
    c.set = SetOperator::ForAnyValue;
  } else if (consumePrefix(name, "ForAllValues:")) {
    c.set = SetOperator::ForAllValues;
  }
  c.ifExists = consumeSuffix(name, "IfExists");
  const std::string lowerName = toLower(name);
  for (const Operator& op : kOperators) {
    if (toLower(op.name) != lowerName) continue;
    if (op.type == ConditionType::Null && c.ifExists) return std::nullopt;
    c.type = op.type;
    c.comparison = op.comparison;
    c.negated = op.negated;
    c.ignoreCase = op.ignoreCase;
    return c;
  }
  return std::nullopt;
}

// A condition value as text: the grammar allows strings, numbers and Booleans.
std::optional<std::string> valueText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  return std::nullopt;
}

// Adds one policy value to c, typed as c's operator takes it.
Status addValue(Condition& c, const std::string& value, bool variables) {
  switch (c.type) {
    case ConditionType::String:
    case ConditionType::Arn:
    case ConditionType::Bool:
    case ConditionType::Binary: {
      // Policy variables: in String, Arn and Bool values; wildcards: in
      // ...Like and the Arn operators (which AWS defines with wildcards).
      const bool wildcards = c.comparison == Comparison::Like;
      const bool substitutes = variables && c.type != ConditionType::Binary;
      c.texts.push_back(PolicyText::compile(value, wildcards, substitutes));
      return {};
    }
    case ConditionType::Numeric:
      c.numbers.push_back(parseNumber(value).value_or(std::nan("")));
      return {};
    case ConditionType::Date: {
      // IAM refuses a date it cannot read (its "legacy parsing").
      const std::optional<Instant> date = parseDateTime(value);
      if (!date) return malformedPolicy(kLegacyParsing);
      c.dates.push_back(*date);
      return {};
    }
    case ConditionType::IpAddress:
      if (auto range = parseIpRange(value)) c.ranges.push_back(*range);
      return {};
    case ConditionType::Null:
      c.nulls.push_back(toLower(value) == "true");
      return {};
  }
  return {};
}

}  // namespace

Result<std::vector<Condition>> parseConditions(const json& block, bool variables) {
  if (!block.is_object()) return malformedPolicy(kSyntaxErrors);
  std::vector<Condition> conditions;
  for (const auto& [operatorName, keys] : block.items()) {
    const std::optional<Condition> op = parseOperator(operatorName);
    if (!op || !keys.is_object()) return malformedPolicy(kSyntaxErrors);
    for (const auto& [key, values] : keys.items()) {
      Condition c = *op;
      c.key = toLower(key);
      const json list = values.is_array() ? values : json::array({values});
      for (const json& v : list) {
        const std::optional<std::string> text = valueText(v);
        if (!text) return malformedPolicy(kSyntaxErrors);
        if (Status added = addValue(c, *text, variables); !added) return added.error();
      }
      conditions.push_back(std::move(c));
    }
  }
  return conditions;
}

}  // namespace ecsd::iam
