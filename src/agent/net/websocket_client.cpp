// The agent's WebSocket: connected and upgraded on the caller's thread, then
// served by a thread of its own that keeps one read pending (frames queue up
// for read()) and sends the writes other threads post to it, in order.
#include "agent/net/websocket_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>

#include "agent/net/connection.h"
#include "common/logging.h"

namespace ecsd::agent::net {
namespace {

namespace websocket = beast::websocket;

constexpr std::size_t kMaxMessageBytes = 1024 * 1024;
// read() waits at most this long at a time, whatever it is asked; a longer
// wait could overflow the clock arithmetic.
constexpr auto kLongestRead = std::chrono::hours(24);
// The close handshake's bound (as ecsd's): a session is often closed because
// the server went silent, and the agent should not wait long to reconnect.
constexpr auto kCloseTimeout = std::chrono::seconds(5);
// close() waits this much beyond the close handshake's own timeout.
constexpr auto kCloseGrace = std::chrono::seconds(1);

struct PendingWrite {
  explicit PendingWrite(std::string text) : text(std::move(text)) {}
  std::string text;
  std::promise<beast::error_code> done;
};

// Next: beast::tcp_stream (ws://) or TlsStream (wss://).
template <class Next>
class Session final : public WebSocketConnection {
 public:
  static constexpr bool kTls = std::is_same_v<Next, TlsStream>;

  Session(std::shared_ptr<ssl::context> tls, std::chrono::seconds timeout)
      : tlsContext_(std::move(tls)), timeout_(timeout) {
    if constexpr (kTls) {
      ws_.emplace(ioc_, *tlsContext_);
    } else {
      ws_.emplace(ioc_);
    }
  }

  ~Session() override {
    if (!thread_.joinable()) return;  // never opened: nothing is pending
    close();
    // Whatever is still pending (a close the server never answered) ends now.
    asio::post(ioc_, [this] { abort(); });
    work_.reset();
    thread_.join();
  }

  // Connects, upgrades and starts the session's thread. On the caller's thread.
  Status open(const Url& url, const SigningCredentials& credentials, bool verifyHost,
              Deadline deadline) {
    url_ = url;
    TlsStream* tls = nullptr;
    if constexpr (kTls) tls = &ws_->next_layer();
    if (auto ec = net::connect(ioc_, beast::get_lowest_layer(*ws_), tls, url, verifyHost, deadline);
        ec) {
      return unreachable(url, kTls ? "connect (TLS)" : "connect", ec);
    }
    websocket::stream_base::timeout limits{
        std::max<std::chrono::steady_clock::duration>(deadline - std::chrono::steady_clock::now(),
                                                      std::chrono::milliseconds(1)),
        websocket::stream_base::none(), false};
    ws_->set_option(limits);
    ws_->read_message_max(kMaxMessageBytes);
    // Signed as an API call; Beast adds the WebSocket headers before the
    // decorator runs, and they are not signed. Host is the signed one.
    const protocol::HttpRequest upgrade =
        signedRequest("GET", url, url.target, {}, "", credentials);
    ws_->set_option(websocket::stream_base::decorator(
        [headers = upgrade.headers](websocket::request_type& request) {
          copyHeaders(headers, request);
        }));
    websocket::response_type response;
    const beast::error_code ec = runOperation(ioc_, [&](auto done) {
      ws_->async_handshake(response, url.authority, url.target, std::move(done));
    });
    if (ec == websocket::error::upgrade_declined && response.result_int() != 101) {
      Error refused =
          errorFromAnswer(response.result_int(), response.body(), response["X-Amzn-ErrorType"]);
      spdlog::debug("msg=\"websocket upgrade refused\" module=WebSocket url={} status={} error={}",
                    url.base, response.result_int(), refused.type);
      return refused;
    }
    if (ec) return unreachable(url, "websocket upgrade", ec);
    limits.handshake_timeout = closeTimeout();  // from now on it bounds the close
    ws_->set_option(limits);
    ws_->text(true);
    spdlog::debug("msg=\"websocket connected\" module=WebSocket url={}", url.base);
    readNext();
    ioc_.restart();
    work_.emplace(ioc_.get_executor());
    thread_ = std::thread([this] { run(); });
    return {};
  }

