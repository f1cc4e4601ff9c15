// With tls_stream.h, the only code that knows Beast and Asio. Modeled on Beast's
// advanced_server_flex example: one listener per endpoint, each connection on
// its own strand, lifetimes held by shared_from_this, and the plain and TLS
// sessions sharing all HTTP logic, and all WebSocket logic after an upgrade,
// through CRTP bases. One event loop per thread, each connection on one of
// them (Loops).
#include "server/http_server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/algorithm/string/predicate.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <csignal>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "common/logging.h"
#include "ecsd/errors.h"
#include "server/beast_message.h"
#include "server/connection_cap.h"
#include "server/tls_stream.h"

namespace ecsd::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

using BeastRequest = http::request<http::string_body>;
using BeastResponse = http::response<http::string_body>;

constexpr std::size_t kReadChunk = 8 * 1024;
// After the last answer we read and discard what the client still sends (the
// rest of a body over the limit, say) until it closes, so that our close does
// not reset the connection before it has read the answer: up to kLingerIdle
// between reads, kLingerTime and kMaxLingerBytes in all. An SDK sends the
// whole body before it reads; 64 MiB is 32 times the default body limit.
constexpr auto kLingerIdle = std::chrono::seconds(2);
constexpr auto kLingerTime = std::chrono::seconds(10);
constexpr std::size_t kMaxLingerBytes = 64 * 1024 * 1024;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::size_t kMaxWebSocketMessageBytes = 1024 * 1024;
// Bounds a close we start, TLS teardown included, against a peer that never
// answers it.
constexpr auto kWebSocketCloseTimeout = std::chrono::seconds(5);

std::string endpointText(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

bool isHttpError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::end_of_stream).category();
}

void logConnectionFailure(std::string_view remote, std::string_view what,
                          const beast::error_code& ec) {
  spdlog::debug("msg=\"connection {} failed\" remote={} error={}", what, remote,
                logging::quote(ec.message()));
}

// Runs f, the caller's code. A throw is a bug there: logged (context is
// logfmt pairs) and answered with fallback() so the server keeps serving.
template <class F, class Fallback>
auto guarded(std::string_view what, std::string_view context, F&& f, Fallback&& fallback)
    -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    spdlog::error("msg=\"{} threw\" {} error={}", what, context, logging::quote(e.what()));
  } catch (...) {
    spdlog::error("msg=\"{} threw a non-exception\" {}", what, context);
  }
  return fallback();
}

// A connection as the drain logic sees it, whatever its stream type.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  virtual ~Connection() = default;
  // Thread-safe: closes the connection at once unless a request is in
  // progress (its handler runs or its answer is being sent); that answer
  // goes out with `Connection: close`, then the connection closes.
  virtual void drain() = 0;
};

// What every connection shares: the callbacks, the limits, the drain flag and
// the registry of live connections the drain walks.
class ServerContext {
 public:
  ServerContext(ErrorResponder errorResponder, Limits limits)
      : errorResponder(std::move(errorResponder)),
        limits(std::move(limits)),
        cap(this->limits.maxConnections, this->limits.maxConnectionsPerAddress) {}

  const ErrorResponder errorResponder;
  const Limits limits;
  ConnectionCap cap;
  std::atomic<bool> draining{false};
  struct WebSocketRoute {
    std::string path;
    protocol::WebSocketAcceptor acceptor;
    ErrorResponder refusal;  // null: errorResponder
  };
  struct Route {
    std::string path;  // ending in '*': every path starting with what precedes it
    Handler handler;
  };
  // Written before run() only.
  std::vector<WebSocketRoute> webSocketRoutes;
  std::vector<Route> routes;

  // The route serving the target's path: its own, else the longest prefix
  // route ("/console/*") that holds it; nullptr when none does.
  const Route* route(std::string_view target) const {
    const std::string_view path = target.substr(0, target.find('?'));
    const Route* best = nullptr;
    for (const auto& route : routes) {
      std::string_view prefix = route.path;
      if (!prefix.ends_with('*')) {
        if (path == prefix) return &route;
        continue;
      }
      prefix.remove_suffix(1);
      if (path.starts_with(prefix) && (best == nullptr || route.path.size() > best->path.size())) {
        best = &route;
      }
    }
    return best;
  }

  const WebSocketRoute* webSocketRoute(std::string_view target) const {
    const std::string_view path = target.substr(0, target.find('?'));
    for (const auto& route : webSocketRoutes) {
      if (route.path == path) return &route;
    }
    return nullptr;
  }

  void add(const std::shared_ptr<Connection>& connection) {
    std::lock_guard lock(mutex_);
    connections_.emplace(connection.get(), connection);
  }

  void remove(const Connection* connection) {
    std::function<void()> drained;
    {
      std::lock_guard lock(mutex_);
      connections_.erase(connection);
      if (draining && connections_.empty()) drained = onDrained_;
    }
    if (drained) drained();
  }

  std::vector<std::shared_ptr<Connection>> live() {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<Connection>> out;
    for (const auto& [key, weak] : connections_) {
      if (auto connection = weak.lock()) out.push_back(std::move(connection));
    }
    return out;
  }

  bool empty() {
    std::lock_guard lock(mutex_);
    return connections_.empty();
  }

  // Called (from any thread) when the last connection goes while draining.
  void setOnDrained(std::function<void()> callback) {
    std::lock_guard lock(mutex_);
    onDrained_ = std::move(callback);
  }

 private:
  std::mutex mutex_;
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> connections_;
  std::function<void()> onDrained_;
};

