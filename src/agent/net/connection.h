// Internal to src/agent/net: what the ecsd API client and the WebSocket client
// share: URLs, the client TLS context, connecting with a deadline, signing, and
// reading an AWS error answer. With the net .cpp files, the only agent code
// that includes Beast and Asio; nothing outside src/agent/net includes it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "agent/net/backend.h"
#include "ecsd/result.h"
#include "protocol/http_message.h"

namespace ecsd::agent::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

using Deadline = std::chrono::steady_clock::time_point;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

struct Url {
  bool tls = false;
  std::string host;  // to resolve and to check the certificate for: "127.0.0.1", "::1"
  std::uint16_t port = 0;
  std::string authority;  // as the Host header carries it: "127.0.0.1:8443", "[::1]:8443"
  std::string target;     // path and query as given; "/" when there is none
  std::string base;       // "https://127.0.0.1:8443", for messages
};

// "<scheme>://host[:port][/path[?query]]", the scheme tlsScheme or plainScheme
// (the default port is 443 or 80). Errors: ClientException.
Result<Url> parseUrl(std::string_view text, std::string_view tlsScheme,
                     std::string_view plainScheme);

// TLS 1.2 or later; the peer's chain checked against options.caFile (or the
// system's store when empty) unless options.verify is false. Errors: the CA
// file cannot be loaded (kUnreachable, as nothing can be reached with it).
Result<std::shared_ptr<ssl::context>> makeTlsContext(const TlsOptions& options);

// Starts an operation with `start(handler)` and runs ioc until it completes;
// returns its error. Handlers left over (cancelled timers) run on a later
// call. Only while no other thread runs ioc.
template <class Start>
beast::error_code runOperation(asio::io_context& ioc, Start&& start) {
  std::optional<beast::error_code> result;
  std::forward<Start>(start)([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  while (!result && ioc.run_one() > 0) {
  }
  return result.value_or(asio::error::operation_aborted);
}

// Connects tcp to the URL's host (resolving a name with the system resolver,
// whose own timeouts bound that step) and, when tls is given, does the TLS
// handshake with SNI, checking the certificate's names against the host when
// verifyHost. Ends by the deadline. Runs ioc (see runOperation).
beast::error_code connect(asio::io_context& ioc, beast::tcp_stream& tcp, TlsStream* tls,
                          const Url& url, bool verifyHost, Deadline deadline);

// A request for the URL's authority signed with the credentials, now.
protocol::HttpRequest signedRequest(std::string method, const Url& url, std::string target,
                                    protocol::HeaderList headers, std::string body,
                                    const SigningCredentials& credentials);

void copyHeaders(const protocol::HeaderList& headers, http::fields& fields);

// An HTTP error answer as the Error it carries: __type (without any
// "prefix#") or else the X-Amzn-ErrorType header, "message" or "Message",
// and the HTTP status; a refused session's {"type", "message": {"message"}}
// (api/agent-protocol.md, "Refusals") likewise. An answer that is not an AWS error keeps its status,
// typed ServerException (5xx) or ClientException.
Error errorFromAnswer(unsigned status, std::string_view body, std::string_view errorTypeHeader);

// kUnreachable, httpStatus 0: "cannot reach <base>: <what>: <reason>".
Error unreachable(const Url& url, std::string_view what, std::string_view reason);
// The same for ec, but kCertificateRejected when ec is the TLS handshake
// refusing the peer's certificate.
Error unreachable(const Url& url, std::string_view what, const beast::error_code& ec);

}  // namespace ecsd::agent::net
