#include "agent/net/connection.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/json_member.h"
#include "ecsd/errors.h"
#include "protocol/sigv4.h"

namespace ecsd::agent::net {
namespace {

using tcp = asio::ip::tcp;

// An answer body quoted in a message: enough to recognize, never a whole page.
constexpr std::size_t kMaxQuotedBody = 200;

bool isIpAddress(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string_view afterLast(std::string_view text, char separator) {
  const auto at = text.rfind(separator);
  return at == std::string_view::npos ? text : text.substr(at + 1);
}

}  // namespace

Result<Url> parseUrl(std::string_view text, std::string_view tlsScheme,
                     std::string_view plainScheme) {
  const auto invalid = [&](std::string_view why) {
    return errors::client(std::string("invalid URL \"").append(text).append("\": ").append(why));
  };
  Url url;
  const auto schemeEnd = text.find("://");
  if (schemeEnd == std::string_view::npos) return invalid("no scheme");
  const std::string_view scheme = text.substr(0, schemeEnd);
  if (scheme != tlsScheme && scheme != plainScheme) {
    return invalid(std::string("want ").append(tlsScheme).append(" or ").append(plainScheme));
  }
  url.tls = scheme == tlsScheme;
  std::string_view rest = text.substr(schemeEnd + 3);
  const auto pathStart = rest.find_first_of("/?");
  url.authority = std::string(rest.substr(0, pathStart));
  url.target = pathStart == std::string_view::npos ? "/" : std::string(rest.substr(pathStart));
  if (url.target.starts_with('?')) url.target.insert(0, "/");
  url.base = std::string(scheme).append("://").append(url.authority);

  std::string_view authority = url.authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return invalid("unterminated [IPv6 address]");
    url.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return invalid("junk after ]");
    if (!after.empty()) port = after.substr(1);
  } else {
    const auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return invalid("no host");
  if (url.authority.find('@') != std::string::npos) return invalid("user info is not supported");
  if (port.empty()) {
    url.port = url.tls ? 443 : 80;
    return url;
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
    return invalid("bad port");
  }
  url.port = static_cast<std::uint16_t>(value);
  return url;
}

Result<std::shared_ptr<ssl::context>> makeTlsContext(const TlsOptions& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  if (!options.verify) {
    context->set_verify_mode(ssl::verify_none);
    return context;
  }
  beast::error_code ec;
  if (options.caFile.empty()) {
    context->set_default_verify_paths(ec);
  } else {
    context->load_verify_file(options.caFile, ec);
  }
  if (ec) {
    return Error{transport_errors::kUnreachable,
                 std::string("cannot load the CA bundle \"")
                     .append(options.caFile.empty() ? "(system default)" : options.caFile)
                     .append("\": ")
                     .append(ec.message()),
                 0};
  }
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

beast::error_code connect(asio::io_context& ioc, beast::tcp_stream& stream, TlsStream* tls,
                          const Url& url, bool verifyHost, Deadline deadline) {
  beast::error_code ec;
  std::vector<tcp::endpoint> endpoints;
  const auto address = asio::ip::make_address(url.host, ec);
  if (!ec) {
    endpoints.emplace_back(address, url.port);
  } else {
    tcp::resolver resolver(ioc);
    const auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
    if (ec) return ec;
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }
  stream.expires_at(deadline);
  ec = runOperation(ioc, [&](auto done) { stream.async_connect(endpoints, std::move(done)); });
  if (ec) return ec;
  beast::error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);
  if (tls == nullptr) {
    stream.expires_never();
    return {};
  }
  // SNI carries host names only (RFC 6066).
  if (!isIpAddress(url.host) && !SSL_set_tlsext_host_name(tls->native_handle(), url.host.c_str())) {
    return beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
  }
  if (verifyHost) tls->set_verify_callback(ssl::host_name_verification(url.host));
  stream.expires_at(deadline);
  ec = runOperation(
      ioc, [&](auto done) { tls->async_handshake(ssl::stream_base::client, std::move(done)); });
  stream.expires_never();
  return ec;
}

protocol::HttpRequest signedRequest(std::string method, const Url& url, std::string target,
                                    protocol::HeaderList headers, std::string body,
                                    const SigningCredentials& credentials) {
  protocol::HttpRequest request{std::move(method), std::move(target), std::move(headers),
                                std::move(body), ""};
  request.headers.insert(request.headers.begin(), {"Host", url.authority});
  protocol::sigv4::sign(request, credentials.accessKeyId, credentials.secretAccessKey,
                        credentials.sessionToken, credentials.region, credentials.service,
                        std::chrono::system_clock::now());
  return request;
}

void copyHeaders(const protocol::HeaderList& headers, http::fields& fields) {
  for (const auto& [name, value] : headers) fields.set(name, value);
}

Error errorFromAnswer(unsigned status, std::string_view body, std::string_view errorTypeHeader) {
  const int httpStatus = static_cast<int>(status);
  const auto json = nlohmann::json::parse(body, nullptr, false);
  std::string type;
  std::string message;
  if (const auto* framed = json.is_object() ? member(json, "message") : nullptr;
      framed != nullptr && framed->is_object()) {
    // A refused session: {"type": X, "message": {"message": ...}}, as ACS words it.
    type = stringMember(json, "type");
    message = stringMember(*framed, "message");
  } else if (json.is_object()) {
    type = std::string(afterLast(stringMember(json, "__type"), '#'));
    message = stringMember(json, "message");
    if (message.empty()) message = stringMember(json, "Message");
  }
  if (type.empty() && !errorTypeHeader.empty()) {
    // "ThrottlingException:http://internal.amazon.com/coral/..." in some services.
    type = std::string(afterLast(errorTypeHeader.substr(0, errorTypeHeader.find(':')), '#'));
  }
  if (type.empty()) type = status >= 500 ? "ServerException" : "ClientException";
  if (message.empty() && !json.is_object()) {
    message = std::string("HTTP ").append(std::to_string(status));
    if (!body.empty()) message.append(": ").append(body.substr(0, kMaxQuotedBody));
  }
  return Error{std::move(type), std::move(message), httpStatus};
}

Error unreachable(const Url& url, std::string_view what, std::string_view reason) {
  return Error{transport_errors::kUnreachable,
               std::string("cannot reach ")
                   .append(url.base)
                   .append(": ")
                   .append(what)
                   .append(": ")
                   .append(reason),
               0};
}

Error unreachable(const Url& url, std::string_view what, const beast::error_code& ec) {
  Error error = unreachable(url, what, ec.message());
  if (ec.category() == asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    error.type = transport_errors::kCertificateRejected;
  }
  return error;
}

}  // namespace ecsd::agent::net