BeastResponse toBeastResponse(protocol::HttpResponse&& response, unsigned version, bool keepAlive) {
  BeastResponse out;
  out.version(version);
  if (response.status < 200 || response.status > 599) {
    spdlog::error("msg=\"handler answered an invalid HTTP status\" status={}", response.status);
    response.status = 500;
  }
  out.result(static_cast<unsigned>(response.status));
  for (auto& [name, value] : response.headers) {
    if (!serverOwnedHeader(name)) out.insert(name, value);
  }
  if (out.find(http::field::server) == out.end()) out.set(http::field::server, "ecsd");
  // Beast refuses a body on these; an empty one is what HTTP requires anyway.
  if (out.result() == http::status::no_content || out.result() == http::status::not_modified) {
    response.body.clear();
  }
  out.body() = std::move(response.body);
  out.keep_alive(keepAlive);
  out.prepare_payload();
  return out;
}

// The sending side of a WebSocket session, whatever its stream type.
class WebSocketSink {
 public:
  virtual ~WebSocketSink() = default;
  virtual void send(std::string text) = 0;
  virtual void close(websocket::close_code code) = 0;
};

// The channel an acceptor gets. It exists before the session (the acceptor
// may send at once), so it keeps what is sent until attached; from then on it
// holds the session weakly, and sends to a session that is gone are dropped.
class ChannelHandle final : public protocol::WebSocketChannel {
 public:
  void sendText(std::string text) override {
    std::lock_guard lock(mutex_);
    if (!attached_) {
      early_.push_back(std::move(text));
    } else if (auto sink = sink_.lock()) {
      sink->send(std::move(text));  // posts: keeps the callers' order
    }
  }

  void close() override {
    std::lock_guard lock(mutex_);
    if (!attached_) {
      closeEarly_ = true;
    } else if (auto sink = sink_.lock()) {
      sink->close(websocket::close_code::normal);
    }
  }

  void attach(const std::shared_ptr<WebSocketSink>& sink) {
    std::lock_guard lock(mutex_);
    attached_ = true;
    sink_ = sink;
    for (auto& text : early_) sink->send(std::move(text));
    early_.clear();
    if (closeEarly_) sink->close(websocket::close_code::normal);
  }

 private:
  std::mutex mutex_;
  bool attached_ = false;
  bool closeEarly_ = false;
  std::vector<std::string> early_;
  std::weak_ptr<WebSocketSink> sink_;
};

// All WebSocket behavior of an upgraded connection: the handshake, a read
// loop handing text messages to the peer, a write queue (one write at a
// time), and close after the queue drains. Derived supplies ws().
template <class Derived>
class WebSocketSession : public Connection, public WebSocketSink {
 public:
  // Completes the handshake of `request`, which the peer has accepted.
  void start(BeastRequest request, std::shared_ptr<protocol::WebSocketPeer> peer) {
    peer_ = std::move(peer);
    ctx_->add(shared_from_this());
    configure();
    asio::dispatch(executor_, [self = self(), request = std::move(request)] {
      self->ws().async_accept(request,
                              beast::bind_front_handler(&WebSocketSession::onAccept, self));
    });
  }

  void send(std::string text) override {
    asio::post(executor_, [self = self(), text = std::move(text)]() mutable {
      if (self->closed_) return;
      self->queue_.push_back(std::move(text));
      self->writeNext();
    });
  }

  void close(websocket::close_code code) override {
    asio::post(executor_, [self = self(), code] {
      if (!self->closeCode_) self->closeCode_ = code;
      self->writeNext();
    });
  }

  void drain() override { close(websocket::close_code::going_away); }

 protected:
  WebSocketSession(asio::any_io_executor executor, std::shared_ptr<ServerContext> ctx,
                   std::string remote, ConnectionCap::Slot slot)
      : executor_(std::move(executor)),
        ctx_(std::move(ctx)),
        slot_(std::move(slot)),
        remote_(std::move(remote)) {}

  ~WebSocketSession() override {
    notifyClosed();
    ctx_->remove(this);
    spdlog::debug("msg=\"websocket closed\" remote={}", remote_);
  }

 private:
  Derived& derived() { return static_cast<Derived&>(*this); }
  auto& ws() { return derived().ws(); }
  std::shared_ptr<Derived> self() { return std::static_pointer_cast<Derived>(shared_from_this()); }

