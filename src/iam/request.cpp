#include "ecsd/iam/request.h"

#include <utility>

namespace ecsd::iam {

std::string toLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

void ConditionContext::set(std::string_view key, std::string value) {
  set(key, std::vector<std::string>{std::move(value)});
}

void ConditionContext::set(std::string_view key, std::vector<std::string> values) {
  values_.insert_or_assign(toLower(key), std::move(values));
}

const std::vector<std::string>* ConditionContext::find(std::string_view lowerKey) const {
  auto it = values_.find(lowerKey);
  return it == values_.end() ? nullptr : &it->second;
}

}  // namespace ecsd::iam
