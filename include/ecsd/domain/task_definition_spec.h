// What RegisterTaskDefinition accepts: ECS's validation rules and defaults.
#pragma once

#include <nlohmann/json.hpp>

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

// Task-level cpu ("256", "0.25 vCPU", "1 vcpu") in CPU units, and memory
// ("512", "1GB", "2 gb") in MiB. nullopt when malformed.
std::optional<long> parseTaskCpu(const std::string& value);
std::optional<long> parseTaskMemory(const std::string& value);

}  // namespace ecsd