  void configure() {
    auto& ws = this->ws();
    // The WebSocket's own timeouts (handshake, idle with pings) take over.
    beast::get_lowest_layer(ws).expires_never();
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "ecsd"); }));
    ws.read_message_max(kMaxWebSocketMessageBytes);
    ws.text(true);
  }

  void onAccept(beast::error_code ec) {
    if (ec) {
      logConnectionFailure(remote_, "websocket handshake", ec);
      return notifyClosed();
    }
    open_ = true;
    spdlog::debug("msg=\"websocket opened\" remote={} tls={}", remote_, Derived::kTls);
    readNext();
    writeNext();
  }

  void readNext() {
    ws().async_read(buffer_, beast::bind_front_handler(&WebSocketSession::onRead, self()));
  }

  void onRead(beast::error_code ec, std::size_t) {
    if (ec) {
      // A peer closing TCP without TLS close_notify after the close is normal.
      if (ec != websocket::error::closed && ec != ssl::error::stream_truncated) {
        logConnectionFailure(remote_, "websocket read", ec);
      }
      return notifyClosed();
    }
    if (ws().got_text()) {
      const std::string text = beast::buffers_to_string(buffer_.data());
      guarded(
          "websocket peer", context(), [&] { peer_->onText(text); }, [] {});
    } else {
      spdlog::debug("msg=\"websocket binary message ignored\" remote={}", remote_);
    }
    buffer_.consume(buffer_.size());
    readNext();
  }

  // One write at a time; once the queue is empty, a requested close goes out.
  void writeNext() {
    if (!open_ || writing_ || closing_) return;
    if (queue_.empty()) {
      if (closeCode_) startClose();
      return;
    }
    writing_ = true;
    ws().async_write(asio::buffer(queue_.front()),
                     beast::bind_front_handler(&WebSocketSession::onWritten, self()));
  }

  void onWritten(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec) {
      // The stream has failed; the pending read ends the session.
      logConnectionFailure(remote_, "websocket write", ec);
      queue_.clear();
      return;
    }
    queue_.pop_front();
    writeNext();
  }

  void startClose() {
    closing_ = true;
    beast::get_lowest_layer(ws()).expires_after(kWebSocketCloseTimeout);
    ws().async_close(*closeCode_, [self = self()](beast::error_code ec) {
      // The pending read completes once the peer answers (or times out).
      if (ec) logConnectionFailure(self->remote_, "websocket close", ec);
    });
  }

  // Exactly once per session: on read end, failed handshake, or destruction.
  void notifyClosed() {
    if (closed_) return;
    closed_ = true;
    open_ = false;
    queue_.clear();
    if (!peer_) return;
    guarded(
        "websocket peer", context(), [&] { peer_->onClose(); }, [] {});
    peer_.reset();
  }

  std::string context() const { return "remote=" + remote_; }

  asio::any_io_executor executor_;  // the connection's strand
  std::shared_ptr<ServerContext> ctx_;
  ConnectionCap::Slot slot_;  // after ctx_, which holds the cap
  std::string remote_;
  std::shared_ptr<protocol::WebSocketPeer> peer_;
  beast::flat_buffer buffer_;
  // A list, not a deque: an empty deque still holds a 512-byte block, and
  // most sessions' queues are empty most of the time.
  std::list<std::string> queue_;
  std::optional<websocket::close_code> closeCode_;
  bool open_ = false;  // handshake done, not closed
  bool writing_ = false;
  bool closing_ = false;  // close frame sent
  bool closed_ = false;   // peer told
};

class PlainWebSocketSession final : public WebSocketSession<PlainWebSocketSession> {
 public:
  static constexpr bool kTls = false;

  PlainWebSocketSession(beast::tcp_stream&& stream, std::shared_ptr<ServerContext> ctx,
                        std::string remote, ConnectionCap::Slot slot)
      : WebSocketSession(stream.get_executor(), std::move(ctx), std::move(remote), std::move(slot)),
        ws_(std::move(stream)) {}

  websocket::stream<beast::tcp_stream>& ws() { return ws_; }

 private:
  websocket::stream<beast::tcp_stream> ws_;
};

class TlsWebSocketSession final : public WebSocketSession<TlsWebSocketSession> {
 public:
  static constexpr bool kTls = true;

  TlsWebSocketSession(TlsStream&& stream, std::shared_ptr<ssl::context> tls,
                      std::shared_ptr<ServerContext> ctx, std::string remote,
                      ConnectionCap::Slot slot)
      : WebSocketSession(stream.get_executor(), std::move(ctx), std::move(remote), std::move(slot)),
        tls_(std::move(tls)),
        ws_(std::move(stream)) {}

  websocket::stream<TlsStream>& ws() { return ws_; }

 private:
  std::shared_ptr<ssl::context> tls_;  // before ws_: the stream uses it
  websocket::stream<TlsStream> ws_;
};

// All HTTP/1.1 behavior of a connection. Derived supplies stream(),
// onStart(), waitForInput(handler) (until the peer has sent something, with no
// buffer held meanwhile) and halfClose(then) (stop sending: the peer reads
// the end of the stream after what was sent; then calls then()).
template <class Derived>
class HttpSession : public Connection {
 public:
  // Registers the connection and begins serving on its strand.
  void start() {
    executor_ = stream().get_executor();
    ctx_->add(shared_from_this());
    // A drain that began while this connection was being accepted missed it.
    if (ctx_->draining) return;
    spdlog::debug("msg=\"connection opened\" remote={} tls={}", remote_, Derived::kTls);
    asio::dispatch(executor_, beast::bind_front_handler(&Derived::onStart, self()));
  }

  // The executor is kept apart from the stream, which an upgrade moves away
  // (an upgrade is a request in progress until this session is gone).
  void drain() override {
    asio::post(executor_, [self = self()] {
      if (!self->inFlight_) self->lowest().cancel();
    });
  }

 protected:
  HttpSession(std::shared_ptr<ServerContext> ctx, std::string remote, ConnectionCap::Slot slot)
      : ctx_(std::move(ctx)), slot_(std::move(slot)), remote_(std::move(remote)) {}

  ~HttpSession() override {
    ctx_->remove(this);
    spdlog::debug("msg=\"connection closed\" remote={}", remote_);
  }

  std::shared_ptr<ServerContext> ctx_;
  ConnectionCap::Slot slot_;  // after ctx_, which holds the cap; an upgrade takes it
  std::string remote_;

