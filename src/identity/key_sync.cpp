#include "identity/key_sync.h"

#include <spdlog/spdlog.h>

#include "crypto/crypto.h"
#include "crypto/sealed_box.h"

namespace ecsd::identity {

KeySync::KeySync(security::KeyRing& keys, std::string sealKey)
    : keys_(keys), sealKey_(std::move(sealKey)) {}

void KeySync::apply(const IamAccessKey& key) {
  if (key.status != "Active") return keys_.remove(key.id);
  const auto sealed = crypto::base64Decode(key.sealedSecret);
  auto secret = sealed ? crypto::open(sealKey_, *sealed, key.id) : std::nullopt;
  if (!secret) {
    // Another data directory's iam.key, or a damaged row: the key cannot sign.
    spdlog::error("msg=\"access key secret does not open with iam.key\" access_key_id={} user={}",
                  key.id, key.userName);
    return keys_.remove(key.id);
  }
  keys_.add({key.id, std::move(*secret), key.userName, false});
}

void KeySync::load(const Data& data) {
  for (const auto& [id, key] : data.table<IamAccessKey>()) apply(key);
}

void KeySync::changed(const ChangeSet& changes) {
  const auto& keys = changes.of<IamAccessKey>();
  for (const auto& key : keys.put) apply(key);
  for (const auto& id : keys.removed) keys_.remove(id);
}

}  // namespace ecsd::identity
