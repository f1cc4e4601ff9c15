// ECS's rules for a container instance's attributes, whoever sets them: the
// agent at registration or a user with PutAttributes.
#pragma once

#include <string_view>
#include <vector>

#include "ecsd/domain/container_instance.h"
#include "ecsd/result.h"

namespace ecsd {

// Named by ECS or its agent (ecs.*, com.amazonaws.ecs.*); any other is custom.
bool isEcsAttribute(std::string_view name);

// InvalidParameterException unless the name is 1 to 128 letters, digits and
// - _ . / @ \, and the value at most 128 characters.
Status checkAttribute(const Attribute& attribute);

// AttributeLimitExceededException past 10 custom attributes on one resource
// (or past ecsd's bound on ECS's own).
Status checkAttributeCount(const std::vector<Attribute>& attributes);

}  // namespace ecsd
