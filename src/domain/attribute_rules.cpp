#include "ecsd/domain/attribute_rules.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "ecsd/domain/quotas.h"
#include "ecsd/errors.h"

namespace ecsd {

namespace {

bool nameCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '/' || c == '@' || c == '\\';
}

}  // namespace

bool isEcsAttribute(std::string_view name) {
  return name.starts_with("ecs.") || name.starts_with("com.amazonaws.ecs.");
}

Status checkAttribute(const Attribute& attribute) {
  const std::string& name = attribute.name;
  if (name.empty() || name.size() > quotas::kAttributeCharacters ||
      !std::all_of(name.begin(), name.end(), nameCharacter)) {
    return errors::invalidParameter("Invalid attribute name: '" + name + "'.");
  }
  if (attribute.value && attribute.value->size() > quotas::kAttributeCharacters) {
    return errors::invalidParameter("Attribute values are at most " +
                                    std::to_string(quotas::kAttributeCharacters) + " characters.");
  }
  return {};
}

Status checkAttributeCount(const std::vector<Attribute>& attributes) {
  const auto ecs = static_cast<std::size_t>(
      std::count_if(attributes.begin(), attributes.end(),
                    [](const Attribute& a) { return isEcsAttribute(a.name); }));
  if (attributes.size() - ecs > quotas::kCustomAttributesPerResource) {
    return errors::make("AttributeLimitExceededException",
                        "You can apply up to " +
                            std::to_string(quotas::kCustomAttributesPerResource) +
                            " custom attributes for each resource.");
  }
  if (ecs > quotas::kEcsAttributesPerResource) {
    return errors::make("AttributeLimitExceededException",
                        "A resource can have at most " +
                            std::to_string(quotas::kEcsAttributesPerResource) +
                            " attributes named by ECS (ecs.*, com.amazonaws.ecs.*).");
  }
  return {};
}

}  // namespace ecsd
