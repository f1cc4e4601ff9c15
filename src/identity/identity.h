// What IAM's and STS's handlers work with, and the names IAM gives things:
// ARNs, IAM's errors with their HTTP statuses, the time as IAM writes it.
#pragma once

#include <string>
#include <string_view>

#include "ecsd/clock.h"
#include "ecsd/result.h"
#include "ecsd/state/state.h"
#include "security/key_ring.h"

namespace ecsd::identity {

struct Identity {
  State& state;
  const security::KeyRing& keys;
  const Clock& clock;
  std::string accountId;
  std::string sealKey;  // crypto::kSealKeySize bytes: seals secrets at rest

  double now() const;
  // arn:aws:iam::ACCOUNT:user/PATH/NAME (path "/" adds nothing), and the same
  // for groups and customer-managed policies.
  std::string arn(std::string_view kind, std::string_view path, std::string_view name) const;
  std::string rootArn() const { return "arn:aws:iam::" + accountId + ":root"; }
};

// IAM's errors, with IAM's HTTP statuses.
namespace iam_errors {
Error noSuchEntity(std::string message);       // 404
Error entityAlreadyExists(std::string message);  // 409
Error limitExceeded(std::string message);      // 409
Error deleteConflict(std::string message);     // 409
Error validation(std::string message);         // 400 ValidationError
Error invalidInput(std::string message);       // 400
Error noSuchUser(std::string_view name);
Error noSuchGroup(std::string_view name);
}  // namespace iam_errors

// ISO 8601 in UTC with seconds, as IAM writes dates: 2026-12-04T19:15:00Z.
std::string iso8601(double secondsSinceEpoch);

}  // namespace ecsd::identity
