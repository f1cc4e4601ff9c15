#include "dispatch/session_refusal.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

namespace ecsd::dispatch {

protocol::HttpResponse sessionRefusal(int httpStatus, std::string_view type,
                                      std::string_view message) {
  constexpr std::size_t kAgentReads = 1024;  // bytes of the body the agent decodes
  const auto encode = [&](const std::string& text) {
    const nlohmann::json body{{"type", type}, {"message", {{"message", text}}}};
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::string text(message);
  std::string encoded = encode(text);
  // Shorten the message, never the type: the type is what the agent acts on.
  while (encoded.size() > kAgentReads && !text.empty()) {
    text.resize(text.size() - std::min(text.size(), encoded.size() - kAgentReads + 3));
    encoded = encode(text + "...");
  }
  return {httpStatus, {{"Content-Type", "application/json"}}, std::move(encoded)};
}

}  // namespace ecsd::dispatch
