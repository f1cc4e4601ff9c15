// The request pipeline of a call (ECS's, or IAM's and STS's at the same
// "/"), one stage after the other:
//
//   authenticate (SigV4) -> parse (JSON 1.1) -> throttle -> conform (input
//   types) -> authorize -> run -> encode -> log
//
// Each stage can end the call with an AWS error; run may finish later (a
// write answers once it has committed), and encode and log follow then.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ecsd/clock.h"
#include "ecsd/result.h"
#include "protocol/authorizer.h"
#include "protocol/call_context.h"
#include "protocol/http_message.h"
#include "protocol/json_protocol.h"
#include "protocol/operation_descriptor.h"
#include "protocol/sigv4.h"
#include "protocol/throttle.h"
#include "security/key_ring.h"

namespace ecsd::protocol {

// How calls and answers are written: AWS JSON 1.1 (ECS) or the Query
// protocol (IAM, STS).
struct Wire {
  std::function<Result<Call>(const HttpRequest&)> parse;
  std::function<HttpResponse(const std::string& operation, Answer, std::string_view requestId)>
      success;
  std::function<HttpResponse(const Error&, std::string_view requestId)> failure;
};
Wire jsonWire();

// What the run stage runs: the operations.
class Operations {
 public:
  using Done = std::function<void(Result<Answer>)>;
  virtual ~Operations() = default;
  // The operation's descriptor, or the error for a name ECS does not have or
  // an operation ecsd does not implement.
  virtual Result<const OperationDescriptor*> describe(std::string_view operation) const = 0;
  // Runs the call and calls done with its answer, before returning or later
  // from another thread. The call and context outlive done.
  virtual void run(const Call& call, const CallContext& context, Done done) const = 0;
};

class ApiEndpoint {
 public:
  using Reply = std::function<void(HttpResponse)>;

  ApiEndpoint(const security::KeyRing& keys, sigv4::Policy policy, const Clock& clock,
              const Operations& operations, const Authorizer& authorizer, Throttle& throttle,
              Wire wire = jsonWire());

  // Never throws: every failure becomes an AWS error response. reply is
  // called once, maybe from another thread after handle has returned.
  void handle(HttpRequest request, Reply reply) const;

 private:
  struct Exchange;
  // The stages up to run; done hears an error at once if one refuses.
  void runStages(Exchange& exchange, Operations::Done done) const;
  // Encode and log.
  void finish(Exchange& exchange, Result<Answer> output) const;

  const security::KeyRing& keys_;
  sigv4::Policy policy_;
  const Clock& clock_;
  const Operations& operations_;
  const Authorizer& authorizer_;
  Throttle& throttle_;
  Wire wire_;
};

}  // namespace ecsd::protocol
