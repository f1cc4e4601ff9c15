#include "identity/policy_authorizer.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/logging.h"
#include "ecsd/errors.h"
#include "ecsd/iam/evaluation.h"
#include "identity/ecs_requests.h"
#include "identity/identity.h"
#include "identity/identity_router.h"

namespace ecsd::identity {
namespace {

// "10.0.0.1:5000" -> "10.0.0.1", "[::1]:5000" -> "::1".
std::string sourceIp(std::string_view remote) {
  if (remote.starts_with('[')) {
    const auto end = remote.find(']');
    return std::string(remote.substr(1, end == std::string_view::npos ? end : end - 1));
  }
  const auto colon = remote.rfind(':');
  return std::string(colon == std::string_view::npos ? remote : remote.substr(0, colon));
}

iam::ConditionContext globalKeys(const CompiledPrincipal& principal,
                                 const protocol::CallContext& context, const Clock& clock) {
  iam::ConditionContext keys;
  const double now = std::chrono::duration<double>(clock.now().time_since_epoch()).count();
  keys.set("aws:username", context.principal.principal);
  keys.set("aws:userid", principal.id);
  keys.set("aws:PrincipalArn", principal.arn);
  keys.set("aws:PrincipalType", std::string("User"));
  keys.set("aws:SourceIp", sourceIp(context.remote));
  keys.set("aws:CurrentTime", iso8601(now));
  keys.set("aws:EpochTime", std::to_string(static_cast<long long>(now)));
  keys.set("aws:SecureTransport", std::string(context.secure ? "true" : "false"));
  return keys;
}

std::vector<iam::Request> requestsFor(const protocol::OperationDescriptor& operation,
                                      const protocol::Call& call, const ArnFactory& arns,
                                      const State& state, iam::ConditionContext base,
                                      const std::string& callerArn) {
  if (operation.action.starts_with("ecs:")) {
    return ecsRequests(operation, call, arns, state, std::move(base));
  }
  std::vector<iam::Request> requests;
  for (auto& resource : operation.resources(call)) {
    requests.push_back(
        {operation.action, resource == kCaller ? callerArn : std::move(resource), base});
  }
  if (requests.empty()) requests.push_back({operation.action, "*", base});
  return requests;
}

Error accessDenied(const protocol::OperationDescriptor& operation, const std::string& userArn,
                   const std::string& resource, iam::Verdict verdict) {
  std::string message = "User: " + userArn + " is not authorized to perform: " +
                        operation.action + " on resource: " + resource;
  message += verdict == iam::Verdict::ExplicitDeny
                 ? " with an explicit deny in an identity-based policy"
                 : " because no identity-based policy allows the " + operation.action + " action";
  // ECS answers AccessDeniedException with 400; IAM and STS AccessDenied with 403.
  const bool ecs = operation.action.starts_with("ecs:");
  return errors::make("AccessDeniedException", std::move(message), ecs ? 400 : 403);
}

const char* verdictName(iam::Verdict verdict) {
  switch (verdict) {
    case iam::Verdict::Allow: return "allow";
    case iam::Verdict::ExplicitDeny: return "explicit_deny";
    case iam::Verdict::ImplicitDeny: return "implicit_deny";
  }
  return "-";
}

}  // namespace

PolicyAuthorizer::PolicyAuthorizer(const State& state, const ArnFactory& arns, const Clock& clock,
                                   const CompiledPolicies& policies)
    : state_(state), arns_(arns), clock_(clock), policies_(policies) {}

std::optional<Error> PolicyAuthorizer::refuse(const protocol::OperationDescriptor& operation,
                                              const protocol::Call& call,
                                              const protocol::CallContext& context) const {
  if (context.principal.root) return std::nullopt;  // the account's root: always allowed
  // AWS lets every caller ask who it is.
  if (operation.action == "sts:GetCallerIdentity") return std::nullopt;
  const auto principal = policies_.of(context.principal.principal);
  const std::string userArn =
      principal->exists ? principal->arn
                        : "arn:aws:iam::" + arns_.accountId() + ":user/" +
                              context.principal.principal;
  const auto requests =
      requestsFor(operation, call, arns_, state_, globalKeys(*principal, context, clock_), userArn);
  for (const auto& request : requests) {
    const iam::Decision decision = iam::evaluate(principal->pointers, request);
    const std::string statement =
        decision.policy < 0 ? "-"
                            : principal->labels[static_cast<std::size_t>(decision.policy)] + "#" +
                                  (decision.sid.empty() ? std::to_string(decision.statement)
                                                        : std::string(decision.sid));
    spdlog::info(
        "msg=authorization request_id={} principal={} action={} resource={} decision={} "
        "statement={}",
        context.requestId, userArn, operation.action, logging::quote(request.resource),
        verdictName(decision.verdict), logging::quote(statement));
    if (!decision.allowed()) {
      return accessDenied(operation, userArn, request.resource, decision.verdict);
    }
  }
  return std::nullopt;
}

}  // namespace ecsd::identity
