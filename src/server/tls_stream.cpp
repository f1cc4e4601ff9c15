#include "server/tls_stream.h"

#include <openssl/err.h>
#include <sys/socket.h>

#include <boost/asio/error.hpp>
#include <cerrno>

namespace ecsd::server {

TlsStream::Core::Core(next_layer_type&& next, SSL_CTX* context)
    : next(std::move(next)), context(context) {
  SSL_CTX_up_ref(context);
}

bool TlsStream::Core::makeSsl() {
  ssl = SSL_new(context);
  BIO* bio = ssl ? BIO_new(bioMethod()) : nullptr;
  if (bio == nullptr) {
    SSL_free(ssl);
    ssl = nullptr;
    return false;
  }
  BIO_set_data(bio, this);
  SSL_set_bio(ssl, bio, bio);
  // Frees OpenSSL's record buffers whenever they are empty: an idle
  // connection keeps none.
  SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
  SSL_set_accept_state(ssl);
  return true;
}

TlsStream::Core::~Core() {
  SSL_free(ssl);
  SSL_CTX_free(context);
}

TlsStream::TlsStream(next_layer_type&& next, SSL_CTX* context)
    : core_(std::make_unique<Core>(std::move(next), context)) {}

TlsStream::TlsStream(TlsStream&&) noexcept = default;
TlsStream::~TlsStream() = default;

// Serves the byte a wait read first, then reads the socket without blocking;
// "retry" when nothing is there yet.
int TlsStream::bioRead(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  auto& core = *static_cast<Core*>(BIO_get_data(bio));
  if (size <= 0) return 0;
  int got = 0;
  if (core.hasWaitByte) {
    core.hasWaitByte = false;
    data[got++] = core.waitByte;
  }
  const ssize_t n = ::recv(core.next.socket().native_handle(), data + got,
                           static_cast<std::size_t>(size - got), MSG_DONTWAIT);
  if (n > 0) return got + static_cast<int>(n);
  if (got > 0) return got;
  if (n == 0) {
    core.peerClosed = true;
    return 0;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    BIO_set_retry_read(bio);
  } else {
    core.socketError = errno;
  }
  return -1;
}

int TlsStream::bioWrite(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  static_cast<Core*>(BIO_get_data(bio))->out.append(data, static_cast<std::size_t>(size));
  return size;
}

long TlsStream::bioControl(BIO*, int command, long, void*) {
  return command == BIO_CTRL_FLUSH ? 1 : 0;  // writes are collected, never pending
}

const BIO_METHOD* TlsStream::bioMethod() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ecsd socket");
    BIO_meth_set_read(made, bioRead);
    BIO_meth_set_write(made, bioWrite);
    BIO_meth_set_ctrl(made, bioControl);
    BIO_meth_set_create(made, [](BIO* bio) {
      BIO_set_init(bio, 1);
      return 1;
    });
    return made;
  }();
  return method;
}

boost::beast::error_code TlsStream::failure(int sslError) const {
  namespace asio = boost::asio;
  if (sslError == SSL_ERROR_ZERO_RETURN) return asio::error::eof;  // close_notify
  if (core_->socketError != 0) {
    return {core_->socketError, boost::system::system_category()};
  }
  if (core_->peerClosed) return asio::ssl::error::stream_truncated;
  if (sslError == SSL_ERROR_SSL) {
    return {static_cast<int>(ERR_get_error()), asio::error::get_ssl_category()};
  }
  return asio::error::operation_not_supported;  // e.g. a write that wants to read
}

boost::beast::error_code TlsStream::waitFailure(const boost::beast::error_code& ec) {
  // TCP ended without close_notify (which a read would have returned as eof).
  if (ec == boost::asio::error::eof) return boost::asio::ssl::error::stream_truncated;
  return ec;
}

}  // namespace ecsd::server
