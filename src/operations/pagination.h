// ECS-style pagination: maxResults (1..100, default 100) and an opaque
// nextToken that names where the next page starts: the key of the last item
// given, so a token keeps working when items are added or removed between
// pages.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "protocol/request_reader.h"

namespace ecsd::operations {

struct Listed {
  std::string key;       // unique, in listing order; resuming starts after it
  nlohmann::json value;  // what the list shows (an ARN, a family name, an attribute)
};

// One page, filled by walking items in key order: no need to build (or sort)
// the whole list when the items already come in order.
class PageBuilder {
 public:
  // Reads maxResults and nextToken. Throws ApiError (InvalidParameterException)
  // for a bad token or maxResults; a token of another listing is refused.
  PageBuilder(const protocol::RequestReader& input, std::string_view listing,
              bool descending = false);

  // The page starts after this key (nullopt: at the first item).
  const std::optional<std::string>& after() const { return after_; }
  // Whether an item with this key belongs after the token (walks may start earlier).
  bool isAfterToken(const std::string& key) const;
  // The next item in key order. Returns false once the page is full: the
  // walk can stop (the item was not taken; it makes the nextToken).
  bool add(const std::string& key, nlohmann::json value);
  // {valuesMember: [...], "nextToken": ... when more follow}.
  nlohmann::json output(const char* valuesMember) &&;

 private:
  std::string prefix_;
  bool descending_;
  std::size_t maxResults_;
  std::optional<std::string> after_;
  nlohmann::json values_ = nlohmann::json::array();
  std::string lastKey_;
  bool more_ = false;
};

// A List* operation's output: items sorted by key (descending when asked),
// one page of their values under valuesMember, and nextToken when more follow.
nlohmann::json listPage(const char* valuesMember, std::vector<Listed> items,
                        const protocol::RequestReader& input, bool descending = false);

}  // namespace ecsd::operations
