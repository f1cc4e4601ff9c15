// The IAM calls on access keys:
//   CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey, GetAccessKeyLastUsed
// A key's secret is sealed (crypto/sealed_box.h) before it reaches the draft;
// CreateAccessKey's answer is the only place it is ever shown.
#include "crypto/crypto.h"
#include "crypto/sealed_box.h"
#include "identity/iam_xml.h"
#include "identity/identity_router.h"
#include "identity/principal_policies.h"
#include "protocol/request_reader.h"
#include "security/key_material.h"

namespace ecsd::identity {
namespace {

using protocol::Access;
using protocol::CallContext;
using protocol::orThrow;

constexpr std::size_t kAccessKeysPerUser = 2;

// The user a key call is about: UserName, else the caller. The root's own
// keys are the admin credentials file and the operator's flags, not IAM's.
std::string userOf(const CallContext& context, const QueryInput& in) {
  if (auto name = in.optional("UserName")) return in.name("UserName");
  if (context.principal.root) {
    throw protocol::ApiError(iam_errors::invalidInput(
        "The account's root keys are ecsd's admin credentials; name a UserName."));
  }
  return context.principal.principal;
}

Error noSuchKey(std::string_view id) {
  return iam_errors::noSuchEntity("The Access Key with id " + std::string(id) +
                                  " cannot be found.");
}

Later<std::string> createAccessKey(const Identity& id, const CallContext& context,
                                   const QueryInput& in) {
  const std::string userName = userOf(context, in);
  IamAccessKey key;
  key.id = security::newAccessKeyId();
  key.userName = userName;
  const std::string secret = security::newSecretAccessKey();
  key.sealedSecret = crypto::base64Encode(crypto::seal(id.sealKey, secret, key.id));
  key.createDate = id.now();
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    const IamUser* found = draft.find<IamUser>(userName);
    if (found == nullptr) return iam_errors::noSuchUser(userName);
    if (found->accessKeys.size() >= kAccessKeysPerUser) {
      return iam_errors::limitExceeded("Cannot exceed quota for AccessKeysPerUser: " +
                                       std::to_string(kAccessKeysPerUser));
    }
    IamUser user = *found;
    user.accessKeys.push_back(key.id);
    draft.putRow(std::move(user));
    draft.putRow(key);
    return "<AccessKey>" + element("UserName", key.userName) + element("AccessKeyId", key.id) +
           element("Status", key.status) + element("SecretAccessKey", secret) +
           element("CreateDate", iso8601(key.createDate)) + "</AccessKey>";
  }));
}

Later<std::string> listAccessKeys(const Identity& id, const CallContext& context,
                                  const QueryInput& in) {
  const std::string userName = userOf(context, in);
  co_return orThrow(id.state.read([&](const Data& data) -> Result<std::string> {
    const IamUser* user = data.find<IamUser>(userName);
    if (user == nullptr) return iam_errors::noSuchUser(userName);
    std::vector<std::string> keys;
    for (const auto& keyId : user->accessKeys) {
      if (const auto* key = data.find<IamAccessKey>(keyId)) {
        keys.push_back(accessKeyMetadataXml(*key));
      }
    }
    return pagedXml("AccessKeyMetadata", keys, in);
  }));
}

// The key, as this write sees it, if it belongs to userName.
Result<IamAccessKey> ownedKey(const Draft& draft, const std::string& keyId,
                              const std::string& userName) {
  const IamAccessKey* key = draft.find<IamAccessKey>(keyId);
  if (key == nullptr || key->userName != userName) return noSuchKey(keyId);
  return *key;
}

Later<std::string> updateAccessKey(const Identity& id, const CallContext& context,
                                   const QueryInput& in) {
  const std::string userName = userOf(context, in);
  const std::string keyId = in.required("AccessKeyId");
  const std::string status = in.required("Status");
  if (status != "Active" && status != "Inactive") {
    throw protocol::ApiError(iam_errors::validation(
        "1 validation error detected: Value '" + status +
        "' at 'status' failed to satisfy constraint: Member must satisfy enum value set: "
        "[Active, Inactive]"));
  }
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    auto key = ownedKey(draft, keyId, userName);
    if (!key) return key.error();
    key->status = status;
    draft.putRow(std::move(*key));
    return std::string();
  }));
}

Later<std::string> deleteAccessKey(const Identity& id, const CallContext& context,
                                   const QueryInput& in) {
  const std::string userName = userOf(context, in);
  const std::string keyId = in.required("AccessKeyId");
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    auto key = ownedKey(draft, keyId, userName);
    if (!key) return key.error();
    if (const IamUser* found = draft.find<IamUser>(userName)) {
      IamUser user = *found;
      std::erase(user.accessKeys, keyId);
      draft.putRow(std::move(user));
    }
    draft.removeRow<IamAccessKey>(keyId);
    return std::string();
  }));
}

Later<std::string> getAccessKeyLastUsed(const Identity& id, const CallContext&,
                                        const QueryInput& in) {
  const std::string keyId = in.required("AccessKeyId");
  const auto userName = id.state.read([&](const Data& data) -> std::optional<std::string> {
    const auto* key = data.find<IamAccessKey>(keyId);
    if (key == nullptr) return std::nullopt;
    return key->userName;
  });
  if (!userName) throw protocol::ApiError(noSuchKey(keyId));
  std::string used;
  if (const auto use = id.keys.lastUse(keyId)) {
    used = element("LastUsedDate", iso8601(use->when)) + element("ServiceName", use->service) +
           element("Region", use->region);
  } else {
    used = element("ServiceName", "N/A") + element("Region", "N/A");
  }
  co_return element("UserName", *userName) + "<AccessKeyLastUsed>" + used + "</AccessKeyLastUsed>";
}

// Keys are resources of their user (iam:CreateAccessKey on the user's ARN).
std::vector<std::string> keyOwner(const Identity& id, const QueryInput& in) {
  if (in.optional("UserName")) return principalResource<IamUser>(id, in);
  const auto keyId = in.optional("AccessKeyId");
  if (!keyId) return {std::string(kCaller)};
  return id.state.read([&](const Data& data) -> std::vector<std::string> {
    const auto* key = data.find<IamAccessKey>(*keyId);
    const auto* user = key != nullptr ? data.find<IamUser>(key->userName) : nullptr;
    if (user == nullptr) return {"*"};
    return {user->arn};
  });
}

}  // namespace

void addAccessKeyOperations(IdentityRouter& router) {
  router.add("CreateAccessKey", Access::kWrite, keyOwner, createAccessKey);
  router.add("ListAccessKeys", Access::kRead, keyOwner, listAccessKeys);
  router.add("UpdateAccessKey", Access::kWrite, keyOwner, updateAccessKey);
  router.add("DeleteAccessKey", Access::kWrite, keyOwner, deleteAccessKey);
  router.add("GetAccessKeyLastUsed", Access::kRead, keyOwner, getAccessKeyLastUsed);
}

}  // namespace ecsd::identity
