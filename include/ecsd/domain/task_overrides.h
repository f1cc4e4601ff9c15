// A task's overrides (ECS's TaskOverride) as RunTask and StartTask take them
// and the agent's payload carries them: read in one place.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace ecsd {

// The containerOverrides list (an empty one when there is none or it is no
// list), by reference into overrides.
const nlohmann::json& containerOverrides(const nlohmann::json& overrides);

// The containerOverrides entry that names the container; nullptr: none does.
const nlohmann::json* containerOverride(const nlohmann::json& overrides, std::string_view name);

}  // namespace ecsd
