// The access keys ecsd accepts, and who each one is.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace ecsd::security {

struct AccessKey {
  std::string accessKeyId;
  std::string secretAccessKey;
  std::string principal;  // user name, e.g. "admin"; its ARN is built by the caller
};

class KeyRing {
 public:
  void add(AccessKey key) { keys_[key.accessKeyId] = std::move(key); }
  // Returns nullptr when the key id is unknown.
  const AccessKey* find(std::string_view accessKeyId) const {
    auto it = keys_.find(accessKeyId);
    return it == keys_.end() ? nullptr : &it->second;
  }
  bool empty() const { return keys_.empty(); }

 private:
  std::map<std::string, AccessKey, std::less<>> keys_;
};

}  // namespace ecsd::security
