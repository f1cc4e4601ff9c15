// What RegisterTaskDefinition accepts: ECS's validation rules and defaults.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ecsd/result.h"

namespace ecsd {

// The smallest container memory Docker (20.10+) will run with, in MiB.
inline constexpr int kMinContainerMemoryMiB = 6;

// Checks a RegisterTaskDefinition request as ECS does and returns the
// definition's body as ECS then describes it: every API member kept, unknown
// members dropped, defaults filled in (essential true, cpu 0, port protocol
// "tcp", empty lists), task-level cpu/memory normalized to unit counts.
// Errors: SerializationException for a member of the wrong JSON type,
// ClientException for a rule ECS enforces (names, images, memory, links,
// ports, essential containers).
Result<nlohmann::json> normalizeTaskDefinition(const nlohmann::json& request);

// The container instance attributes a task of this definition needs
// (requiresAttributes), as ECS derives them from what its containers use: a
// healthCheck needs com.amazonaws.ecs.capability.container-health-check,
// dependsOn needs ecs.capability.container-ordering. An agent registers the
// capabilities it implements, and tasks are placed only where all of theirs
// are (else the failure reason is ATTRIBUTE).
std::vector<std::string> requiredAttributes(const nlohmann::json& body);

// Task-level cpu ("256", "0.25 vCPU", "1 vcpu") in CPU units, and memory
// ("512", "1GB", "2 gb") in MiB. nullopt when malformed.
std::optional<long> parseTaskCpu(const std::string& value);
std::optional<long> parseTaskMemory(const std::string& value);

}  // namespace ecsd
