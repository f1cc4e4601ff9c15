// A server-side TLS stream over beast::tcp_stream that holds no buffer while
// idle. Used only by http_server.cpp.
//
// Why not asio::ssl::stream: it keeps four 17 KiB buffers per connection for
// the connection's whole life (two in its stream_core, two in its BIO pair),
// about 70 KiB for every agent's idle WebSocket. Here OpenSSL reads the
// socket itself through a BIO over the descriptor (non-blocking), and what it
// writes is collected in a string that is sent and freed at once; with
// SSL_MODE_RELEASE_BUFFERS an idle connection keeps only its SSL object.
// The SSL object itself (with its handshake and record buffers, 40 KiB) is
// made once the client's first bytes arrive: a connection that never sends
// any costs no TLS state.
//
// Waiting for input is a one-byte read through the tcp_stream, so the
// tcp_stream's timeouts and cancel() apply as they do to a plain stream.
// Errors are asio::ssl::stream's: eof after the peer's close_notify,
// ssl::error::stream_truncated when TCP ends without it, OpenSSL's errors in
// asio's SSL category.
//
// Concurrency, as with asio::ssl::stream: at most one read and one write
// outstanding; a handshake or shutdown runs with no other operation. Output
// that a read produces (an alert, a TLS 1.3 KeyUpdate answer) goes out with
// the next write or shutdown.
#pragma once

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace ecsd::server {

class TlsStream {
 public:
  using next_layer_type = boost::beast::tcp_stream;
  using executor_type = next_layer_type::executor_type;

  // Takes a reference on context; the stream accepts (server side).
  TlsStream(next_layer_type&& next, SSL_CTX* context);
  // A moved-from stream may only be destroyed.
  TlsStream(TlsStream&&) noexcept;
  TlsStream& operator=(TlsStream&&) = delete;
  ~TlsStream();

  executor_type get_executor() { return core_->next.get_executor(); }
  next_layer_type& next_layer() { return core_->next; }

  // Waits for the client's first bytes, then handshakes. Handler:
  // void(error_code).
  template <class Handler>
  auto async_handshake(Handler&& handler) {
    return start<void(boost::beast::error_code)>(
        Kind::kHandshake, [](SSL* ssl, std::size_t&) { return SSL_do_handshake(ssl); },
        std::forward<Handler>(handler));
  }

  // Sends close_notify and waits for the peer's. Handler: void(error_code).
  template <class Handler>
  auto async_shutdown(Handler&& handler) {
    return start<void(boost::beast::error_code)>(
        Kind::kShutdown,
        [](SSL* ssl, std::size_t&) {
          // 0: ours is sent; the second call waits for the peer's.
          const int result = SSL_shutdown(ssl);
          return result == 0 ? SSL_shutdown(ssl) : result;
        },
        std::forward<Handler>(handler));
  }

  // Sends close_notify and does not wait for the peer's: the peer reads the
  // end of the stream, and its own close_notify ends it both ways. Nothing
  // to send before a handshake. Handler: void(error_code).
  template <class Handler>
  auto async_close_notify(Handler&& handler) {
    return start<void(boost::beast::error_code)>(
        Kind::kShutdown,
        [](SSL* ssl, std::size_t&) {
          if (ssl == nullptr) return 1;
          const int result = SSL_shutdown(ssl);
          return result == 0 ? 1 : result;  // 0: sent, the peer's not yet read
        },
        std::forward<Handler>(handler));
  }

  // Completes once there is input to read (or the stream has failed), with
  // no buffer held meanwhile: what it reads is the next read's first byte.
  // Handler: void(error_code).
  template <class Handler>
  auto async_wait_input(Handler&& handler) {
    enum class Step { kStart, kWaited, kReady };
    return boost::asio::async_compose<Handler, void(boost::beast::error_code)>(
        [this, step = Step::kStart](auto& self, boost::beast::error_code ec = {},
                                    std::size_t = 0) mutable {
          Core& core = *core_;
          switch (step) {
            case Step::kStart:
              if (core.hasWaitByte || (core.ssl != nullptr && SSL_has_pending(core.ssl) == 1)) {
                step = Step::kReady;  // a handler never runs inside the call that started it
                return boost::asio::post(get_executor(), std::move(self));
              }
              step = Step::kWaited;
              return core.next.async_read_some(boost::asio::buffer(&core.waitByte, 1),
                                               std::move(self));
            case Step::kWaited:
              if (ec) return self.complete(waitFailure(ec));
              core.hasWaitByte = true;
              return self.complete({});
            case Step::kReady:
              return self.complete({});
          }
        },
        handler, core_->next);
  }

  // Handler: void(error_code, std::size_t).
  template <class MutableBuffers, class Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return start<void(boost::beast::error_code, std::size_t)>(
        Kind::kRead,
        [buffer = boost::beast::buffers_front(buffers)](SSL* ssl, std::size_t& done) {
          return buffer.size() == 0 ? 1 : SSL_read_ex(ssl, buffer.data(), buffer.size(), &done);
        },
        std::forward<Handler>(handler));
  }

  // Encrypts up to kMaxWrite (TLS records of 16 KiB) and sends it. Handler:
  // void(error_code, std::size_t).
  template <class ConstBuffers, class Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return start<void(boost::beast::error_code, std::size_t)>(
        Kind::kWrite,
        [prefix = boost::beast::buffers_prefix(kMaxWrite, buffers), &out = core_->out](
            SSL* ssl, std::size_t& done) {
          // The ciphertext, about as long, is collected in one allocation.
          const std::size_t bytes = boost::asio::buffer_size(prefix);
          out.reserve(out.size() + bytes + bytes / 256 + 256);
          for (const auto buffer : boost::beast::buffers_range_ref(prefix)) {
            std::size_t written = 0;
            if (buffer.size() > 0 && !SSL_write_ex(ssl, buffer.data(), buffer.size(), &written)) {
              return 0;
            }
            done += written;
          }
          return 1;
        },
        std::forward<Handler>(handler));
  }

 private:
  // A large answer (DescribeContainerInstances of 100 is 178 KB) goes out in
  // one or two sends, not in a send and a trip through the executor per
  // record; the ciphertext is held only while it is sent.
  static constexpr std::size_t kMaxWrite = 256 * 1024;

  enum class Kind { kHandshake, kRead, kWrite, kShutdown };

  struct Core {
    Core(next_layer_type&& next, SSL_CTX* context);
    ~Core();
    // Makes ssl; false when out of memory.
    bool makeSsl();
    next_layer_type next;
    SSL_CTX* context;    // a reference of our own
    SSL* ssl = nullptr;  // once the handshake has bytes to read
    std::string out;     // ciphertext OpenSSL wrote, not sent yet
    char waitByte = 0;   // the byte a wait for input read, for OpenSSL's next read
    bool hasWaitByte = false;
    bool peerClosed = false;  // TCP ended (recv returned 0)
    int socketError = 0;      // errno of a failed recv
  };

  // The error of a call that failed with SSL_get_error() == sslError.
  boost::beast::error_code failure(int sslError) const;
  // The error of a wait for input that failed with ec.
  static boost::beast::error_code waitFailure(const boost::beast::error_code& ec);

  // Runs call (an SSL function: > 0 done) until it is done or fails: sends
  // what it wrote (not for reads), waits for input when it wants to read
  // (not for writes), and calls again.
  template <class Call>
  class Op {
   public:
    Op(TlsStream& stream, Kind kind, Call call)
        : stream_(stream), kind_(kind), call_(std::move(call)) {}

    template <class Self>
    void operator()(Self& self, boost::beast::error_code ec = {}, std::size_t = 0) {
      Core& core = *stream_.core_;
      switch (step_) {
        case Step::kStart:
          if (core.ssl == nullptr && kind_ == Kind::kHandshake) return waitForInput(self);
          break;
        case Step::kWaited:
          if (ec) return finish(self, waitFailure(ec));
          core.hasWaitByte = true;
          if (core.ssl == nullptr && !core.makeSsl()) {
            return finish(self, make_error_code(boost::system::errc::not_enough_memory));
          }
          break;
        case Step::kSent:
          sending_ = {};
          if (ec) return finish(self, ec);
          if (outcome_) return complete(self);
          break;
        case Step::kPosted:
          return complete(self);
      }
      ERR_clear_error();
      const int result = call_(core.ssl, done_);
      bool wantsInput = false;
      if (result > 0) {
        outcome_.emplace();
      } else if (const int error = SSL_get_error(core.ssl, result);
                 error == SSL_ERROR_WANT_READ && kind_ != Kind::kWrite) {
        wantsInput = true;
      } else {
        outcome_ = stream_.failure(error);
      }
      if (kind_ != Kind::kRead && !core.out.empty()) {
        step_ = Step::kSent;
        sending_ = std::exchange(core.out, {});
        return boost::asio::async_write(core.next, boost::asio::buffer(sending_), std::move(self));
      }
      if (!wantsInput) return finish(self, *outcome_);
      waitForInput(self);
    }

   private:
    template <class Self>
    void waitForInput(Self& self) {
      step_ = Step::kWaited;
      Core& core = *stream_.core_;
      core.next.async_read_some(boost::asio::buffer(&core.waitByte, 1), std::move(self));
    }

    enum class Step { kStart, kWaited, kSent, kPosted };

    // A handler never runs inside the call that started the operation.
    template <class Self>
    void finish(Self& self, const boost::beast::error_code& ec) {
      outcome_ = ec;
      if (step_ != Step::kStart) return complete(self);
      step_ = Step::kPosted;
      boost::asio::post(stream_.get_executor(), std::move(self));
    }

    template <class Self>
    void complete(Self& self) {
      if constexpr (requires { self.complete(*outcome_, std::size_t{}); }) {
        self.complete(*outcome_, outcome_->failed() ? 0 : done_);
      } else {
        self.complete(*outcome_);
      }
    }

    TlsStream& stream_;
    Kind kind_;
    Call call_;
    Step step_ = Step::kStart;
    std::size_t done_ = 0;  // plaintext bytes read or written
    std::optional<boost::beast::error_code> outcome_;
    std::string sending_;
  };

  template <class Signature, class Call, class Handler>
  auto start(Kind kind, Call call, Handler&& handler) {
    return boost::asio::async_compose<Handler, Signature>(Op<Call>(*this, kind, std::move(call)),
                                                          handler, core_->next);
  }

  static int bioRead(BIO* bio, char* data, int size);
  static int bioWrite(BIO* bio, const char* data, int size);
  static long bioControl(BIO* bio, int command, long number, void* pointer);
  static const BIO_METHOD* bioMethod();

  std::unique_ptr<Core> core_;
};

// For websocket::stream<TlsStream>: close_notify both ways, then TCP's own
// teardown, as Beast does for asio::ssl::stream.
template <class Handler>
void async_teardown(boost::beast::role_type role, TlsStream& stream, Handler&& handler) {
  enum class Step { kStart, kShutDown, kTornDown };
  boost::asio::async_compose<Handler, void(boost::beast::error_code)>(
      [&stream, role, step = Step::kStart, first = boost::beast::error_code()](
          auto& self, boost::beast::error_code ec = {}) mutable {
        switch (step) {
          case Step::kStart:
            step = Step::kShutDown;
            return stream.async_shutdown(std::move(self));
          case Step::kShutDown: {
            first = ec;
            step = Step::kTornDown;
            using boost::beast::websocket::async_teardown;
            return async_teardown(role, stream.next_layer(), std::move(self));
          }
          case Step::kTornDown:
            return self.complete(first ? first : ec);
        }
      },
      handler, stream.next_layer());
}

}  // namespace ecsd::server
