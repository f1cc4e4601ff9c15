// What the request pipeline knows of an ECS operation before running it: its
// name, the IAM action a policy names it by, whether it changes anything, and
// which resources a given call of it touches. Declared once per operation
// (names and actions in api/ecs-operations.json, resources beside its handler).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "protocol/json_protocol.h"

namespace ecsd::protocol {

enum class Access { kRead, kWrite };

struct OperationDescriptor {
  std::string name;    // "RunTask"
  std::string action;  // "ecs:RunTask"
  Access access = Access::kRead;
  // The ARNs of the resources a call names (its cluster, task definition,
  // container instances, tasks), from its input as sent; references it cannot
  // resolve without the state (a task definition "family") are named as
  // given. Never throws: a member it cannot read names nothing.
  std::function<std::vector<std::string>(const Call&)> resources;
};

}  // namespace ecsd::protocol
