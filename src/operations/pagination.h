// ECS-style pagination: maxResults (1..100, default 100) and an opaque
// nextToken that names where the next page starts.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "protocol/request_reader.h"

namespace ecsd::operations {

struct Listed {
  std::string key;    // unique, in listing order; resuming starts after it
  std::string value;  // what the list shows (an ARN, a family name)
};

struct Page {
  nlohmann::json values = nlohmann::json::array();
  std::optional<std::string> nextToken;
};

// REQUIRES: items sorted by key, ascending (or descending when descending).
// A token keeps working when items are added or removed between pages.
// Throws ApiError (InvalidParameterException) for a bad token or maxResults.
// `listing` names what is listed; a token of another listing is refused.
Page paginate(const std::vector<Listed>& items, const protocol::RequestReader& input,
              std::string_view listing, bool descending = false);

// A List* operation's output: items sorted by key (descending when asked),
// one page of their values under valuesMember, and nextToken when more follow.
nlohmann::json listPage(const char* valuesMember, std::vector<Listed> items,
                        const protocol::RequestReader& input, bool descending = false);

}  // namespace ecsd::operations