  std::shared_ptr<Derived> self() { return std::static_pointer_cast<Derived>(shared_from_this()); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream()); }

  void logFailure(std::string_view what, const beast::error_code& ec) {
    logConnectionFailure(remote_, what, ec);
  }

  // Waits for the next request: idleTimeout until its first byte arrives,
  // requestTimeout from there until it is read whole. While it waits the
  // connection holds no read buffer (8 KiB or more).
  void readRequest() {
    if (ctx_->draining && buffer_.size() == 0) return finish();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(ctx_->limits.maxHeaderBytes));
    parser_->body_limit(ctx_->limits.maxBodyBytes);
    if (buffer_.size() > 0) {  // a pipelined request is already here
      readHeader();
      return;
    }
    buffer_.shrink_to_fit();
    lowest().expires_after(ctx_->limits.idleTimeout);
    derived().waitForInput(beast::bind_front_handler(&HttpSession::onFirstBytes, self()));
  }

  beast::flat_buffer& buffer() { return buffer_; }

 private:
  enum class After { kReadNext, kClose };

  Derived& derived() { return static_cast<Derived&>(*this); }
  auto& stream() { return derived().stream(); }

  void onFirstBytes(beast::error_code ec) {
    if (ec) return onReadError(ec);
    buffer_.reserve(kReadChunk);  // the rest in reads as large as before
    readHeader();
  }

  void readHeader() {
    lowest().expires_after(ctx_->limits.requestTimeout);
    http::async_read_header(stream(), buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::onHeader, self()));
  }

  void onHeader(beast::error_code ec, std::size_t) {
    if (ec) return onReadError(ec);
    if (!expectsContinue()) return readBody();
    asio::async_write(stream(), asio::buffer(kContinue.data(), kContinue.size()),
                      beast::bind_front_handler(&HttpSession::onContinueWritten, self()));
  }

  bool expectsContinue() {
    const auto& header = parser_->get();
    return !parser_->is_done() && header.version() >= 11 &&
           boost::algorithm::iequals(header[http::field::expect], "100-continue");
  }

  void onContinueWritten(beast::error_code ec, std::size_t) {
    if (ec) return logFailure("write", ec);
    readBody();
  }

  void readBody() {
    if (parser_->is_done()) return handleRequest();
    http::async_read(stream(), buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::onBody, self()));
  }

  void onBody(beast::error_code ec, std::size_t) {
    if (ec) return onReadError(ec);
    handleRequest();
  }

  // Returning without a new operation lets the last reference go, which
  // closes the socket.
  void onReadError(const beast::error_code& ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof) return finish();
    if (ec == ssl::error::stream_truncated) {
      // The peer closed TCP without a TLS close_notify. Clients routinely do
      // that instead of a clean TLS shutdown, and HTTP's own framing tells a
      // cut-short request apart, so this is just a quiet close.
      return;
    }
    if (ec == http::error::body_limit) return rejectBody();
    if (ec == http::error::header_limit) {
      return respondError(431, "RequestHeaderFieldsTooLarge",
                          "Request header exceeds the limit of " +
                              std::to_string(ctx_->limits.maxHeaderBytes) + " bytes");
    }
    if (isHttpError(ec) && ec != http::error::partial_message) {
      return respondError(400, "BadRequest", "Malformed HTTP request: " + ec.message());
    }
    if (ec != asio::error::operation_aborted) logFailure("read", ec);
  }

  void rejectBody() {
    const std::string limit = std::to_string(ctx_->limits.maxBodyBytes) + " bytes";
    // The parser stops before calling its header done, so read the field
    // itself rather than parser_->content_length().
    const auto declared = parser_->get()[http::field::content_length];
    std::uint64_t length = 0;
    const bool known =
        std::from_chars(declared.data(), declared.data() + declared.size(), length).ec ==
        std::errc();
    respondError(
        413, "RequestEntityTooLargeException",
        known ? "Request body of " + std::to_string(length) + " bytes exceeds the limit of " + limit
              : "Request body exceeds the limit of " + limit);
  }

  void handleRequest() {
    inFlight_ = true;
    BeastRequest request = parser_->release();
    if (isWebSocketUpgrade(request) && handOffUpgrade(request)) return;
    const unsigned version = request.version();
    const After after = request.keep_alive() ? After::kReadNext : After::kClose;
    protocol::HttpRequest plain = toHttpRequest(std::move(request), remote_);
    plain.secure = Derived::kTls;  // aws:SecureTransport
    invokeHandler(std::move(plain), version, after);
  }

  static bool isWebSocketUpgrade(const BeastRequest& request) {
    return boost::algorithm::iequals(request[http::field::upgrade], "websocket");
  }

  // An upgrade on a WebSocket path goes to its acceptor, and on acceptance
  // this connection's stream becomes a WebSocket session. False: no such
  // path, so the request is an ordinary one.
  bool handOffUpgrade(BeastRequest& request) {
    const auto* route = ctx_->webSocketRoute(request.target());
    if (route == nullptr) return false;
    if (!websocket::is_upgrade(request)) {
      respondError(400, "BadRequest", "Malformed WebSocket upgrade request");
    } else if (ctx_->draining) {
      respondError(503, "ServiceUnavailable", "The server is shutting down");
    } else {
      upgrade(*route, std::move(request));
    }
    return true;
  }

  void upgrade(const ServerContext::WebSocketRoute& route, BeastRequest&& request) {
    auto channel = std::make_shared<ChannelHandle>();
    const auto httpRequest = toHttpRequest(BeastRequest(request), remote_);
    auto peer = guarded(
        "websocket acceptor", context(httpRequest),
        [&] { return route.acceptor(httpRequest, channel); },
        []() -> Result<std::shared_ptr<protocol::WebSocketPeer>> {
          return errors::server("Internal error");
        });
    if (peer.ok() && *peer == nullptr) peer = errors::server("Internal error");
    if (!peer) {
      const Error& error = peer.error();
      spdlog::debug("msg=\"websocket upgrade refused\" remote={} status={} error={}", remote_,
                    error.httpStatus, error.type);
      respond(route.refusal ? route.refusal(error.httpStatus, error.type, error.message)
                            : errorResponse(error.httpStatus, error.type, error.message),
              request.version(), After::kClose);
      return;
    }
    auto session = derived().makeWebSocket();
    channel->attach(session);
    session->start(std::move(request), std::move(*peer));
  }

  std::string context(const protocol::HttpRequest& request) const {
    return "remote=" + remote_ + " method=" + logging::quote(request.method) +
           " target=" + logging::quote(request.target);
  }

  // The route's handler answers now or later, from any thread; the answer
  // goes out on this connection's strand. The connection waits for it (it
  // reads nothing meanwhile) and a drain waits for it too.
  void invokeHandler(protocol::HttpRequest&& request, unsigned version, After after) {
    const auto* route = ctx_->route(request.target);
    if (route == nullptr) {
      return respond(errorResponse(404, "NotFound", "Nothing is served at this path"), version,
                     after);
    }
    auto answered = std::make_shared<std::atomic<bool>>(false);
    Respond reply = [self = self(), version, after, answered](protocol::HttpResponse response) {
      if (answered->exchange(true)) return;  // a handler's bug; the first answer stands
      asio::dispatch(self->executor_,
                     [self, version, after, response = std::move(response)]() mutable {
                       self->respond(std::move(response), version, after);
                     });
    };
    const std::string where = context(request);
    guarded(
        "handler", where, [&] { route->handler(std::move(request), reply); },
        [&] { reply(errorResponse(500, "ServerException", "Internal error")); });
  }

  protocol::HttpResponse errorResponse(int status, std::string_view type,
                                       std::string_view message) {
    try {
      return ctx_->errorResponder(status, type, message);
    } catch (const std::exception& e) {
      spdlog::error("msg=\"error responder threw\" error={}", logging::quote(e.what()));
      return protocol::HttpResponse{status, {{"Content-Type", "text/plain"}}, std::string(message)};
    }
  }

  // Answers a request the server rejected itself, then closes.
  void respondError(int status, std::string_view type, const std::string& message) {
    spdlog::debug("msg=\"request rejected\" remote={} status={} reason={}", remote_, status,
                  logging::quote(message));
    respond(errorResponse(status, type, message), 11, After::kClose);
  }

  void respond(protocol::HttpResponse&& response, unsigned version, After after) {
    if (after == After::kReadNext && ctx_->draining) after = After::kClose;
    response_.emplace(toBeastResponse(std::move(response), version, after == After::kReadNext));
    lowest().expires_after(ctx_->limits.requestTimeout);
    http::async_write(stream(), *response_,
                      beast::bind_front_handler(&HttpSession::onWritten, self(), after));
  }

  void onWritten(After after, beast::error_code ec, std::size_t) {
    response_.reset();
    inFlight_ = false;
    if (ec) return logFailure("write", ec);
    if (after == After::kReadNext) return readRequest();
    finish();
  }

  // Ends the connection after its last answer: our side at once, so the
  // client reads the end right after the answer; then, but for a drain, we
  // linger until the client closes its side.
  void finish() {
    derived().halfClose([self = self()] {
      if (!self->ctx_->draining) self->linger();
    });
  }

  // Reads and discards what the client still sends (the rest of a body over
  // the limit, say) until it closes: closing with unread input would send a
  // reset, which can destroy the answer before the client has read it (RFC
  // 9112, 9.6). Raw TCP: past our half-close nothing needs decrypting.
  void linger() {
    buffer_.clear();
    lingerEnds_ = std::chrono::steady_clock::now() + kLingerTime;
    discard();
  }

  void discard() {
    const auto left = lingerEnds_ - std::chrono::steady_clock::now();
    lowest().expires_after(std::min<std::chrono::steady_clock::duration>(kLingerIdle, left));
    lowest().async_read_some(buffer_.prepare(kReadChunk),
                             beast::bind_front_handler(&HttpSession::onDiscarded, self()));
  }

  void onDiscarded(beast::error_code ec, std::size_t bytes) {
    lingered_ += bytes;
    // EOF, timeout or a reset all end the linger the same way: by closing.
    if (ec || lingered_ > kMaxLingerBytes || std::chrono::steady_clock::now() >= lingerEnds_) {
      return;
    }
    discard();
  }

  asio::any_io_executor executor_;  // the connection's strand
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<BeastResponse> response_;
  // From a whole request read until its answer is sent (or its upgrade has
  // taken the stream): a drain waits for it; any other time it closes the
  // connection at once.
  bool inFlight_ = false;
  std::chrono::steady_clock::time_point lingerEnds_;
  std::size_t lingered_ = 0;
};

