// What this host offers to tasks, as the agent registers it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ecsd::agent {

// Cores x 1024, ECS's CPU units.
int hostCpuUnits();

// MemTotal of a /proc/meminfo text, in MiB.
std::optional<std::int64_t> memTotalMiB(const std::string& meminfo);

// This host's MemTotal in MiB (0 if /proc/meminfo cannot be read).
std::int64_t hostMemoryMiB();

}  // namespace ecsd::agent
