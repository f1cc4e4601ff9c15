#include "operations/pagination.h"

#include <algorithm>

#include "crypto/crypto.h"
#include "ecsd/errors.h"

namespace ecsd::operations {

namespace {
constexpr std::string_view kTokenPrefix = "ecsd1:";
}

Page paginate(const std::vector<Listed>& items, const protocol::RequestReader& input,
              std::string_view listing, bool descending) {
  const std::string prefix = std::string(kTokenPrefix) + std::string(listing) + ":";
  const int maxResults = input.optInt("maxResults", 1, 100).value_or(100);
  auto begin = items.begin();
  if (auto token = input.optString("nextToken")) {
    const auto decoded = crypto::base64Decode(*token);
    if (!decoded || !decoded->starts_with(prefix)) {
      throw protocol::ApiError(errors::invalidParameter("Invalid nextToken."));
    }
    const std::string last = decoded->substr(prefix.size());
    begin = std::partition_point(items.begin(), items.end(), [&](const Listed& item) {
      return descending ? item.key >= last : item.key <= last;
    });
  }
  Page page;
  auto it = begin;
  for (; it != items.end() && page.values.size() < static_cast<std::size_t>(maxResults); ++it) {
    page.values.push_back(it->value);
  }
  if (it != items.end()) {
    page.nextToken = crypto::base64Encode(prefix + std::prev(it)->key);
  }
  return page;
}

nlohmann::json listPage(const char* valuesMember, std::vector<Listed> items,
                        const protocol::RequestReader& input, bool descending) {
  std::sort(items.begin(), items.end(), [descending](const Listed& a, const Listed& b) {
    return descending ? a.key > b.key : a.key < b.key;
  });
  Page page = paginate(items, input, valuesMember, descending);
  nlohmann::json output = {{valuesMember, std::move(page.values)}};
  if (page.nextToken) output["nextToken"] = *page.nextToken;
  return output;
}

}  // namespace ecsd::operations
