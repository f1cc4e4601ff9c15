#include "protocol/token_buckets.h"

#include <algorithm>

namespace ecsd::protocol {

TokenBuckets::TokenBuckets(const Clock& clock, std::map<std::string, Rate, std::less<>> rates)
    : clock_(clock), rates_(std::move(rates)) {}

std::optional<std::string> TokenBuckets::refuse(const security::AccessKey& principal,
                                                const OperationDescriptor& operation) {
  const auto rate = rates_.find(operation.callClass);
  if (rate == rates_.end()) return std::nullopt;
  const auto now = clock_.now();
  std::string key = principal.accessKeyId;
  key += '\n';
  key += operation.callClass;
  std::lock_guard lock(mutex_);
  auto [bucket, fresh] = buckets_.try_emplace(std::move(key), Bucket{rate->second.burst, now});
  if (!fresh) {
    // A clock set back refills nothing rather than draining the bucket.
    const double elapsed =
        std::max(0.0, std::chrono::duration<double>(now - bucket->second.filled).count());
    bucket->second.tokens =
        std::min(rate->second.burst, bucket->second.tokens + elapsed * rate->second.refill);
    bucket->second.filled = now;
  }
  if (bucket->second.tokens < 1) return "Rate exceeded";
  bucket->second.tokens -= 1;
  return std::nullopt;
}

}  // namespace ecsd::protocol
