// IAM and STS as one piece of the server: their endpoints at "/" (told from
// ECS calls by the signing service, or by a form-encoded body), the key
// ring kept in step with IAM's keys, and the policy authorizer every call's
// authorize stage asks. main wires it; it is told of every commit.
#pragma once

#include <memory>
#include <string>

#include "ecsd/domain/arn.h"
#include "identity/compiled_policies.h"
#include "identity/identity_router.h"
#include "identity/key_sync.h"
#include "identity/policy_authorizer.h"
#include "protocol/api_endpoint.h"

namespace ecsd::identity {

class IdentityService {
 public:
  // Loads the stored keys into keys; arns names the region ecsd serves and its account.
  IdentityService(State& state, security::KeyRing& keys, const Clock& clock,
                  const ArnFactory& arns, std::string sealKey, protocol::Throttle& throttle);

  const protocol::Authorizer& authorizer() const { return authorizer_; }
  // A committed change (State::onApplied): quick, reads no state.
  void changed(const ChangeSet& changes);
  // Whether a request to "/" is IAM's or STS's rather than ECS's.
  static bool isQueryCall(const protocol::HttpRequest& request);
  void handle(protocol::HttpRequest request, protocol::ApiEndpoint::Reply reply) const;

 private:
  Identity identity_;
  KeySync keySync_;
  CompiledPolicies policies_;
  PolicyAuthorizer authorizer_;
  IdentityRouter iam_;
  IdentityRouter sts_;
  protocol::ApiEndpoint iamEndpoint_;
  protocol::ApiEndpoint stsEndpoint_;
};

}  // namespace ecsd::identity