  Result<std::optional<std::string>> read(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::min<std::chrono::milliseconds>(timeout, kLongestRead),
                      [&] { return closedLocally_ || closed_ || !received_.empty(); });
    if (closedLocally_ || (closed_ && received_.empty())) return closedError();
    if (received_.empty()) return std::optional<std::string>();
    std::optional<std::string> text(std::move(received_.front()));
    received_.pop_front();
    return text;
  }

  Status write(const std::string& text) override {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return closedError();
    }
    auto pending = std::make_shared<PendingWrite>(text);
    auto done = pending->done.get_future();
    asio::post(ioc_, [this, pending] {
      if (closing_) return pending->done.set_value(websocket::error::closed);
      writes_.push_back(pending);
      writeNext();
    });
    if (done.wait_for(timeout_) != std::future_status::ready) {
      markClosed(std::string("write timed out after ")
                     .append(std::to_string(timeout_.count()))
                     .append(" s"));
      asio::post(ioc_, [this] { abort(); });
      std::lock_guard lock(mutex_);
      return closedError();
    }
    if (const beast::error_code ec = done.get(); ec) {
      markClosed(describe(ec));
      std::lock_guard lock(mutex_);
      return closedError();
    }
    return {};
  }

  void close() override {
    {
      std::lock_guard lock(mutex_);
      if (closedLocally_) return;
      closedLocally_ = true;
      if (!closed_) closed_ = "closed by the agent";
    }
    changed_.notify_all();
    if (!thread_.joinable()) return;
    auto done = std::make_shared<std::promise<void>>();
    auto finished = done->get_future();
    asio::post(ioc_, [this, done] {
      closeDone_ = done;
      closing_ = true;
      writeNext();  // the writes posted before close() go first
    });
    if (finished.wait_for(closeTimeout() + kCloseGrace) != std::future_status::ready) {
      asio::post(ioc_, [this] { abort(); });
    }
  }

 private:
  void run() {
    try {
      ioc_.run();
    } catch (const std::exception& e) {
      spdlog::error("msg=\"websocket thread failed\" module=WebSocket error={}",
                    logging::quote(e.what()));
      markClosed(std::string("internal error: ").append(e.what()));
    }
  }

  std::chrono::seconds closeTimeout() const { return std::min(timeout_, kCloseTimeout); }

  Error closedError() const {  // REQUIRES: mutex_ held, closed_ set
    return Error{transport_errors::kClosed, *closed_, 0};
  }

