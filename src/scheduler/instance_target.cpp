#include "scheduler/instance_target.h"

namespace ecsd::scheduler {

std::optional<std::string> InstanceTarget::attribute(std::string_view name) const {
  for (const auto& a : instance_.attributes) {
    if (a.name == name) return a.value.value_or("");
  }
  return std::nullopt;
}

std::vector<std::string> InstanceTarget::taskGroups() const { return usage_.groups(); }

}  // namespace ecsd::scheduler
