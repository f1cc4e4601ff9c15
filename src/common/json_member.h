// Reading members of a parsed JSON object without copying them.
// nlohmann's value(name, fallback) returns by value: on a task list or a
// whole message that copies the subtree, which was most of what parsing an
// agent payload cost, and building one copied each task's definition.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace ecsd {

// The member, or nullptr when it is absent or null (the same thing in AWS JSON).
inline const nlohmann::json* member(const nlohmann::json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// The member when it is an array, else an empty one.
inline const nlohmann::json& listMember(const nlohmann::json& object, std::string_view name) {
  static const nlohmann::json kNone = nlohmann::json::array();
  const nlohmann::json* value = member(object, name);
  return value != nullptr && value->is_array() ? *value : kNone;
}

// The member when it is a string, else "".
inline std::string stringMember(const nlohmann::json& object, std::string_view name) {
  const nlohmann::json* value = member(object, name);
  return value != nullptr && value->is_string() ? value->get<std::string>() : "";
}

// The member when it is an integer.
inline std::optional<std::int64_t> integerMember(const nlohmann::json& object,
                                                 std::string_view name) {
  const nlohmann::json* value = member(object, name);
  if (value == nullptr || !value->is_number_integer()) return std::nullopt;
  return value->get<std::int64_t>();
}

// The member when it is a boolean, else `fallback`.
inline bool flagMember(const nlohmann::json& object, std::string_view name, bool fallback) {
  const nlohmann::json* value = member(object, name);
  return value != nullptr && value->is_boolean() ? value->get<bool>() : fallback;
}

}  // namespace ecsd
