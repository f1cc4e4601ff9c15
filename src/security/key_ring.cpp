#include "security/key_ring.h"

namespace ecsd::security {

void KeyRing::add(AccessKey key) {
  auto entry = std::make_unique<const AccessKey>(std::move(key));
  std::unique_lock lock(mutex_);
  auto& slot = keys_[entry->accessKeyId];
  if (slot) {
    retired_.push_back(std::move(slot));
    ++removals_;
  }
  slot = std::move(entry);
}

void KeyRing::remove(std::string_view accessKeyId) {
  std::unique_lock lock(mutex_);
  const auto it = keys_.find(accessKeyId);
  if (it == keys_.end()) return;
  retired_.push_back(std::move(it->second));
  keys_.erase(it);
  ++removals_;
}

const AccessKey* KeyRing::find(std::string_view accessKeyId) const {
  std::shared_lock lock(mutex_);
  const auto it = keys_.find(accessKeyId);
  return it == keys_.end() ? nullptr : it->second.get();
}

bool KeyRing::empty() const {
  std::shared_lock lock(mutex_);
  return keys_.empty();
}

void KeyRing::noteUse(std::string_view accessKeyId, KeyUse use) const {
  std::lock_guard lock(usesMutex_);
  uses_.insert_or_assign(std::string(accessKeyId), std::move(use));
}

std::optional<KeyUse> KeyRing::lastUse(std::string_view accessKeyId) const {
  std::lock_guard lock(usesMutex_);
  const auto it = uses_.find(accessKeyId);
  if (it == uses_.end()) return std::nullopt;
  return it->second;
}

}  // namespace ecsd::security
