// The wire contract compiled in: api/ecs-operations.json (every ECS
// operation, whether ecsd implements it, and the IAM action and access a
// policy knows it by), api/ecs-input-shapes.json (the inputs' types) and
// api/ecs-throttling.json (the call classes and their default rates).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/input_shape.h"
#include "protocol/token_buckets.h"

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

struct CallClass {
  protocol::Rate rate;                  // the default; --throttle-rate changes it
  std::vector<std::string> operations;  // the operations it throttles
};

// api/ecs-throttling.json, compiled in, by class name ("cluster-read").
// Aborts at start if malformed or if an operation is in two classes.
const std::map<std::string, CallClass, std::less<>>& callClasses();

// The class an operation is throttled in; empty if it is in none.
std::string_view callClassOf(std::string_view operation);

}  // namespace ecsd::operations