class PlainSession final : public HttpSession<PlainSession> {
 public:
  static constexpr bool kTls = false;

  PlainSession(tcp::socket&& socket, std::string remote, std::shared_ptr<ServerContext> ctx,
               ConnectionCap::Slot slot)
      : HttpSession(std::move(ctx), std::move(remote), std::move(slot)),
        stream_(std::move(socket)) {}

  beast::tcp_stream& stream() { return stream_; }
  std::shared_ptr<PlainWebSocketSession> makeWebSocket() {
    return std::make_shared<PlainWebSocketSession>(std::move(stream_), ctx_, remote_,
                                                   std::move(slot_));
  }
  void onStart() { readRequest(); }
  // Reads the first byte alone, into the buffer.
  template <class Handler>
  void waitForInput(Handler handler) {
    stream_.async_read_some(buffer().prepare(1),
                            [self = self(), handler = std::move(handler)](
                                beast::error_code ec, std::size_t bytes) mutable {
                              self->buffer().commit(bytes);
                              handler(ec);
                            });
  }
  template <class Then>
  void halfClose(Then then) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    then();
  }

 private:
  beast::tcp_stream stream_;
};

class TlsSession final : public HttpSession<TlsSession> {
 public:
  static constexpr bool kTls = true;

  TlsSession(tcp::socket&& socket, std::string remote, std::shared_ptr<ServerContext> ctx,
             std::shared_ptr<ssl::context> tls, ConnectionCap::Slot slot)
      : HttpSession(std::move(ctx), std::move(remote), std::move(slot)),
        tls_(std::move(tls)),
        stream_(beast::tcp_stream(std::move(socket)), tls_->native_handle()) {}

