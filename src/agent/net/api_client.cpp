// The ECS API client: one kept-alive connection (TLS or plain) on a private
// io_context that only the calling thread runs, under a mutex, so every step
// can have a deadline without a thread of its own.
#include "agent/net/api_client.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <optional>
#include <utility>

#include "agent/net/connection.h"
#include "common/logging.h"

namespace ecsd::agent::net {
namespace {

constexpr std::string_view kContentType = "application/x-amz-json-1.1";
constexpr std::string_view kTargetPrefix = "AmazonEC2ContainerServiceV20141113.";
// ECS answers are small; this only stops a runaway answer from eating memory.
constexpr std::uint64_t kMaxAnswerBytes = 64 * 1024 * 1024;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

class ApiClient final : public ApiTransport {
 public:
  ApiClient(Url url, std::shared_ptr<ssl::context> tls, bool verifyHost,
            SigningCredentials credentials, std::chrono::seconds timeout)
      : url_(std::move(url)),
        tlsContext_(std::move(tls)),
        verifyHost_(verifyHost),
        credentials_(std::move(credentials)),
        timeout_(timeout) {}

  Result<nlohmann::json> call(const std::string& operation, const nlohmann::json& input) override {
    std::lock_guard lock(mutex_);
    try {
      return callLocked(operation, input);
    } catch (const std::exception& e) {  // a bug or out of memory: not the caller's to catch
      disconnect();
      return unreachable(url_, operation, e.what());
    }
  }

 private:
  Result<nlohmann::json> callLocked(const std::string& operation, const nlohmann::json& input) {
    const Deadline deadline = std::chrono::steady_clock::now() + timeout_;
    Request request = makeRequest(operation, input);
    for (int attempt = 0;; ++attempt) {
      const bool reused = connected();
      if (!reused) {
        if (auto opened = connect(deadline); !opened) return opened.error();
      }
      bool answered = false;
      Response response;
      const beast::error_code ec = exchange(request, response, answered, deadline);
      if (!ec) {
        if (!response.keep_alive()) disconnect();
        return answerOf(operation, response);
      }
      disconnect();
      // A kept-alive connection the server closed while idle fails like this;
      // ECS writes from the agent are idempotent, so one retry is safe.
      if (reused && attempt == 0 && !answered && ec != beast::error::timeout) {
        spdlog::debug(
            "msg=\"kept-alive connection broken, reconnecting\" module=ApiClient "
            "operation={} error={}",
            operation, logging::quote(ec.message()));
        continue;
      }
      spdlog::debug("msg=\"call failed\" module=ApiClient operation={} error={}", operation,
                    logging::quote(ec.message()));
      return unreachable(url_, operation, ec);
    }
  }

  Request makeRequest(const std::string& operation, const nlohmann::json& input) const {
    const protocol::HttpRequest signedCall = signedRequest(
        "POST", url_, "/",
        {{"Content-Type", std::string(kContentType)},
         {"X-Amz-Target", std::string(kTargetPrefix).append(operation)}},
        input.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), credentials_);
    Request request{http::verb::post, "/", 11};
    copyHeaders(signedCall.headers, request);
    request.keep_alive(true);
    request.body() = signedCall.body;
    request.prepare_payload();
    return request;
  }

  bool connected() const { return plain_.has_value() || tls_.has_value(); }

  beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  Status connect(Deadline deadline) {
    TlsStream* tls = nullptr;
    if (tlsContext_) {
      tls = &tls_.emplace(ioc_, *tlsContext_);
    } else {
      plain_.emplace(ioc_);
    }
    if (auto ec = net::connect(ioc_, lowest(), tls, url_, verifyHost_, deadline); ec) {
      disconnect();
      spdlog::debug("msg=\"cannot connect\" module=ApiClient url={} error={}", url_.base,
                    logging::quote(ec.message()));
      return unreachable(url_, tls != nullptr ? "connect (TLS)" : "connect", ec);
    }
    spdlog::debug("msg=connected module=ApiClient url={}", url_.base);
    return {};
  }

