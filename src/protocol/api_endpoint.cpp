#include "protocol/api_endpoint.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <optional>

#include "common/logging.h"
#include "crypto/crypto.h"
#include "ecsd/errors.h"

namespace ecsd::protocol {

namespace {

const security::AccessKey kNobody{"-", "", "-"};

}  // namespace

Wire jsonWire() {
  return {parseCall,
          [](const std::string&, Answer output, std::string_view requestId) {
            return successResponse(std::move(output), requestId);
          },
          errorResponse};
}

// One call from its request to its response, alive until the response is sent.
struct ApiEndpoint::Exchange {
  HttpRequest request;
  Reply reply;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::string requestId = crypto::uuid4();
  const security::AccessKey* principal = &kNobody;
  std::optional<Call> call;
  std::optional<CallContext> context;
};

ApiEndpoint::ApiEndpoint(const security::KeyRing& keys, sigv4::Policy policy, const Clock& clock,
                         const Operations& operations, const Authorizer& authorizer,
                         Throttle& throttle, Wire wire)
    : keys_(keys),
      policy_(std::move(policy)),
      clock_(clock),
      operations_(operations),
      authorizer_(authorizer),
      throttle_(throttle),
      wire_(std::move(wire)) {
  // The operation is named by a header: signed, it cannot be swapped.
  policy_.mustSign.emplace_back("x-amz-target");
}

void ApiEndpoint::runStages(Exchange& exchange, Operations::Done done) const {
  // Authentication comes first: an unsigned request learns nothing else.
  auto key = sigv4::verify(exchange.request, keys_, policy_, clock_.now());
  if (!key) return done(key.error());
  exchange.principal = *key;
  keys_.noteUse((*key)->accessKeyId,
                {std::chrono::duration<double>(clock_.now().time_since_epoch()).count(),
                 policy_.service, policy_.region});
  auto call = wire_.parse(exchange.request);
  if (!call) return done(call.error());
  exchange.call.emplace(std::move(*call));
  auto operation = operations_.describe(exchange.call->operation);
  if (!operation) return done(operation.error());
  const OperationDescriptor& descriptor = **operation;
  // Throttled before anything costly: a flood is refused for the price of
  // its signature.
  if (auto why = throttle_.refuse(*exchange.principal, descriptor)) {
    return done(errors::make("ThrottlingException", std::move(*why)));
  }
  if (descriptor.input != nullptr) {
    if (auto typed = conformInput(*descriptor.input, exchange.call->input); !typed.ok()) {
      return done(typed.error());
    }
  }
  exchange.context.emplace(CallContext{exchange.requestId, *exchange.principal,
                                       exchange.request.header("Host"), exchange.request.remote,
                                       exchange.request.secure});
  if (auto refusal = authorizer_.refuse(descriptor, *exchange.call, *exchange.context)) {
    return done(std::move(*refusal));
  }
  operations_.run(*exchange.call, *exchange.context, std::move(done));
}

void ApiEndpoint::finish(Exchange& exchange, Result<Answer> output) const {
  HttpResponse response =
      output.ok() ? wire_.success(exchange.call->operation, std::move(*output), exchange.requestId)
                  : wire_.failure(output.error(), exchange.requestId);
  const double latencyMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - exchange.started)
          .count();
  spdlog::log(response.status >= 500 ? spdlog::level::err : spdlog::level::info,
              "msg=request request_id={} op={} principal={} status={} error={} {}latency_ms={:.3f} "
              "remote={}",
              exchange.requestId, logging::quote(exchange.call ? exchange.call->operation : "-"),
              exchange.principal->principal, response.status,
              output.ok() ? "-" : output.error().type, logging::detail(output), latencyMs,
              exchange.request.remote);
  exchange.reply(std::move(response));
}

void ApiEndpoint::handle(HttpRequest request, Reply reply) const {
  auto exchange = std::make_shared<Exchange>();
  exchange->request = std::move(request);
  exchange->reply = std::move(reply);
  const auto done = [this, exchange](Result<Answer> output) {
    finish(*exchange, std::move(output));
  };
  try {
    runStages(*exchange, done);
  } catch (const std::exception& e) {
    // A bug, not the client's fault: answer 500 and keep serving.
    spdlog::error("msg=\"operation threw\" request_id={} op={} error={}", exchange->requestId,
                  exchange->call ? exchange->call->operation : "-", logging::quote(e.what()));
    done(errors::server("Internal error"));
  }
}

}  // namespace ecsd::protocol
