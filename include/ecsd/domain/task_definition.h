#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "ecsd/domain/tag.h"

namespace ecsd {

struct TaskDefinition {
  std::string family;
  int revision = 0;
  std::string arn;
  std::string status = "ACTIVE";  // ACTIVE | INACTIVE | DELETE_IN_PROGRESS
  double registeredAt = 0;
  std::optional<double> deregisteredAt;
  std::optional<double> deleteRequestedAt;
  std::string registeredBy;  // principal ARN
  // The definition as registered, normalized with ECS's defaults
  // (containerDefinitions, volumes, networkMode, cpu, memory, ...): every
  // member round-trips. Identity and lifecycle members above are not in it.
  nlohmann::json body;
  Tags tags;
};

}  // namespace ecsd