  TlsStream& stream() { return stream_; }
  std::shared_ptr<TlsWebSocketSession> makeWebSocket() {
    return std::make_shared<TlsWebSocketSession>(std::move(stream_), tls_, ctx_, remote_,
                                                 std::move(slot_));
  }

  // The handshake waits for the client's first bytes within requestTimeout.
  void onStart() {
    lowest().expires_after(ctx_->limits.requestTimeout);
    stream_.async_handshake(beast::bind_front_handler(&TlsSession::onHandshake, self()));
  }

  template <class Handler>
  void waitForInput(Handler handler) {
    stream_.async_wait_input(std::move(handler));
  }

  // close_notify, then TCP's own end, without waiting for the client's
  // close_notify: the client reads the end of the stream right after the
  // answer, rather than when a timeout closes the connection.
  template <class Then>
  void halfClose(Then then) {
    lowest().expires_after(kLingerIdle);
    stream_.async_close_notify([self = self(), then = std::move(then)](beast::error_code) mutable {
      // A failure to send it (the peer gone) ends the connection all the same.
      beast::error_code ignored;
      self->lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      then();
    });
  }

 private:
  void onHandshake(beast::error_code ec) {
    if (ec) return logFailure("handshake", ec);
    readRequest();
  }

  std::shared_ptr<ssl::context> tls_;  // before stream_: the stream uses it
  TlsStream stream_;
};

// The loop the calling thread runs (nullptr: not a server thread).
thread_local asio::io_context* currentLoop = nullptr;

// One io_context per server thread, each run by its thread alone, and
// connections dealt out to them in turn. With one io_context shared by every
// thread, each completion a thread posted woke another (a futex wake and a
// context switch), so one lone call crossed threads about 25 times
// (scripts/call-cost.py); a connection's work now stays on its loop's thread,
// and only what another thread hands it (a commit, a payload) wakes it. The
// first loop also runs the server-wide work: acceptors, signals, periodics.
class Loops {
 public:
  explicit Loops(int count) {
    for (int i = 0; i < count; ++i) loops_.push_back(std::make_unique<asio::io_context>(1));
  }
  asio::io_context& first() { return *loops_.front(); }
  // The loop for the next connection.
  asio::io_context& next() {
    return *loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
  }
  std::size_t size() const { return loops_.size(); }
  asio::io_context& operator[](std::size_t i) { return *loops_[i]; }

 private:
  std::vector<std::unique_ptr<asio::io_context>> loops_;
  std::atomic<std::size_t> next_{0};
};

// Accepts connections on one endpoint, each onto its own strand of the next
// loop, as long as the connection cap has room for them.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(Loops& loops, tcp::acceptor&& acceptor, std::shared_ptr<ServerContext> ctx,
           std::shared_ptr<ssl::context> tls)
      : loops_(loops),
        acceptor_(std::move(acceptor)),
        retryTimer_(acceptor_.get_executor()),
        ctx_(std::move(ctx)),
        tls_(std::move(tls)) {}

  void accept() {
    acceptor_.async_accept(asio::make_strand(loops_.next()),
                           beast::bind_front_handler(&Listener::onAccept, shared_from_this()));
  }

  // Thread-safe.
  void close() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
      self->retryTimer_.cancel();
    });
  }

 private:
  void onAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || ctx_->draining) return;
    if (ec) return backOff(ec);
    if (failures_ > 0) {
      spdlog::info("msg=\"accepting again\" failed_accepts={}", std::exchange(failures_, 0));
    }
    serve(std::move(socket));
    accept();
  }

  // Out of descriptors (EMFILE, ENFILE) and the like: the connection waits in
  // the backlog while we retry every kAcceptRetryDelay instead of spinning,
  // and the connections we hold go on being served. One line a run of
  // failures, not one a retry.
  void backOff(const beast::error_code& ec) {
    if (failures_++ == 0) {
      spdlog::warn("msg=\"accept failed, retrying\" error={} retry_ms={}",
                   logging::quote(ec.message()), kAcceptRetryDelay.count());
    }
    retryTimer_.expires_after(kAcceptRetryDelay);
    retryTimer_.async_wait([self = shared_from_this()](beast::error_code waitEc) {
      if (!waitEc) self->accept();
    });
  }

  // A connection over the cap is closed as it comes: it costs no session,
  // and nothing is written to a peer that may be flooding us.
  void serve(tcp::socket socket) {
    beast::error_code endpointEc;
    const auto peer = socket.remote_endpoint(endpointEc);
    if (endpointEc) return;  // gone already
    auto admitted = ctx_->cap.admit(addressText(peer.address()), std::chrono::steady_clock::now());
    if (const auto* refused = std::get_if<ConnectionCap::Refused>(&admitted)) {
      if (refused->report) {
        spdlog::warn("msg=\"connection refused: over the cap\" remote={} {}={} refused={}",
                     endpointText(peer), refused->cap, refused->limit, refused->refusedSinceReport);
      }
      return;
    }
    // An answer goes out in several writes (TLS records, headers and body):
    // with Nagle's algorithm the last would wait for the client's delayed
    // ACK, 40 ms on Linux.
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto slot = std::move(std::get<ConnectionCap::Slot>(admitted));
    if (tls_) {
      std::make_shared<TlsSession>(std::move(socket), endpointText(peer), ctx_, tls_,
                                   std::move(slot))
          ->start();
    } else {
      std::make_shared<PlainSession>(std::move(socket), endpointText(peer), ctx_, std::move(slot))
          ->start();
    }
  }

  // One address however it comes: an IPv4 client of a "::" listener is
  // ::ffff:a.b.c.d.
  static std::string addressText(const asio::ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
      return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
    }
    return address.to_string();
  }

  Loops& loops_;
  tcp::acceptor acceptor_;
  asio::steady_timer retryTimer_;
  std::shared_ptr<ServerContext> ctx_;
  std::shared_ptr<ssl::context> tls_;
  std::size_t failures_ = 0;  // accepts failed in a row
};

