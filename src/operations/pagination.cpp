#include "operations/pagination.h"

#include <algorithm>

#include "crypto/crypto.h"
#include "ecsd/errors.h"

namespace ecsd::operations {

namespace {
constexpr std::string_view kTokenPrefix = "ecsd1:";
}

PageBuilder::PageBuilder(const protocol::RequestReader& input, std::string_view listing,
                         bool descending)
    : prefix_(std::string(kTokenPrefix).append(listing).append(":")),
      descending_(descending),
      maxResults_(static_cast<std::size_t>(input.optInt("maxResults", 1, 100).value_or(100))) {
  if (auto token = input.optString("nextToken")) {
    const auto decoded = crypto::base64Decode(*token);
    if (!decoded || !decoded->starts_with(prefix_)) {
      throw protocol::ApiError(errors::invalidParameter("Invalid nextToken."));
    }
    after_ = decoded->substr(prefix_.size());
  }
}

bool PageBuilder::isAfterToken(const std::string& key) const {
  return !after_ || (descending_ ? key < *after_ : key > *after_);
}

bool PageBuilder::add(const std::string& key, nlohmann::json value) {
  if (values_.size() == maxResults_) {
    more_ = true;
    return false;
  }
  values_.push_back(std::move(value));
  lastKey_ = key;
  return true;
}

nlohmann::json PageBuilder::output(const char* valuesMember) && {
  nlohmann::json output = {{valuesMember, std::move(values_)}};
  if (more_) output["nextToken"] = crypto::base64Encode(prefix_ + lastKey_);
  return output;
}

nlohmann::json listPage(const char* valuesMember, std::vector<Listed> items,
                        const protocol::RequestReader& input, bool descending) {
  std::sort(items.begin(), items.end(), [descending](const Listed& a, const Listed& b) {
    return descending ? a.key > b.key : a.key < b.key;
  });
  PageBuilder page(input, valuesMember, descending);
  auto it = std::partition_point(items.begin(), items.end(),
                                 [&](const Listed& item) { return !page.isAfterToken(item.key); });
  while (it != items.end() && page.add(it->key, std::move(it->value))) ++it;
  return std::move(page).output(valuesMember);
}

}  // namespace ecsd::operations
