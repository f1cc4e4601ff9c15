// Plain HTTP request and response values: what crosses from the network layer
// (the only place that knows Beast) into the protocol layer.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ecsd::protocol {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;   // "POST"
  std::string target;   // path and optional "?query", exactly as received
  HeaderList headers;   // names as received, in arrival order
  std::string body;
  std::string remote;   // peer address, for logs
  bool secure = false;  // came over TLS

  // First header with this name (ASCII case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  HeaderList headers;
  std::string body;
};

}  // namespace ecsd::protocol
