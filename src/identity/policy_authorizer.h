// The authorize stage with IAM policies (protocol/authorizer.h): the root
// (the admin and operator keys) may do everything; an IAM user what its
// policies allow, evaluated by AWS's logic (ecsd/iam/evaluation.h) for each
// resource the call acts on (ecs_requests.h for ECS calls; IAM's and STS's
// name their own). Refusals are AWS's AccessDeniedException (HTTP 400 for
// ECS, AccessDenied 403 for IAM) with AWS's message; every decision on a
// user's call is logged (principal, action, resource, decision, statement).
#pragma once

#include <string>

#include "ecsd/domain/arn.h"
#include "ecsd/clock.h"
#include "identity/compiled_policies.h"
#include "protocol/authorizer.h"

namespace ecsd::identity {

class PolicyAuthorizer final : public protocol::Authorizer {
 public:
  PolicyAuthorizer(const State& state, const ArnFactory& arns, const Clock& clock,
                   const CompiledPolicies& policies);

  std::optional<Error> refuse(const protocol::OperationDescriptor& operation,
                              const protocol::Call& call,
                              const protocol::CallContext& context) const override;

 private:
  const State& state_;
  const ArnFactory& arns_;
  const Clock& clock_;
  const CompiledPolicies& policies_;
};

}  // namespace ecsd::identity
