// A WebSocket connection as plain interfaces: the server (Beast) implements
// the channel; whoever accepts the upgrade implements the peer.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ecsd/result.h"
#include "protocol/http_message.h"

namespace ecsd::protocol {

// Sending side of one connection. Thread-safe; text frames go out in order.
class WebSocketChannel {
 public:
  virtual ~WebSocketChannel() = default;
  // Queues the frame: never blocks and never calls the peer, so callers may
  // hold their own locks around it (after close, frames are dropped).
  virtual void sendText(std::string text) = 0;
  // Closes the connection (normal closure); the peer's onClose follows.
  virtual void close() = 0;
};

// Receiving side of one connection. Called on the connection's strand, one
// call at a time.
class WebSocketPeer {
 public:
  virtual ~WebSocketPeer() = default;
  virtual void onText(std::string_view text) = 0;
  virtual void onClose() = 0;
};

// Decides on an upgrade request (its path, query and SigV4 headers). An error
// refuses the upgrade with that error as the HTTP response.
using WebSocketAcceptor = std::function<Result<std::shared_ptr<WebSocketPeer>>(
    const HttpRequest& upgrade, std::shared_ptr<WebSocketChannel> channel)>;

}  // namespace ecsd::protocol
