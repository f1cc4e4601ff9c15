#include "identity/identity_service.h"

#include "protocol/query_protocol.h"
#include "protocol/sigv4.h"

namespace ecsd::identity {
namespace {

// IAM is a global service: the SDKs sign its calls for us-east-1 whatever
// region ecsd serves, but for the configured region when given an endpoint
// URL (the CLI's --endpoint-url, AWS_ENDPOINT_URL_IAM). STS the same way.
constexpr std::string_view kIamRegion = "us-east-1";

}  // namespace

IdentityService::IdentityService(State& state, security::KeyRing& keys, const Clock& clock,
                                 const ArnFactory& arns, std::string sealKey,
                                 protocol::Throttle& throttle)
    : identity_{state, keys, clock, arns.accountId(), std::move(sealKey)},
      keySync_(keys, identity_.sealKey),
      policies_(state),
      authorizer_(state, arns, clock, policies_),
      iam_(identity_, "iam"),
      sts_(identity_, "sts"),
      iamEndpoint_(keys, {std::string(kIamRegion), "iam", std::chrono::minutes(15), {}, {arns.region()}}, clock, iam_, authorizer_, throttle,
                   protocol::queryWire(std::string(protocol::kIamNamespace))),
      stsEndpoint_(keys, {arns.region(), "sts", std::chrono::minutes(15), {}, {std::string(kIamRegion)}},
                   clock, sts_, authorizer_, throttle,
                   protocol::queryWire(std::string(protocol::kStsNamespace))) {
  addUserOperations(iam_);
  addAccessKeyOperations(iam_);
  addGroupOperations(iam_);
  addManagedPolicyOperations(iam_);
  addStsOperations(sts_);
  state.read([&](const Data& data) {
    keySync_.load(data);
    return 0;
  });
}

void IdentityService::changed(const ChangeSet& changes) {
  keySync_.changed(changes);
  policies_.changed(changes);
}

bool IdentityService::isQueryCall(const protocol::HttpRequest& request) {
  const std::string_view service = protocol::sigv4::signingService(request);
  if (service == "iam" || service == "sts") return true;
  if (!service.empty()) return false;
  return request.header("Content-Type").starts_with("application/x-www-form-urlencoded");
}

void IdentityService::handle(protocol::HttpRequest request,
                             protocol::ApiEndpoint::Reply reply) const {
  const bool sts = protocol::sigv4::signingService(request) == "sts";
  (sts ? stsEndpoint_ : iamEndpoint_).handle(std::move(request), std::move(reply));
}

}  // namespace ecsd::identity
