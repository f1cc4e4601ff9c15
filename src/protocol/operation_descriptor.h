// What the request pipeline knows of an ECS operation before running it: its
// name, the IAM action a policy names it by, whether it changes anything,
// which resources a given call of it touches, its input's types and the call
// class it is throttled in. Declared once per operation (names and actions in
// api/ecs-operations.json, input types in api/ecs-input-shapes.json, classes
// in api/ecs-throttling.json, resources beside its handler).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "protocol/input_shape.h"
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
  // Its input's declared types (api/ecs-input-shapes.json), checked before
  // anything else reads the call; nullptr checks nothing.
  const Shape* input = nullptr;
  // Its class in api/ecs-throttling.json ("cluster-read"); calls of one class
  // share a token bucket per access key.
  std::string callClass = {};
};

}  // namespace ecsd::protocol
