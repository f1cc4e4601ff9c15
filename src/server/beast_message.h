// Beast messages <-> the plain HTTP values of protocol/http_message.h, for
// every listener that knows Beast (the server's, and the agent's
// introspection listener).
#pragma once

#include <boost/algorithm/string/predicate.hpp>
#include <boost/beast/http.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "protocol/http_message.h"

namespace ecsd::server {

inline protocol::HttpRequest toHttpRequest(
    boost::beast::http::request<boost::beast::http::string_body>&& request, std::string remote) {
  protocol::HttpRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  for (const auto& field : request) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(request.body());
  out.remote = std::move(remote);
  return out;
}

// The listener owns framing and connection management, so a handler's
// hop-by-hop headers are dropped rather than trusted.
inline bool serverOwnedHeader(std::string_view name) {
  return boost::algorithm::iequals(name, "Content-Length") ||
         boost::algorithm::iequals(name, "Transfer-Encoding") ||
         boost::algorithm::iequals(name, "Connection");
}

}  // namespace ecsd::server
