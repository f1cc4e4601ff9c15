// Which resources a call touches, named from its input: the authorize stage
// asks a policy about these ARNs before the call runs. Each operation says
// which of its members name what, beside its registration.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ecsd/domain/arn.h"

namespace ecsd::operations {

// What a member of the input names; a member holds one reference or a list.
enum class Names {
  kCluster,            // cluster names or ARNs ("default" when absent); the first is the call's
  kTaskDefinition,     // "family", "family:revision" or an ARN
  kContainerInstance,  // an id or ARN, in the call's cluster
  kTask,               // an id or ARN, in the call's cluster
  kService,            // a name or ARN, in the call's cluster
  kArn,                // an ARN of any kind (resourceArn)
};

struct Member {
  std::string name;  // "containerInstances"
  Names names;
};

using Touches =
    std::function<std::vector<std::string>(const ArnFactory&, const nlohmann::json& input)>;

// The ARNs the members name, the cluster first. References that need the
// state to resolve (a family without a revision) are named as given; a
// member of the wrong type names nothing (the handler answers that). Never
// throws.
Touches touching(std::vector<Member> members);

}  // namespace ecsd::operations
