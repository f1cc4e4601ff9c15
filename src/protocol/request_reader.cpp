#include "protocol/request_reader.h"

#include <algorithm>

#include "ecsd/errors.h"

namespace ecsd::protocol {

namespace {
[[noreturn]] void wrongType(std::string_view member, std::string_view expected) {
  throw ApiError(errors::serialization("Invalid type for parameter " + std::string(member) +
                                       ": expected " + std::string(expected)));
}
}  // namespace

const nlohmann::json* RequestReader::find(std::string_view member) const {
  const auto it = input_.find(member);
  return it == input_.end() || it->is_null() ? nullptr : &*it;
}

bool RequestReader::has(std::string_view member) const { return find(member) != nullptr; }

std::optional<std::string> RequestReader::optString(std::string_view member) const {
  const auto* value = find(member);
  if (!value) return std::nullopt;
  if (!value->is_string()) wrongType(member, "a string");
  return value->get<std::string>();
}

std::string RequestReader::requiredString(std::string_view member) const {
  auto value = optString(member);
  if (!value || value->empty()) {
    throw ApiError(errors::invalidParameter("Missing required parameter: " + std::string(member)));
  }
  return *value;
}

std::optional<int> RequestReader::optInt(std::string_view member, int min, int max) const {
  const auto* value = find(member);
  if (!value) return std::nullopt;
  if (!value->is_number_integer()) wrongType(member, "an integer");
  const auto number = value->get<long long>();
  if (number < min || number > max) {
    throw ApiError(errors::invalidParameter(std::string(member) + " must be between " +
                                            std::to_string(min) + " and " + std::to_string(max) +
                                            "."));
  }
  return static_cast<int>(number);
}

std::optional<bool> RequestReader::optBool(std::string_view member) const {
  const auto* value = find(member);
  if (!value) return std::nullopt;
  if (!value->is_boolean()) wrongType(member, "a boolean");
  return value->get<bool>();
}

std::vector<std::string> RequestReader::stringList(std::string_view member) const {
  std::vector<std::string> out;
  for (const auto& item : list(member)) {
    if (!item.is_string()) wrongType(member, "a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

namespace {
void requireAllowed(std::string_view member, const std::string& value,
                    const std::vector<std::string_view>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
  std::string choices;
  for (auto a : allowed) choices += (choices.empty() ? "" : ", ") + std::string(a);
  throw ApiError(errors::invalidParameter("Invalid value for " + std::string(member) + ": '" +
                                          value + "'. Valid values: " + choices + "."));
}
}  // namespace

std::optional<std::string> RequestReader::optEnum(
    std::string_view member, const std::vector<std::string_view>& allowed) const {
  auto value = optString(member);
  if (value) requireAllowed(member, *value, allowed);
  return value;
}

std::vector<std::string> RequestReader::enumList(
    std::string_view member, const std::vector<std::string_view>& allowed) const {
  auto values = stringList(member);
  for (const auto& value : values) requireAllowed(member, value, allowed);
  return values;
}

Tags RequestReader::tags(std::string_view member) const {
  Tags tags = orThrow(tagsFromJson(list(member)));
  orThrow(validateTags(tags));
  return tags;
}

nlohmann::json RequestReader::optObject(std::string_view member) const {
  const auto* value = find(member);
  if (!value) return nullptr;
  if (!value->is_object()) wrongType(member, "a structure");
  return *value;
}

nlohmann::json RequestReader::list(std::string_view member) const {
  const auto* value = find(member);
  if (!value) return nlohmann::json::array();
  if (!value->is_array()) wrongType(member, "a list");
  return *value;
}

}  // namespace ecsd::protocol
