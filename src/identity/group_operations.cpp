// The IAM calls on groups:
//   CreateGroup, GetGroup, ListGroups, DeleteGroup, AddUserToGroup,
//   RemoveUserFromGroup, ListGroupsForUser
// (their policies: principal_policies.cpp). Membership is kept on both rows,
// changed together in one write.
#include <algorithm>

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

constexpr std::size_t kGroupsPerUser = 10;

Later<std::string> createGroup(const Identity& id, const CallContext&, const QueryInput& in) {
  IamGroup group;
  group.name = in.name("GroupName", 128);
  group.path = in.path();
  group.id = security::newUniqueId("AGPA");
  group.arn = id.arn("group", group.path, group.name);
  group.createDate = id.now();
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    if (draft.find<IamGroup>(group.name) != nullptr) {
      return iam_errors::entityAlreadyExists("Group with name " + group.name +
                                             " already exists.");
    }
    draft.putRow(group);
    return "<Group>" + groupXml(group) + "</Group>";
  }));
}

Later<std::string> getGroup(const Identity& id, const CallContext&, const QueryInput& in) {
  const std::string name = in.name("GroupName", 128);
  co_return orThrow(id.state.read([&](const Data& data) -> Result<std::string> {
    const IamGroup* group = data.find<IamGroup>(name);
    if (group == nullptr) return iam_errors::noSuchGroup(name);
    std::vector<std::string> users;
    for (const auto& member : group->members) {
      if (const auto* user = data.find<IamUser>(member)) users.push_back(userXml(*user));
    }
    return "<Group>" + groupXml(*group) + "</Group>" + pagedXml("Users", users, in);
  }));
}

Later<std::string> listGroups(const Identity& id, const CallContext&, const QueryInput& in) {
  const std::string prefix = in.optional("PathPrefix").value_or("/");
  co_return id.state.read([&](const Data& data) {
    std::vector<std::string> groups;
    for (const auto& [name, group] : data.table<IamGroup>()) {
      if (group.path.starts_with(prefix)) groups.push_back(groupXml(group));
    }
    return pagedXml("Groups", groups, in);
  });
}

Later<std::string> listGroupsForUser(const Identity& id, const CallContext&,
                                     const QueryInput& in) {
  const std::string name = in.name("UserName");
  co_return orThrow(id.state.read([&](const Data& data) -> Result<std::string> {
    const IamUser* user = data.find<IamUser>(name);
    if (user == nullptr) return iam_errors::noSuchUser(name);
    std::vector<std::string> groups;
    for (const auto& groupName : user->groups) {
      if (const auto* group = data.find<IamGroup>(groupName)) groups.push_back(groupXml(*group));
    }
    return pagedXml("Groups", groups, in);
  }));
}

Later<std::string> deleteGroup(const Identity& id, const CallContext&, const QueryInput& in) {
  const std::string name = in.name("GroupName", 128);
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    const IamGroup* group = draft.find<IamGroup>(name);
    if (group == nullptr) return iam_errors::noSuchGroup(name);
    if (!group->members.empty()) {
      return iam_errors::deleteConflict("Cannot delete entity, must remove users from group first.");
    }
    if (!group->policies.empty()) {
      return iam_errors::deleteConflict("Cannot delete entity, must delete policies first.");
    }
    if (!group->attachedPolicies.empty()) {
      return iam_errors::deleteConflict("Cannot delete entity, must detach all policies first.");
    }
    draft.removeRow<IamGroup>(name);
    return std::string();
  }));
}

// Both rows as this write sees them, or the error for the one missing.
Result<std::pair<IamGroup, IamUser>> memberPair(const Draft& draft, const std::string& groupName,
                                                const std::string& userName) {
  const IamGroup* group = draft.find<IamGroup>(groupName);
  if (group == nullptr) return iam_errors::noSuchGroup(groupName);
  const IamUser* user = draft.find<IamUser>(userName);
  if (user == nullptr) return iam_errors::noSuchUser(userName);
  return std::pair{*group, *user};
}

Later<std::string> addUserToGroup(const Identity& id, const CallContext&, const QueryInput& in) {
  const std::string groupName = in.name("GroupName", 128);
  const std::string userName = in.name("UserName");
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    auto pair = memberPair(draft, groupName, userName);
    if (!pair) return pair.error();
    auto& [group, user] = *pair;
    if (std::ranges::find(user.groups, groupName) != user.groups.end()) return std::string();
    if (user.groups.size() >= kGroupsPerUser) {
      return iam_errors::limitExceeded("Cannot exceed quota for GroupsPerUser: " +
                                       std::to_string(kGroupsPerUser));
    }
    user.groups.push_back(groupName);
    group.members.push_back(userName);
    draft.putRow(std::move(group));
    draft.putRow(std::move(user));
    return std::string();
  }));
}

Later<std::string> removeUserFromGroup(const Identity& id, const CallContext&,
                                       const QueryInput& in) {
  const std::string groupName = in.name("GroupName", 128);
  const std::string userName = in.name("UserName");
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    auto pair = memberPair(draft, groupName, userName);
    if (!pair) return pair.error();
    auto& [group, user] = *pair;
    if (std::erase(user.groups, groupName) == 0) {
      return iam_errors::noSuchEntity("The user with name " + userName +
                                      " cannot be found in group " + groupName + ".");
    }
    std::erase(group.members, userName);
    draft.putRow(std::move(group));
    draft.putRow(std::move(user));
    return std::string();
  }));
}

}  // namespace

void addGroupOperations(IdentityRouter& router) {
  const auto on = principalResource<IamGroup>;
  router.add("CreateGroup", Access::kWrite, on, createGroup);
  router.add("GetGroup", Access::kRead, on, getGroup);
  router.add("ListGroups", Access::kRead, [](const Identity&, const QueryInput&) {
    return std::vector<std::string>{"*"};
  }, listGroups);
  router.add("DeleteGroup", Access::kWrite, on, deleteGroup);
  router.add("AddUserToGroup", Access::kWrite, on, addUserToGroup);
  router.add("RemoveUserFromGroup", Access::kWrite, on, removeUserFromGroup);
  router.add("ListGroupsForUser", Access::kRead, principalResource<IamUser>, listGroupsForUser);
  addPrincipalPolicyOperations<IamGroup>(router, "Group");
}

}  // namespace ecsd::identity
