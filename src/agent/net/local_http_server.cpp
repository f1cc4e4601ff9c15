// The introspection listener: plain HTTP/1.1 on one thread running every
// connection asynchronously, so a slow client delays no one, and a deadline
// per request so an idle one does not stay forever.
#include "agent/net/local_http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <optional>
#include <thread>
#include <utility>

#include "common/logging.h"
#include "ecsd/errors.h"
#include "server/beast_message.h"

namespace ecsd::agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// To receive one whole request, the wait for it on a kept-alive connection included.
constexpr auto kRequestTimeout = std::chrono::seconds(5);
constexpr auto kWriteTimeout = std::chrono::seconds(5);
constexpr std::uint64_t kMaxBodyBytes = 64 * 1024;

protocol::HttpResponse answer(const LocalHttpServer::Handler& handler,
                              const protocol::HttpRequest& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    spdlog::error("msg=\"introspection handler threw\" module=LocalHttpServer target={} error={}",
                  logging::quote(request.target), logging::quote(e.what()));
  } catch (...) {
    spdlog::error("msg=\"introspection handler threw\" module=LocalHttpServer target={}",
                  logging::quote(request.target));
  }
  return protocol::HttpResponse{500, {{"Content-Type", "text/plain"}}, "Internal error\n"};
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket&& socket, const LocalHttpServer::Handler& handler)
      : stream_(std::move(socket)), handler_(handler) {
    beast::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? std::string("unknown")
                 : peer.address().to_string().append(":").append(std::to_string(peer.port()));
  }

  void readRequest() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    stream_.expires_after(kRequestTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
  }

 private:
  void onRead(beast::error_code ec) {
    if (ec) {
      // end_of_stream: the client is done; anything else ends the connection too.
      if (ec != http::error::end_of_stream) {
        spdlog::debug(
            "msg=\"introspection read failed\" module=LocalHttpServer remote={} "
            "error={}",
            remote_, logging::quote(ec.message()));
      }
      return shutdown();
    }
    auto request = parser_->release();
    const unsigned version = request.version();
    const bool keepAlive = request.keep_alive();
    protocol::HttpResponse result =
        answer(handler_, server::toHttpRequest(std::move(request), remote_));

    response_.emplace();
    response_->version(version);
    response_->result(
        result.status >= 100 && result.status <= 599 ? static_cast<unsigned>(result.status) : 500u);
    for (auto& [name, value] : result.headers) {
      if (!server::serverOwnedHeader(name)) response_->insert(name, value);
    }
    response_->body() = std::move(result.body);
    response_->keep_alive(keepAlive);
    response_->prepare_payload();
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, *response_,
                      [self = shared_from_this()](beast::error_code writeError, std::size_t) {
                        self->onWritten(writeError);
                      });
  }

  void onWritten(beast::error_code ec) {
    const bool keepAlive = response_->keep_alive();
    response_.reset();
    if (ec || !keepAlive) return shutdown();
    readRequest();
  }

  void shutdown() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  const LocalHttpServer::Handler& handler_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
};

class Server final : public LocalHttpServer {
 public:
  explicit Server(Handler handler) : handler_(std::move(handler)), acceptor_(ioc_) {}

  // Stopping the io_context drops every connection, idle or not, at once.
  ~Server() override {
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::uint16_t port() const override { return port_; }

  Status listen(const std::string& address, std::uint16_t port) {
    std::string where = address.find(':') != std::string::npos
                            ? std::string("[").append(address).append("]")
                            : address;
    where.append(":").append(std::to_string(port));
    beast::error_code ec;
    const auto ip = asio::ip::make_address(address, ec);
    if (ec) return errors::server("cannot listen on " + where + ": not an IP address");
    const tcp::endpoint endpoint(ip, port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return errors::server("cannot listen on " + where + ": " + ec.message());
    port_ = acceptor_.local_endpoint(ec).port();
    return {};
  }

  void start() {
    accept();
    thread_ = std::thread([this] { run(); });
  }

 private:
  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        spdlog::warn("msg=\"introspection accept failed\" module=LocalHttpServer error={}",
                     logging::quote(ec.message()));
      } else {
        std::make_shared<Connection>(std::move(socket), handler_)->readRequest();
      }
      accept();
    });
  }

  void run() {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        // Handlers are guarded; this is a bug elsewhere. Keep serving.
        spdlog::error("msg=\"introspection server thread failed\" module=LocalHttpServer error={}",
                      logging::quote(e.what()));
      }
    }
  }

  const Handler handler_;
  asio::io_context ioc_;  // before everything that uses it
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<LocalHttpServer>> startLocalHttpServer(const std::string& address,
                                                              std::uint16_t port,
                                                              LocalHttpServer::Handler handler) {
  try {
    auto server = std::make_unique<Server>(std::move(handler));
    if (auto listening = server->listen(address, port); !listening) return listening.error();
    server->start();
    spdlog::debug("msg=listening module=LocalHttpServer address={} port={}", address,
                  server->port());
    return std::unique_ptr<LocalHttpServer>(std::move(server));
  } catch (const std::exception& e) {
    return errors::server("cannot listen on " + address + ": " + e.what());
  }
}

}  // namespace ecsd::agent
