// The IAM calls on users:
//   CreateUser, GetUser, ListUsers, DeleteUser, TagUser, UntagUser, ListUserTags
// (their policies: principal_policies.cpp; their keys: access_key_operations.cpp).
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

constexpr std::size_t kTagsQuota = 50;

Status checkTags(const Tags& tags) {
  if (tags.size() > kTagsQuota) {
    return iam_errors::limitExceeded("The number of tags has reached the maximum limit.");
  }
  for (const auto& tag : tags) {
    if (tag.key.empty() || tag.key.size() > 128 || tag.value.size() > 256) {
      return iam_errors::validation("1 validation error detected: Value '" + tag.key +
                                    "' at 'tags' failed to satisfy constraint: a tag key must "
                                    "be 1 to 128 characters and its value at most 256");
    }
  }
  return {};
}

Later<std::string> createUser(const Identity& id, const CallContext&, const QueryInput& in) {
  IamUser user;
  user.name = in.name("UserName");
  user.path = in.path();
  user.tags = in.tags();
  orThrow(checkTags(user.tags));
  user.id = security::newUniqueId("AIDA");
  user.arn = id.arn("user", user.path, user.name);
  user.createDate = id.now();
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    if (draft.find<IamUser>(user.name) != nullptr) {
      return iam_errors::entityAlreadyExists("User with name " + user.name + " already exists.");
    }
    draft.putRow(user);
    return "<User>" + userXml(user, true) + "</User>";
  }));
}

// GetUser without a name is the caller (the root has no user: IAM answers
// with the account's root ARN).
Later<std::string> getUser(const Identity& id, const CallContext& context, const QueryInput& in) {
  const auto name = in.optional("UserName");
  if (!name && context.principal.root) {
    co_return "<User>" + element("UserId", id.accountId) + element("Arn", id.rootArn()) +
        "</User>";
  }
  const std::string wanted = name.value_or(context.principal.principal);
  co_return orThrow(id.state.read([&](const Data& data) -> Result<std::string> {
    const IamUser* user = data.find<IamUser>(wanted);
    if (user == nullptr) return iam_errors::noSuchUser(wanted);
    return "<User>" + userXml(*user, true) + "</User>";
  }));
}

Later<std::string> listUsers(const Identity& id, const CallContext&, const QueryInput& in) {
  const std::string prefix = in.optional("PathPrefix").value_or("/");
  co_return id.state.read([&](const Data& data) {
    std::vector<std::string> users;
    for (const auto& [name, user] : data.table<IamUser>()) {
      if (user.path.starts_with(prefix)) users.push_back(userXml(user));
    }
    return pagedXml("Users", users, in);
  });
}

Later<std::string> deleteUser(const Identity& id, const CallContext&, const QueryInput& in) {
  const std::string name = in.name("UserName");
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    const IamUser* user = draft.find<IamUser>(name);
    if (user == nullptr) return iam_errors::noSuchUser(name);
    if (!user->accessKeys.empty()) {
      return iam_errors::deleteConflict("Cannot delete entity, must delete access keys first.");
    }
    if (!user->policies.empty()) {
      return iam_errors::deleteConflict("Cannot delete entity, must delete policies first.");
    }
    if (!user->attachedPolicies.empty()) {
      return iam_errors::deleteConflict("Cannot delete entity, must detach all policies first.");
    }
    if (!user->groups.empty()) {
      return iam_errors::deleteConflict(
          "Cannot delete entity, must remove users from all groups first.");
    }
    draft.removeRow<IamUser>(name);
    return std::string();
  }));
}

Later<std::string> tagUser(const Identity& id, const CallContext&, const QueryInput& in) {
  const std::string name = in.name("UserName");
  const Tags added = in.tags();
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    const IamUser* found = draft.find<IamUser>(name);
    if (found == nullptr) return iam_errors::noSuchUser(name);
    IamUser user = *found;
    user.tags = mergeTags(std::move(user.tags), added);
    if (auto checked = checkTags(user.tags); !checked) return checked.error();
    draft.putRow(std::move(user));
    return std::string();
  }));
}

Later<std::string> untagUser(const Identity& id, const CallContext&, const QueryInput& in) {
  const std::string name = in.name("UserName");
  const std::vector<std::string> keys = in.list("TagKeys");
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    const IamUser* found = draft.find<IamUser>(name);
    if (found == nullptr) return iam_errors::noSuchUser(name);
    IamUser user = *found;
    user.tags = removeTagKeys(std::move(user.tags), keys);
    draft.putRow(std::move(user));
    return std::string();
  }));
}

Later<std::string> listUserTags(const Identity& id, const CallContext&, const QueryInput& in) {
  const std::string name = in.name("UserName");
  co_return orThrow(id.state.read([&](const Data& data) -> Result<std::string> {
    const IamUser* user = data.find<IamUser>(name);
    if (user == nullptr) return iam_errors::noSuchUser(name);
    std::vector<std::string> tags;
    for (const auto& tag : user->tags) {
      tags.push_back(element("Key", tag.key) + element("Value", tag.value));
    }
    return pagedXml("Tags", tags, in);
  }));
}

}  // namespace

void addUserOperations(IdentityRouter& router) {
  const auto on = principalResource<IamUser>;
  router.add("CreateUser", Access::kWrite, on, createUser);
  router.add("GetUser", Access::kRead, on, getUser);
  router.add("ListUsers", Access::kRead, [](const Identity&, const QueryInput&) {
    return std::vector<std::string>{"*"};
  }, listUsers);
  router.add("DeleteUser", Access::kWrite, on, deleteUser);
  router.add("TagUser", Access::kWrite, on, tagUser);
  router.add("UntagUser", Access::kWrite, on, untagUser);
  router.add("ListUserTags", Access::kRead, on, listUserTags);
  addPrincipalPolicyOperations<IamUser>(router, "User");
}

}  // namespace ecsd::identity
