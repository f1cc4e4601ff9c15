// Resource tags, with the limits ECS enforces.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ecsd/result.h"

namespace ecsd {

struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag&) const = default;
};
using Tags = std::vector<Tag>;

// ECS's rules: at most 50 tags, keys 1..128 and values 0..256 characters,
// unique keys, and the "aws:" prefix (any case) reserved.
Status validateTags(const Tags& tags);
// existing with every tag in added set, replacing values of existing keys.
Tags mergeTags(Tags existing, const Tags& added);
// existing without the given keys.
Tags removeTagKeys(Tags existing, const std::vector<std::string>& keys);

// Tags in the API's shape, [{"key": "...", "value": "..."}], which is also how
// the store keeps them.
nlohmann::json tagsToJson(const Tags& tags);
// SerializationException when the shape is wrong.
Result<Tags> tagsFromJson(const nlohmann::json& json);

}  // namespace ecsd