  // The first reason stays: a later error is a consequence of it.
  void markClosed(std::string why) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
      spdlog::debug("msg=\"websocket closed\" module=WebSocket url={} reason={}", url_.base,
                    logging::quote(why));
      closed_ = std::move(why);
    }
    changed_.notify_all();
  }

  std::string describe(const beast::error_code& ec) const {
    if (ec != websocket::error::closed) {
      return std::string("connection to ")
          .append(url_.base)
          .append(" broken: ")
          .append(ec.message());
    }
    const websocket::close_reason& reason = ws_->reason();
    std::string text = std::string("closed by the server (code ")
                           .append(std::to_string(static_cast<unsigned>(reason.code)))
                           .append(")");
    if (!reason.reason.empty()) text.append(": ").append(reason.reason.c_str());
    return text;
  }

  // Everything below runs on the session's thread.

  void readNext() {
    ws_->async_read(buffer_, [this](beast::error_code ec, std::size_t) { onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (ec) return broken(ec);
    if (ws_->got_text()) {
      {
        std::lock_guard lock(mutex_);
        received_.push_back(beast::buffers_to_string(buffer_.data()));
      }
      changed_.notify_all();
    } else {
      spdlog::debug("msg=\"binary frame ignored\" module=WebSocket bytes={}", buffer_.size());
    }
    buffer_.consume(buffer_.size());
    readNext();
  }

  void broken(const beast::error_code& ec) {
    broken_ = true;
    markClosed(describe(ec));
    writeNext();
  }

  // One write at a time, then the close once no write is left.
  void writeNext() {
    if (writing_) return;
    if (broken_) {
      for (auto& pending : writes_) pending->done.set_value(websocket::error::closed);
      writes_.clear();
    }
    if (writes_.empty()) return closeWhenAsked();
    writing_ = true;
    ws_->async_write(asio::buffer(writes_.front()->text),
                     [this](beast::error_code ec, std::size_t) {
                       writing_ = false;
                       auto pending = std::move(writes_.front());
                       writes_.pop_front();
                       pending->done.set_value(ec);
                       if (ec) return broken(ec);
                       writeNext();
                     });
  }

  void closeWhenAsked() {
    if (!closing_ || closeStarted_) return;
    closeStarted_ = true;
    if (broken_ || !ws_->is_open()) return closeFinished();
    ws_->async_close(websocket::close_code::normal, [this](beast::error_code ec) {
      if (ec) {
        spdlog::debug("msg=\"websocket close handshake failed\" module=WebSocket error={}",
                      logging::quote(ec.message()));
      }
      closeFinished();
    });
  }

  void closeFinished() {
    if (closeDone_) closeDone_->set_value();
    closeDone_.reset();
  }

  void abort() {
    broken_ = true;
    beast::get_lowest_layer(*ws_).close();
  }

  const std::shared_ptr<ssl::context> tlsContext_;  // null for ws://
  const std::chrono::seconds timeout_;
  Url url_;
  asio::io_context ioc_;  // before the stream, which uses it
  std::optional<websocket::stream<Next>> ws_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;

  // The session's thread only.
  beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<PendingWrite>> writes_;
  bool writing_ = false;
  bool broken_ = false;
  bool closing_ = false;
  bool closeStarted_ = false;
  std::shared_ptr<std::promise<void>> closeDone_;

  // Shared with the callers' threads.
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> received_;
  std::optional<std::string> closed_;  // why, once closed or broken
  bool closedLocally_ = false;
};

template <class Next>
Result<std::unique_ptr<WebSocketConnection>> openSession(const Url& url,
                                                         const SigningCredentials& credentials,
                                                         std::shared_ptr<ssl::context> context,
                                                         bool verifyHost,
                                                         std::chrono::seconds timeout) {
  const Deadline deadline = std::chrono::steady_clock::now() + timeout;
  auto session = std::make_unique<Session<Next>>(std::move(context), timeout);
  if (auto opened = session->open(url, credentials, verifyHost, deadline); !opened) {
    return opened.error();
  }
  return std::unique_ptr<WebSocketConnection>(std::move(session));
}

Result<std::unique_ptr<WebSocketConnection>> connectSession(const std::string& url,
                                                            const SigningCredentials& credentials,
                                                            const TlsOptions& tls,
                                                            std::chrono::seconds timeout) {
  auto parsed = parseUrl(url, "wss", "ws");
  if (!parsed) return parsed.error();
  try {
    if (!parsed->tls) {
      return openSession<beast::tcp_stream>(*parsed, credentials, nullptr, false, timeout);
    }
    auto context = makeTlsContext(tls);
    if (!context) return context.error();
    return openSession<TlsStream>(*parsed, credentials, std::move(*context), tls.verify, timeout);
  } catch (const std::exception& e) {
    return unreachable(*parsed, "websocket", e.what());
  }
}

}  // namespace
}  // namespace ecsd::agent::net

namespace ecsd::agent {

Result<std::unique_ptr<WebSocketConnection>> connectWebSocket(const std::string& url,
                                                              const SigningCredentials& credentials,
                                                              const TlsOptions& tls,
                                                              std::chrono::seconds timeout) {
  return net::connectSession(url, credentials, tls, timeout);
}

}  // namespace ecsd::agent
