// IAM's errors about policy documents, as IAM answers them.
// TODO(issue 17): move beside the other IAM errors into ecsd/errors.h once
// the IAM calls land there.
#pragma once

#include <string>
#include <utility>

#include "ecsd/errors.h"

namespace ecsd::iam {

inline Error malformedPolicy(std::string message) {
  return errors::make("MalformedPolicyDocument", std::move(message), 400);
}
inline Error limitExceeded(std::string message) {
  return errors::make("LimitExceeded", std::move(message), 409);
}

// IAM's messages (as IAM and moto, which mimics it, give them).
inline constexpr const char* kSyntaxErrors = "Syntax errors in policy.";
inline constexpr const char* kLegacyParsing = "The policy failed legacy parsing";

}  // namespace ecsd::iam
