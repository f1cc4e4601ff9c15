// What users and groups share: inline policies (Put/Get/List/Delete
// UserPolicy and GroupPolicy) and attached managed policies (Attach/Detach/
// ListAttached), written once over either row (IamUser, IamGroup).
#pragma once

#include <string>
#include <string_view>

#include "ecsd/domain/iam_identity.h"
#include "identity/identity_router.h"

namespace ecsd::identity {

// What differs between a user and a group, for these calls and their errors.
template <class Row>
struct PrincipalKind;

template <>
struct PrincipalKind<IamUser> {
  static constexpr std::string_view kMember = "UserName";  // its name in the input and output
  static constexpr std::string_view kLabel = "user";
  static constexpr std::string_view kArnKind = "user";
  static constexpr std::string_view kPoliciesQuota = "PoliciesPerUser";
  static Error notFound(std::string_view name) { return iam_errors::noSuchUser(name); }
};

template <>
struct PrincipalKind<IamGroup> {
  static constexpr std::string_view kMember = "GroupName";
  static constexpr std::string_view kLabel = "group";
  static constexpr std::string_view kArnKind = "group";
  static constexpr std::string_view kPoliciesQuota = "PoliciesPerGroup";
  static Error notFound(std::string_view name) { return iam_errors::noSuchGroup(name); }
};

// The ARN of the user or group the input names (for the authorize stage):
// its stored path, or the input's Path for one not made yet.
template <class Row>
std::vector<std::string> principalResource(const Identity& identity, const QueryInput& in);

// Registers Put/Get/List/Delete<Kind>Policy and Attach/Detach/ListAttached<Kind>Policies
// with kind "User" or "Group".
template <class Row>
void addPrincipalPolicyOperations(IdentityRouter& router, const std::string& kind);

}  // namespace ecsd::identity
