// IAM's and STS's operations: name -> descriptor (the IAM action, e.g.
// iam:CreateUser, and the resources a call acts on) and handler. The run
// stage of their ApiEndpoint (protocol/api_endpoint.h, with the Query wire).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ecsd/later.h"
#include "identity/identity.h"
#include "identity/query_input.h"
#include "protocol/api_endpoint.h"

namespace ecsd::identity {

// Stands for the caller's own user ARN among a call's resources: the policy
// authorizer puts the caller's ARN in its place.
inline constexpr std::string_view kCaller = "ecsd:caller";

class IdentityRouter final : public protocol::Operations {
 public:
  // The text inside <XResult> (empty: none), once committed.
  using Handler = std::function<Later<std::string>(const Identity&, const protocol::CallContext&,
                                                   const QueryInput&)>;
  // The ARNs a call acts on, from its input ("*" for none; kCaller for the
  // caller's own user, as GetUser or CreateAccessKey without a UserName).
  using Resources = std::function<std::vector<std::string>(const Identity&, const QueryInput&)>;

  // service: the action prefix, "iam" or "sts".
  IdentityRouter(const Identity& identity, std::string service);

  void add(const std::string& operation, protocol::Access access, Resources resources,
           Handler handler);

  // InvalidAction (400) for an operation it does not have.
  Result<const protocol::OperationDescriptor*> describe(std::string_view operation) const override;
  void run(const protocol::Call& call, const protocol::CallContext& context,
           Done done) const override;

 private:
  struct Entry {
    protocol::OperationDescriptor descriptor;
    Handler handler;
  };
  const Identity& identity_;
  std::string service_;
  std::map<std::string, Entry, std::less<>> entries_;
};

// Each family registers its operations.
void addUserOperations(IdentityRouter& router);
void addAccessKeyOperations(IdentityRouter& router);
void addGroupOperations(IdentityRouter& router);
void addManagedPolicyOperations(IdentityRouter& router);
void addStsOperations(IdentityRouter& router);

}  // namespace ecsd::identity
