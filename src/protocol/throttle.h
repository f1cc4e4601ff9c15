// The throttle stage of an ECS call: has this principal called too often?
// TokenBuckets (token_buckets.h) is ECS's; Unthrottled admits everything
// (--throttle off).
#pragma once

#include <optional>
#include <string>

#include "protocol/operation_descriptor.h"
#include "security/key_ring.h"

namespace ecsd::protocol {

class Throttle {
 public:
  virtual ~Throttle() = default;
  // Why the call must wait (answered as ThrottlingException), or nullopt to
  // admit it. Called on server threads, concurrently.
  virtual std::optional<std::string> refuse(const security::AccessKey& principal,
                                            const OperationDescriptor& operation) = 0;
};

class Unthrottled final : public Throttle {
 public:
  std::optional<std::string> refuse(const security::AccessKey&,
                                    const OperationDescriptor&) override {
    return std::nullopt;
  }
};

}  // namespace ecsd::protocol