// A task run every period on its own strand until cancelled.
class Periodic : public std::enable_shared_from_this<Periodic> {
 public:
  Periodic(asio::io_context& ioc, std::chrono::milliseconds period, std::function<void()> task)
      : timer_(asio::make_strand(ioc)), period_(period), task_(std::move(task)) {}

  void arm() {
    timer_.expires_after(period_);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->stopped_) return;
      guarded("periodic task", "period_ms=" + std::to_string(self->period_.count()), self->task_,
              [] {});
      self->arm();
    });
  }

  // Thread-safe. A wait that already completed sees stopped_ and ends too.
  void cancel() {
    asio::post(timer_.get_executor(), [self = shared_from_this()] {
      self->stopped_ = true;
      self->timer_.cancel();
    });
  }

 private:
  asio::steady_timer timer_;
  const std::chrono::milliseconds period_;
  const std::function<void()> task_;
  bool stopped_ = false;
};

Result<std::pair<std::string, std::string>> splitHostPort(const std::string& hostPort) {
  const auto invalid = [&] {
    return errors::server("invalid listen address \"" + hostPort +
                          "\": want host:port or [ipv6]:port");
  };
  std::string host;
  std::string port;
  if (hostPort.starts_with('[')) {
    const auto close = hostPort.find(']');
    if (close == std::string::npos || hostPort.substr(close + 1, 1) != ":") return invalid();
    host = hostPort.substr(1, close - 1);
    port = hostPort.substr(close + 2);
  } else {
    const auto colon = hostPort.rfind(':');
    if (colon == std::string::npos) return invalid();
    host = hostPort.substr(0, colon);
    port = hostPort.substr(colon + 1);
    if (host.find(':') != std::string::npos) return invalid();  // IPv6 needs brackets
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return invalid();
  }
  return std::pair{host.empty() ? std::string("0.0.0.0") : host, port};
}

Result<std::shared_ptr<ssl::context>> makeTlsContext(const TlsCertificate& certificate) {
  auto tls = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
  tls->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use);
  // Clients (SDKs, the CLI, agents) open a connection and keep it; none
  // resumes a TLS session. Issuing tickets and caching sessions for them
  // would cost every handshake work (and memory) that is never used.
  SSL_CTX_set_num_tickets(tls->native_handle(), 0);
  SSL_CTX_set_session_cache_mode(tls->native_handle(), SSL_SESS_CACHE_OFF);
  beast::error_code ec;
  tls->use_certificate_chain_file(certificate.certificateChain.string(), ec);
  if (ec) {
    return errors::server("cannot load TLS certificate chain " +
                          certificate.certificateChain.string() + ": " + ec.message());
  }
  tls->use_private_key_file(certificate.privateKey.string(), ssl::context::pem, ec);
  if (ec || SSL_CTX_check_private_key(tls->native_handle()) != 1) {
    return errors::server("cannot load TLS private key " + certificate.privateKey.string() +
                          (ec ? ": " + ec.message() : ": it does not match the certificate"));
  }
  return tls;
}

beast::error_code bindAcceptor(tcp::acceptor& acceptor, const tcp::endpoint& endpoint) {
  beast::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor.close(ignored);
  }
  return ec;
}

}  // namespace

