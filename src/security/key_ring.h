// The access keys ecsd accepts, and who each one is: the admin (the
// account's root) and the operator's pair, fixed at start, and IAM users'
// Active keys, added and removed as IAM calls commit. Safe to use from any
// number of threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ecsd::security {

struct AccessKey {
  std::string accessKeyId;
  std::string secretAccessKey;
  std::string principal;  // user name, e.g. "admin"; its ARN is built by the caller
  // The account's root (the generated admin and the operator's pair): always
  // allowed, as AWS's root user is. IAM users' keys are not.
  bool root = false;
};

// When and where a key was last used (GetAccessKeyLastUsed); kept in memory.
struct KeyUse {
  double when = 0;  // seconds since the epoch
  std::string service;
  std::string region;
};

class KeyRing {
 public:
  // Adds the key, or replaces the one with the same id.
  void add(AccessKey key);
  // The key stops being accepted from the next call on.
  void remove(std::string_view accessKeyId);
  // Returns nullptr when the key id is unknown. The key stays readable for
  // the ring's life even once removed (a call that verified with it may still
  // be running): removed entries are retired, not freed.
  const AccessKey* find(std::string_view accessKeyId) const;
  bool empty() const;
  // How many keys have been removed or replaced so far: a session holder
  // re-checks its keys only when this has moved.
  std::uint64_t removals() const { return removals_.load(); }

  // Bookkeeping, not a change of which keys are accepted: const.
  void noteUse(std::string_view accessKeyId, KeyUse use) const;
  std::optional<KeyUse> lastUse(std::string_view accessKeyId) const;

 private:
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::unique_ptr<const AccessKey>, std::less<>> keys_;
  std::vector<std::unique_ptr<const AccessKey>> retired_;
  std::atomic<std::uint64_t> removals_{0};
  mutable std::mutex usesMutex_;
  mutable std::map<std::string, KeyUse, std::less<>> uses_;
};

}  // namespace ecsd::security