  // Closed without a TLS close_notify: the server tolerates a truncated stream.
  void disconnect() {
    if (connected()) {
      beast::error_code ignored;
      lowest().socket().close(ignored);
    }
    tls_.reset();
    plain_.reset();
    buffer_.clear();
  }

  // Writes the request and reads the answer; `answered` says whether any of
  // the answer arrived.
  beast::error_code exchange(Request& request, Response& response, bool& answered,
                             Deadline deadline) {
    lowest().expires_at(deadline);
    beast::error_code ec = runOperation(ioc_, [&](auto done) {
      withStream([&](auto& stream) { http::async_write(stream, request, std::move(done)); });
    });
    if (ec) return ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxAnswerBytes);
    lowest().expires_at(deadline);
    ec = runOperation(ioc_, [&](auto done) {
      withStream([&](auto& stream) { http::async_read(stream, buffer_, parser, std::move(done)); });
    });
    answered = parser.got_some();
    lowest().expires_never();
    if (!ec) response = parser.release();
    return ec;
  }

  template <class F>
  void withStream(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(*plain_);
    }
  }

  Result<nlohmann::json> answerOf(const std::string& operation, const Response& response) const {
    const unsigned status = response.result_int();
    if (status < 200 || status > 299) {
      Error error = errorFromAnswer(status, response.body(), response["X-Amzn-ErrorType"]);
      spdlog::debug("msg=\"call refused\" module=ApiClient operation={} status={} error={}",
                    operation, status, error.type);
      return error;
    }
    if (response.body().empty()) return nlohmann::json::object();
    auto answer = nlohmann::json::parse(response.body(), nullptr, false);
    if (answer.is_discarded()) {
      return unreachable(url_, operation, "the answer is not JSON");
    }
    return answer;
  }

  std::mutex mutex_;
  const Url url_;
  const std::shared_ptr<ssl::context> tlsContext_;  // null for http://
  const bool verifyHost_;
  const SigningCredentials credentials_;
  const std::chrono::seconds timeout_;
  asio::io_context ioc_;  // before the streams, which use it
  std::optional<beast::tcp_stream> plain_;
  std::optional<TlsStream> tls_;
  beast::flat_buffer buffer_;
};

// A client whose endpoint or TLS settings are unusable answers every call
// with why.
class BrokenClient final : public ApiTransport {
 public:
  explicit BrokenClient(Error error) : error_(std::move(error)) {}
  Result<nlohmann::json> call(const std::string&, const nlohmann::json&) override { return error_; }

 private:
  const Error error_;
};

std::unique_ptr<ApiTransport> makeClient(const std::string& endpoint,
                                         SigningCredentials credentials, const TlsOptions& tls,
                                         std::chrono::seconds timeout) {
  auto url = parseUrl(endpoint, "https", "http");
  if (!url) return std::make_unique<BrokenClient>(url.error());
  if (url->target != "/") {
    return std::make_unique<BrokenClient>(Error{
        "ClientException",
        std::string("invalid endpoint \"").append(endpoint).append("\": it must have no path"),
        400});
  }
  std::shared_ptr<ssl::context> context;
  if (url->tls) {
    auto made = makeTlsContext(tls);
    if (!made) return std::make_unique<BrokenClient>(made.error());
    context = std::move(*made);
  }
  return std::make_unique<ApiClient>(std::move(*url), std::move(context), tls.verify,
                                     std::move(credentials), timeout);
}

}  // namespace
}  // namespace ecsd::agent::net

namespace ecsd::agent {

std::unique_ptr<ApiTransport> makeApiClient(std::string endpoint, SigningCredentials credentials,
                                            TlsOptions tls, std::chrono::seconds timeout) {
  return net::makeClient(endpoint, std::move(credentials), tls, timeout);
}

}  // namespace ecsd::agent
