// The client end of a WebSocket (the agent's session with ecsd): a
// SigV4-signed upgrade over TLS, then text frames.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "agent/net/backend.h"
#include "ecsd/result.h"

namespace ecsd::agent {

class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;
  // The next text frame, or nullopt when `timeout` passed without one.
  // Errors: transport_errors::kClosed once the connection is closed or broken
  // (every later call too).
  virtual Result<std::optional<std::string>> read(std::chrono::milliseconds timeout) = 0;
  // Sends one text frame. Thread-safe, also while another thread is in read().
  virtual Status write(const std::string& text) = 0;
  // Normal closure (1000); idempotent. A read() in progress returns kClosed.
  virtual void close() = 0;
};

// url: "wss://host:port/ws?query" (or "ws://..."). The upgrade request is
// signed as api/agent-protocol.md says. Errors: a refused upgrade as the AWS
// error in its body (Error{__type, message, HTTP status}); no answer as
// transport_errors::kUnreachable.
Result<std::unique_ptr<WebSocketConnection>> connectWebSocket(const std::string& url,
                                                              const SigningCredentials& credentials,
                                                              const TlsOptions& tls,
                                                              std::chrono::seconds timeout);

}  // namespace ecsd::agent
