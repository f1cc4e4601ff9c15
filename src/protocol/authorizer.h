// The authorize stage of an ECS call: may this principal perform this action
// on these resources? The IAM issue implements it with policies; until then
// everyone may do everything.
#pragma once

#include <optional>
#include <string>

#include "protocol/operation_descriptor.h"
#include "security/key_ring.h"

namespace ecsd::protocol {

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // Why the call is refused (answered as AccessDeniedException), or nullopt
  // to let it run; operation.resources(call) names what it touches, computed
  // only by an authorizer that asks. Called on server threads, concurrently.
  virtual std::optional<std::string> refuse(const security::AccessKey& principal,
                                            const OperationDescriptor& operation,
                                            const Call& call) const = 0;
};

class AllowAll final : public Authorizer {
 public:
  std::optional<std::string> refuse(const security::AccessKey&, const OperationDescriptor&,
                                    const Call&) const override {
    return std::nullopt;
  }
};

}  // namespace ecsd::protocol
