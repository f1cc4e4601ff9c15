#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include "ecsd/domain/quotas.h"
#include "ecsd/domain/tag.h"
#include "ecsd/errors.h"

namespace ecsd {

namespace {
bool hasReservedPrefix(const std::string& key) {
  if (key.size() < 4) return false;
  std::string prefix = key.substr(0, 4);
  std::transform(prefix.begin(), prefix.end(), prefix.begin(), ::tolower);
  return prefix == "aws:";
}
// Unicode characters, not bytes, as ECS counts them (UTF-8 as sent).
std::size_t characters(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// ECS's tag pattern, [\p{L}\p{Z}\p{N}_.:/=+\-@]*: letters, separators and
// numbers of any script, and these few marks. Past ASCII every code point but
// the C1 controls passes (telling letters from symbols takes Unicode's tables);
// in ASCII, controls (NUL among them) and other punctuation are refused.
bool allowedCharacters(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      // U+0080..U+009F is 0xC2 0x80..0x9F in UTF-8.
      if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
        return false;
      }
      continue;
    }
    if (std::isalnum(c) || c == ' ') continue;
    if (std::string_view("_.:/=+-@").find(static_cast<char>(c)) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

Status validateTags(const Tags& tags) {
  if (tags.size() > quotas::kTagsPerResource) {
    return errors::invalidParameter("Too many tags: a resource can have at most " +
                                    std::to_string(quotas::kTagsPerResource) + " tags.");
  }
  std::set<std::string> keys;
  for (const auto& tag : tags) {
    if (tag.key.empty() || characters(tag.key) > quotas::kTagKeyCharacters) {
      return errors::invalidParameter("Tag keys must be between 1 and " +
                                      std::to_string(quotas::kTagKeyCharacters) + " characters.");
    }
    if (characters(tag.value) > quotas::kTagValueCharacters) {
      return errors::invalidParameter("Tag values must be at most " +
                                      std::to_string(quotas::kTagValueCharacters) + " characters.");
    }
    if (!allowedCharacters(tag.key) || !allowedCharacters(tag.value)) {
      return errors::invalidParameter(
          "Tag keys and values may contain only letters, numbers, spaces and _ . : / = + - @");
    }
    if (hasReservedPrefix(tag.key)) {
      return errors::invalidParameter("Tag keys may not begin with the reserved prefix 'aws:'.");
    }
    if (!keys.insert(tag.key).second) {
      return errors::invalidParameter("Duplicate tag key: " + tag.key);
    }
  }
  return {};
}

Tags mergeTags(Tags existing, const Tags& added) {
  for (const auto& tag : added) {
    auto it = std::find_if(existing.begin(), existing.end(),
                           [&](const Tag& t) { return t.key == tag.key; });
    if (it == existing.end()) {
      existing.push_back(tag);
    } else {
      it->value = tag.value;
    }
  }
  return existing;
}

Tags removeTagKeys(Tags existing, const std::vector<std::string>& keys) {
  std::erase_if(existing, [&](const Tag& t) {
    return std::find(keys.begin(), keys.end(), t.key) != keys.end();
  });
  return existing;
}

nlohmann::json tagsToJson(const Tags& tags) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& tag : tags) out.push_back({{"key", tag.key}, {"value", tag.value}});
  return out;
}

Result<Tags> tagsFromJson(const nlohmann::json& json) {
  if (!json.is_array()) return errors::serialization("tags must be a list");
  Tags tags;
  for (const auto& item : json) {
    const auto key = item.is_object() ? item.find("key") : item.end();
    if (!item.is_object() || key == item.end() || !key->is_string() ||
        (item.contains("value") && !item["value"].is_string())) {
      return errors::serialization("Each tag must be a structure with a string key and value");
    }
    tags.push_back({key->get<std::string>(), item.value("value", "")});
  }
  return tags;
}

}  // namespace ecsd
