// Keeps the key ring (security/key_ring.h) in step with IAM's access keys:
// an Active key is accepted from the commit that makes it so, an Inactive or
// deleted one is refused from the next call on. Secrets are opened here,
// from their sealed form, and live only in the ring's memory.
#pragma once

#include <string>

#include "ecsd/state/state.h"
#include "security/key_ring.h"

namespace ecsd::identity {

class KeySync {
 public:
  KeySync(security::KeyRing& keys, std::string sealKey);
  // Every stored key, at start.
  void load(const Data& data);
  // A committed change (State::onApplied: quick, reads no state).
  void changed(const ChangeSet& changes);

 private:
  void apply(const IamAccessKey& key);
  security::KeyRing& keys_;
  std::string sealKey_;
};

}  // namespace ecsd::identity
