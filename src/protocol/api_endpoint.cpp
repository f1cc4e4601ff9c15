#include "protocol/api_endpoint.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/logging.h"
#include "crypto/crypto.h"
#include "ecsd/errors.h"

namespace ecsd::protocol {

ApiEndpoint::ApiEndpoint(const security::KeyRing& keys, sigv4::Policy policy, const Clock& clock,
                         Dispatch dispatch)
    : keys_(keys), policy_(std::move(policy)), clock_(clock), dispatch_(std::move(dispatch)) {}

Result<Answer> ApiEndpoint::process(const HttpRequest& request, const std::string& requestId,
                                    std::string& operation, std::string& principal) const {
  // Authentication comes first: an unsigned request learns nothing else.
  auto key = sigv4::verify(request, keys_, policy_, clock_.now());
  if (!key) return key.error();
  principal = (*key)->principal;
  auto call = parseCall(request);
  if (!call) return call.error();
  operation = call->operation;
  return dispatch_(*call, CallContext{requestId, **key, request.header("Host")});
}

HttpResponse ApiEndpoint::handle(const HttpRequest& request) const {
  const auto started = std::chrono::steady_clock::now();
  const std::string requestId = crypto::uuid4();
  std::string operation = "-";
  std::string principal = "-";
  Result<Answer> output = errors::server("Internal error");
  try {
    output = process(request, requestId, operation, principal);
  } catch (const std::exception& e) {
    // A bug, not the client's fault: answer 500 and keep serving.
    spdlog::error("msg=\"operation threw\" request_id={} op={} error={}", requestId, operation,
                  logging::quote(e.what()));
  }
  HttpResponse response = output.ok() ? successResponse(std::move(*output), requestId)
                                      : errorResponse(output.error(), requestId);
  const double latencyMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  spdlog::log(response.status >= 500 ? spdlog::level::err : spdlog::level::info,
              "msg=request request_id={} op={} principal={} status={} error={} {}latency_ms={:.3f} "
              "remote={}",
              requestId, logging::quote(operation), principal, response.status,
              output.ok() ? "-" : output.error().type, logging::detail(output), latencyMs,
              request.remote);
  return response;
}

}  // namespace ecsd::protocol
