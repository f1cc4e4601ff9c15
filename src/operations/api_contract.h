// api/ecs-operations.json, compiled in: every ECS operation, whether ecsd
// implements it, and the IAM action and access a policy knows it by.
#pragma once

#include <map>
#include <string>

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

}  // namespace ecsd::operations
