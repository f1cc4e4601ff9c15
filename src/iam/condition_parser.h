// A Condition block's entries, from JSON to Condition (ecsd/iam/condition.h).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "ecsd/iam/condition.h"
#include "ecsd/result.h"

namespace ecsd::iam {

// The statement's "Condition" element: {operator: {key: value(s)}, ...}.
// variables: the policy is Version 2012-10-17, so String, Arn and Bool values
// resolve ${...}. MalformedPolicyDocument for an unknown operator, a value of
// the wrong shape or a date IAM cannot read.
Result<std::vector<Condition>> parseConditions(const nlohmann::json& block, bool variables);

}  // namespace ecsd::iam
