// The HTTP/1.1 server: TLS and plain listeners over one Asio thread pool.
// Beast and Asio stay behind this header; callers see plain values only.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ecsd/result.h"
#include "protocol/http_message.h"
#include "protocol/websocket.h"

namespace ecsd::server {

// Hands a request's response back: callable from any thread, once.
using Respond = std::function<void(protocol::HttpResponse)>;
// Serves one request of a route. It may answer before it returns or later,
// e.g. once a write has committed, and holds no server thread meanwhile.
using Handler = std::function<void(protocol::HttpRequest, Respond)>;
// A handler that answers before it returns.
template <class F>
Handler answering(F answer) {
  return [answer = std::move(answer)](protocol::HttpRequest request, Respond respond) {
    respond(answer(request));
  };
}
// Builds the response for a failure the server detects before any handler
// runs (body or header too large, malformed HTTP). The protocol layer owns the
// error encoding, so the server asks it rather than writing JSON itself.
using ErrorResponder = std::function<protocol::HttpResponse(int httpStatus, std::string_view type,
                                                            std::string_view message)>;

struct Limits {
  std::size_t maxBodyBytes = 2 * 1024 * 1024;
  std::size_t maxHeaderBytes = 16 * 1024;
  std::chrono::seconds idleTimeout{60};     // keep-alive connection with no request
  std::chrono::seconds requestTimeout{30};  // to receive one whole request
  std::chrono::seconds drainTimeout{10};    // SIGTERM: wait this long for in-flight requests
  // Connections held at once, in all and from one source address; one more
  // is closed as it is accepted (docs/operations.md, "Connections").
  std::size_t maxConnections = 32768;
  std::size_t maxConnectionsPerAddress = 16384;
};

struct TlsCertificate {
  std::filesystem::path certificateChain;
  std::filesystem::path privateKey;
};

struct Endpoint {
  std::string address;
  std::uint16_t port = 0;
  bool tls = true;
  std::string url() const;        // "https://127.0.0.1:8443"
  std::string authority() const;  // "127.0.0.1:8443", "[::1]:8443"
  bool anyAddress() const;        // bound to every address (0.0.0.0, ::)
};

// The certificate a TLS listener serves, chosen once its port is bound: a
// generated certificate names the bound host:port, which Amazon's ECS agent
// checks (api/agent-protocol.md, "TLS").
using CertificateFor = std::function<Result<TlsCertificate>(const Endpoint& bound)>;

class HttpServer {
 public:
  HttpServer(ErrorResponder errorResponder, Limits limits, int threads);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting ("host:port", port 0 = any free port). With a
  // certificate the listener speaks TLS (1.2+), otherwise plain HTTP. Returns
  // the endpoint actually bound. Call before run().
  Result<Endpoint> listen(const std::string& hostPort, std::optional<TlsCertificate> tls);
  Result<Endpoint> listen(const std::string& hostPort, CertificateFor tls);

  // Serves the requests for `path` (any query) with handler: that path alone,
  // or, when it ends in '*' ("/console/*"), every path that starts with what
  // comes before it and that no longer route serves. A path no route serves
  // is answered 404. Call before run().
  void route(std::string path, Handler handler);

  // Serves WebSocket upgrades of `path` (e.g. "/ws", any query) on every
  // listener through acceptor; other upgrades go to the routes as plain
  // requests. Text frames only, at most 1 MiB per message; the acceptor's
  // error is answered as an HTTP error, by `refusal` (its clients may want
  // another shape than the API's), by the server's ErrorResponder when null.
  // Call before run().
  void acceptWebSockets(std::string path, protocol::WebSocketAcceptor acceptor,
                        ErrorResponder refusal = nullptr);

  // Runs task every period on the server's threads (never two at once), from
  // now until the drain begins. Call before run().
  void every(std::chrono::milliseconds period, std::function<void()> task);

  // A function that runs tasks on the calling thread's event loop (the first
  // loop when the caller is not a server thread), soon. Thread-safe, as is
  // the function: a task another thread hands back goes on beside the
  // connection it came from.
  std::function<void(std::function<void()>)> postHere();
  // Whether the calling thread runs one of a server's event loops (where
  // nothing may wait for the disk).
  static bool onLoopThread();

  // Serves on `threads` threads until stop() or SIGTERM/SIGINT, then drains:
  // stops accepting and the periodic tasks, closes WebSockets (going away)
  // and at once every connection with no request in progress, lets in-flight
  // requests finish and answer (up to drainTimeout), and returns.
  void run();
  // Thread-safe; starts the same drain as SIGTERM.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ecsd::server
