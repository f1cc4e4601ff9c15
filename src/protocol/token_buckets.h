// The throttle ECS has: a token bucket per access key and call class. A call
// takes one token; a bucket holds at most `burst` and gains `refill` a
// second, so a key may make `burst` calls of a class at once and `refill` a
// second for ever after. Keys and classes are apart: one key's flood, or a
// user's flood of one class, leaves the others their whole rate (agents'
// calls are a class of their own).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ecsd/clock.h"
#include "protocol/throttle.h"

namespace ecsd::protocol {

struct Rate {
  double burst = 0;   // the bucket's size
  double refill = 0;  // tokens a second
};

class TokenBuckets final : public Throttle {
 public:
  // A call of a class not in rates is not throttled.
  TokenBuckets(const Clock& clock, std::map<std::string, Rate, std::less<>> rates);

  std::optional<std::string> refuse(const security::AccessKey& principal,
                                    const OperationDescriptor& operation) override;

 private:
  struct Bucket {
    double tokens;
    std::chrono::system_clock::time_point filled;
  };

  const Clock& clock_;
  const std::map<std::string, Rate, std::less<>> rates_;
  std::mutex mutex_;
  // By access key id and class; only authenticated keys get here, so the map
  // is as small as the key ring times the classes.
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace ecsd::protocol
