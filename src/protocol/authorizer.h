// The authorize stage of a call: may this principal perform this action on
// these resources? identity/policy_authorizer.h answers with IAM policies;
// AllowAll lets everyone do everything (tests, tools).
#pragma once

#include <optional>
#include <string>

#include "ecsd/result.h"
#include "protocol/call_context.h"
#include "protocol/operation_descriptor.h"
#include "security/key_ring.h"

namespace ecsd::protocol {

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // The error that refuses the call (AccessDeniedException, AWS's message),
  // or nullopt to let it run; operation.resources(call) names what it
  // touches, computed only by an authorizer that asks; context.principal is
  // the caller. Called on server threads, concurrently.
  virtual std::optional<Error> refuse(const OperationDescriptor& operation, const Call& call,
                                      const CallContext& context) const = 0;
};

class AllowAll final : public Authorizer {
 public:
  std::optional<Error> refuse(const OperationDescriptor&, const Call&,
                              const CallContext&) const override {
    return std::nullopt;
  }
};

}  // namespace ecsd::protocol
