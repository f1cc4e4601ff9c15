// The wire contract compiled in: api/ecs-operations.json (every ECS
// operation, whether ecsd implements it, and the IAM action and access a
// policy knows it by) and api/ecs-input-shapes.json (the inputs' types).
#pragma once

#include <map>
#include <string>

#include "protocol/input_shape.h"

namespace ecsd::operations {

struct OperationContract {
  std::string status;  // "implemented" | "planned" | "not-implemented"
  std::string note;    // for users: what a planned operation waits for
  std::string action;  // "ecs:RunTask"
  bool write = true;   // "access": "write" (changes something) or "read"
};

// By operation name. Aborts at start if the embedded file is malformed: that
// is a build defect, not a runtime condition.
const std::map<std::string, OperationContract, std::less<>>& apiContract();

// api/ecs-input-shapes.json, compiled in: each implemented operation's input
// types. Aborts at start if malformed, as apiContract() does.
const protocol::InputShapes& inputShapes();

}  // namespace ecsd::operations
