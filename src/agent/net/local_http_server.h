// A small plain-HTTP server for the agent's introspection API
// (127.0.0.1:51678): GET requests in, the handler's answers out.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ecsd/result.h"
#include "protocol/http_message.h"

namespace ecsd::agent {

class LocalHttpServer {
 public:
  using Handler = std::function<protocol::HttpResponse(const protocol::HttpRequest&)>;
  virtual ~LocalHttpServer() = default;  // stops serving and joins its thread
  // The port it listens on (the bound one when started with port 0).
  virtual std::uint16_t port() const = 0;
};

// Binds address:port and serves on a thread of its own until destroyed.
// The handler may be called from that thread only. Errors: the port cannot be
// bound (ServerException naming address, port and the reason).
Result<std::unique_ptr<LocalHttpServer>> startLocalHttpServer(const std::string& address,
                                                              std::uint16_t port,
                                                              LocalHttpServer::Handler handler);

}  // namespace ecsd::agent