std::string Endpoint::authority() const {
  const bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

bool Endpoint::anyAddress() const { return address == "0.0.0.0" || address == "::"; }

std::string Endpoint::url() const {
  return std::string(tls ? "https://" : "http://") + authority();
}

struct HttpServer::Impl {
  Impl(ErrorResponder errorResponder, Limits limits, int threads)
      : loops(std::max(threads, 1)),
        ioc(loops.first()),
        ctx(std::make_shared<ServerContext>(std::move(errorResponder), std::move(limits))),
        control(asio::make_strand(ioc)),
        drainTimer(control) {}

  ~Impl() { ctx->setOnDrained(nullptr); }

  Result<Endpoint> listen(const std::string& hostPort, CertificateFor certificateFor);
  void run();
  void runOnThisThread(asio::io_context& loop);
  void beginDrain();

  // Destroyed after everything below, which uses their services.
  Loops loops;
  asio::io_context& ioc;  // the first loop: acceptors, signals, periodics, the drain
  std::shared_ptr<ServerContext> ctx;
  // Serializes the server-wide controls: signals, the drain and its timer.
  asio::strand<asio::io_context::executor_type> control;
  asio::steady_timer drainTimer;
  std::optional<asio::signal_set> signals;
  std::vector<std::shared_ptr<Listener>> listeners;
  std::vector<std::shared_ptr<Periodic>> periodics;
};

Result<Endpoint> HttpServer::Impl::listen(const std::string& hostPort,
                                          CertificateFor certificateFor) {
  auto split = splitHostPort(hostPort);
  if (!split) return split.error();
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  const auto results = resolver.resolve(
      split->first, split->second, tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  for (const auto& entry : results) {
    tcp::acceptor acceptor(asio::make_strand(ioc));
    ec = bindAcceptor(acceptor, entry.endpoint());
    if (ec) continue;
    const auto local = acceptor.local_endpoint();
    const Endpoint bound{local.address().to_string(), local.port(), certificateFor != nullptr};
    std::shared_ptr<ssl::context> tls;
    if (certificateFor) {
      auto certificate = certificateFor(bound);
      if (!certificate) return certificate.error();
      auto made = makeTlsContext(*certificate);
      if (!made) return made.error();
      tls = std::move(*made);
    }
    auto listener = std::make_shared<Listener>(loops, std::move(acceptor), ctx, tls);
    listener->accept();
    listeners.push_back(std::move(listener));
    spdlog::info("msg=\"listening\" url={}", bound.url());
    return bound;
  }
  return errors::server("cannot listen on " + hostPort + ": " +
                        (ec ? ec.message() : "no address found"));
}

void HttpServer::Impl::run() {
  ctx->setOnDrained([this] { asio::post(control, [this] { drainTimer.cancel(); }); });
  signals.emplace(control, SIGINT, SIGTERM);
  signals->async_wait([this](beast::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("msg=\"signal received, draining\" signal={}", signal);
    beginDrain();
  });
  // The other loops may be idle (no connection dealt to them yet): kept
  // running until the first loop, which holds the drain, returns.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> idle;
  std::vector<std::thread> workers;
  for (std::size_t i = 1; i < loops.size(); ++i) {
    idle.push_back(asio::make_work_guard(loops[i]));
    workers.emplace_back([this, i] { runOnThisThread(loops[i]); });
  }
  runOnThisThread(ioc);
  for (auto& guard : idle) guard.reset();
  for (auto& worker : workers) worker.join();
  // Connections left after a drain timeout die with the io_context; they
  // must not call back into a drain that is over.
  ctx->setOnDrained(nullptr);
}

void HttpServer::Impl::runOnThisThread(asio::io_context& loop) {
  currentLoop = &loop;
  for (;;) {
    try {
      loop.run();
      return;
    } catch (const std::exception& e) {
      // Handlers are guarded; this is a bug elsewhere. Keep serving.
      spdlog::error("msg=\"uncaught exception in server thread\" error={}",
                    logging::quote(e.what()));
    }
  }
}

// Runs on `control`. The first loop returns from run() once the acceptors,
// the signal wait, the connections and the drain timer are all gone.
void HttpServer::Impl::beginDrain() {
  if (ctx->draining.exchange(true)) return;
  spdlog::debug("msg=\"draining\"");
  if (signals) signals->cancel();
  for (const auto& listener : listeners) listener->close();
  for (const auto& periodic : periodics) periodic->cancel();
  for (const auto& connection : ctx->live()) connection->drain();
  drainTimer.expires_after(ctx->limits.drainTimeout);
  // On timeout the loops stop; a handler still running finishes first,
  // one still waiting (for a commit) goes unanswered, and its connection
  // closes with the server.
  drainTimer.async_wait([this](beast::error_code ec) {
    if (ec) return;
    spdlog::warn("msg=\"drain timed out, stopping with requests in flight\"");
    for (std::size_t i = 0; i < loops.size(); ++i) loops[i].stop();
  });
  // The last connection may have gone before the timer was armed.
  if (ctx->empty()) drainTimer.cancel();
}

HttpServer::HttpServer(ErrorResponder errorResponder, Limits limits, int threads)
    : impl_(std::make_unique<Impl>(std::move(errorResponder), std::move(limits), threads)) {}

HttpServer::~HttpServer() = default;

Result<Endpoint> HttpServer::listen(const std::string& hostPort,
                                    std::optional<TlsCertificate> tls) {
  if (!tls) return impl_->listen(hostPort, nullptr);
  return impl_->listen(hostPort,
                       [tls = *tls](const Endpoint&) { return Result<TlsCertificate>(tls); });
}

Result<Endpoint> HttpServer::listen(const std::string& hostPort, CertificateFor tls) {
  return impl_->listen(hostPort, std::move(tls));
}

void HttpServer::acceptWebSockets(std::string path, protocol::WebSocketAcceptor acceptor,
                                  ErrorResponder refusal) {
  impl_->ctx->webSocketRoutes.push_back({std::move(path), std::move(acceptor), std::move(refusal)});
}

void HttpServer::route(std::string path, Handler handler) {
  impl_->ctx->routes.push_back({std::move(path), std::move(handler)});
}

bool HttpServer::onLoopThread() { return currentLoop != nullptr; }

std::function<void(std::function<void()>)> HttpServer::postHere() {
  asio::io_context* loop = currentLoop ? currentLoop : &impl_->ioc;
  return [loop](std::function<void()> task) { asio::post(*loop, std::move(task)); };
}

void HttpServer::every(std::chrono::milliseconds period, std::function<void()> task) {
  auto periodic = std::make_shared<Periodic>(impl_->ioc, period, std::move(task));
  periodic->arm();
  impl_->periodics.push_back(std::move(periodic));
}

void HttpServer::run() { impl_->run(); }

void HttpServer::stop() {
  asio::post(impl_->control, [impl = impl_.get()] { impl->beginDrain(); });
}

}  // namespace ecsd::server
