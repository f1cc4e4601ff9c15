// Reading members of a parsed JSON object without copying them.
// nlohmann's value(name, fallback) returns by value: on a task list or a
// whole message that copies the subtree, which is most of what parsing an
// agent payload cost.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ecsd {

// The member, or nullptr when it is absent or null (the same thing in AWS JSON).
inline const nlohmann::json* member(const nlohmann::json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// The member when it is a string, else "".
inline std::string stringMember(const nlohmann::json& object, std::string_view name) {
  const nlohmann::json* value = member(object, name);
  return value != nullptr && value->is_string() ? value->get<std::string>() : "";
}

}  // namespace ecsd
