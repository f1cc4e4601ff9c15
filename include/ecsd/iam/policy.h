// IAM identity-based policies: the JSON document a user's inline policy or a
// managed policy holds, checked as IAM checks it (MalformedPolicyDocument for
// what IAM would refuse) and parsed once into the form evaluate() reads
// (evaluation.h): wildcards and policy variables compiled, condition keys
// lower-cased, condition values typed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ecsd/iam/condition.h"
#include "ecsd/iam/policy_text.h"
#include "ecsd/result.h"

namespace ecsd::iam {

enum class Effect { Allow, Deny };

struct Statement {
  std::string sid;  // may be empty
  Effect effect = Effect::Allow;
  // Action, or NotAction when notAction: the statement covers every action
  // but those. Lower-cased: actions match case-insensitively.
  bool notAction = false;
  std::vector<PolicyText> actions;
  // Resource, or NotResource when notResource. Matched case-sensitively.
  bool notResource = false;
  std::vector<PolicyText> resources;
  std::vector<Condition> conditions;  // all must hold
};

struct Policy {
  std::string version;  // "2012-10-17", "2008-10-17", or empty when the document has none
  std::vector<Statement> statements;
};

// Managed policies are IAM's own documents (CreatePolicy); inline ones are a
// user's (PutUserPolicy). They differ in IAM's checks: a managed policy must
// be Version 2012-10-17 and at most kManagedPolicyMaxSize.
enum class PolicyKind { Managed, Inline };

// IAM's quotas, in characters not counting white space (policySize).
inline constexpr std::size_t kManagedPolicyMaxSize = 6144;
// For all of one user's inline policies together, so PutUserPolicy checks it
// (checkUserInlinePoliciesSize), not parsePolicy.
inline constexpr std::size_t kUserInlinePoliciesMaxSize = 2048;

// Parses an identity-based policy document. Errors are IAM's:
// MalformedPolicyDocument (400) with IAM's messages ("Syntax errors in
// policy.", "Policy document should not specify a principal.", ...), and for
// a managed policy over its quota LimitExceeded (409) "Cannot exceed quota
// for PolicySize: 6144".
Result<Policy> parsePolicy(std::string_view document, PolicyKind kind);

// The size IAM counts against its quotas: every character but white space.
std::size_t policySize(std::string_view document);

// PutUserPolicy's quota: LimitExceeded (409) "Maximum policy size of 2048
// bytes exceeded for user NAME" when the user's inline policies, the new one
// in place of any it replaces, come to more than kUserInlinePoliciesMaxSize.
Status checkUserInlinePoliciesSize(std::string_view userName, std::size_t totalSize);

}  // namespace ecsd::iam
