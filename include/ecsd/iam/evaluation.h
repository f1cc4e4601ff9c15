// AWS's evaluation logic for identity-based policies: a statement that
// applies and denies wins; else one that applies and allows; else the request
// is implicitly denied. The authorize stage calls evaluate() once per
// resource a call touches (or once with "*" for a call on none), with the
// caller's policies parsed beforehand; it is pure and safe to call from any
// number of threads at once.
#pragma once

#include <string_view>
#include <vector>

#include "ecsd/iam/policy.h"
#include "ecsd/iam/request.h"

namespace ecsd::iam {

enum class Verdict { Allow, ExplicitDeny, ImplicitDeny };

struct Decision {
  Verdict verdict = Verdict::ImplicitDeny;
  // The statement that decided, for the log: its policy's index in the list
  // evaluate() was given, its own index in that policy and its Sid (pointing
  // into the policy). -1 and empty for an implicit deny.
  int policy = -1;
  int statement = -1;
  std::string_view sid;

  bool allowed() const { return verdict == Verdict::Allow; }
};

// Whether statement applies to request: its action is in Action (or not in
// NotAction), its resource in Resource (or not in NotResource), and every
// condition holds. Effect plays no part.
bool applies(const Statement& statement, const Request& request);

// The decision on request under policies (null entries are not allowed), in
// one pass over their statements: the first Deny that applies decides at
// once; Allow statements are looked at only until one applies.
Decision evaluate(const std::vector<const Policy*>& policies, const Request& request);

}  // namespace ecsd::iam
