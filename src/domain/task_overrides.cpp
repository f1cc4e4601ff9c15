#include "ecsd/domain/task_overrides.h"

namespace ecsd {

using nlohmann::json;

const json& containerOverrides(const json& overrides) {
  static const json kNone = json::array();
  // find(), not value(): a pointer into value()'s copy would dangle.
  const auto list = overrides.find("containerOverrides");
  return list != overrides.end() && list->is_array() ? *list : kNone;
}

const json* containerOverride(const json& overrides, std::string_view name) {
  for (const auto& entry : containerOverrides(overrides)) {
    const auto named = entry.find("name");
    if (named != entry.end() && named->is_string() &&
        named->get_ref<const std::string&>() == name) {
      return &entry;
    }
  }
  return nullptr;
}

}  // namespace ecsd
