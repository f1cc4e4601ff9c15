// The IAM calls on a user's or group's policies:
//   PutUserPolicy, GetUserPolicy, ListUserPolicies, DeleteUserPolicy,
//   AttachUserPolicy, DetachUserPolicy, ListAttachedUserPolicies,
//   and the same for groups (PutGroupPolicy, ..., ListAttachedGroupPolicies).
#include "identity/principal_policies.h"

#include <algorithm>
#include <type_traits>

#include "ecsd/iam/policy.h"
#include "identity/aws_managed_policies.h"
#include "identity/iam_xml.h"
#include "protocol/query_protocol.h"
#include "protocol/request_reader.h"

namespace ecsd::identity {
namespace {

using protocol::Access;
using protocol::orThrow;

constexpr std::size_t kAttachedPoliciesQuota = 10;
constexpr std::size_t kGroupInlinePoliciesMaxSize = 5120;

template <class Row>
Result<Row> existing(const Draft& draft, const std::string& name) {
  const Row* row = draft.find<Row>(name);
  if (row == nullptr) return PrincipalKind<Row>::notFound(name);
  return *row;
}

template <class Row>
Result<const Row*> committed(const Data& data, const std::string& name) {
  const Row* row = data.find<Row>(name);
  if (row == nullptr) return PrincipalKind<Row>::notFound(name);
  return row;
}

template <class Row>
Status checkInlineQuota(const Row& row) {
  std::size_t total = 0;
  for (const auto& p : row.policies) total += iam::policySize(p.document);
  if constexpr (std::is_same_v<Row, IamUser>) {
    return iam::checkUserInlinePoliciesSize(row.name, total);
  } else {
    if (total <= kGroupInlinePoliciesMaxSize) return {};
    return iam_errors::limitExceeded("Maximum policy size of " +
                                     std::to_string(kGroupInlinePoliciesMaxSize) +
                                     " bytes exceeded for group " + row.name);
  }
}

template <class Row>
Later<std::string> putPolicy(const Identity& id, const protocol::CallContext&,
                             const QueryInput& in) {
  const std::string name = in.name(PrincipalKind<Row>::kMember, 128);
  const std::string policyName = in.name("PolicyName", 128);
  const std::string document = in.required("PolicyDocument");
  orThrow(iam::parsePolicy(document, iam::PolicyKind::Inline));
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    auto row = existing<Row>(draft, name);
    if (!row) return row.error();
    auto& policies = row->policies;
    const auto it = std::ranges::find(policies, policyName, &InlinePolicy::name);
    if (it != policies.end()) {
      it->document = document;
    } else {
      policies.push_back({policyName, document});
      std::ranges::sort(policies, {}, &InlinePolicy::name);
    }
    if (auto quota = checkInlineQuota(*row); !quota) return quota.error();
    draft.putRow(std::move(*row));
    return std::string();
  }));
}

template <class Row>
Later<std::string> getPolicy(const Identity& id, const protocol::CallContext&,
                             const QueryInput& in) {
  const std::string name = in.name(PrincipalKind<Row>::kMember, 128);
  const std::string policyName = in.name("PolicyName", 128);
  co_return orThrow(id.state.read([&](const Data& data) -> Result<std::string> {
    auto row = committed<Row>(data, name);
    if (!row) return row.error();
    const auto& policies = (*row)->policies;
    const auto it = std::ranges::find(policies, policyName, &InlinePolicy::name);
    if (it == policies.end()) {
      return iam_errors::noSuchEntity("The " + std::string(PrincipalKind<Row>::kLabel) +
                                      " policy with name " + policyName + " cannot be found.");
    }
    return element(PrincipalKind<Row>::kMember, name) + element("PolicyName", policyName) +
           policyDocumentXml(it->document);
  }));
}

template <class Row>
Later<std::string> listPolicies(const Identity& id, const protocol::CallContext&,
                                const QueryInput& in) {
  const std::string name = in.name(PrincipalKind<Row>::kMember, 128);
  co_return orThrow(id.state.read([&](const Data& data) -> Result<std::string> {
    auto row = committed<Row>(data, name);
    if (!row) return row.error();
    std::vector<std::string> names;
    for (const auto& p : (*row)->policies) names.push_back(protocol::xmlEscape(p.name));
    return pagedXml("PolicyNames", names, in);
  }));
}

template <class Row>
Later<std::string> deletePolicy(const Identity& id, const protocol::CallContext&,
                                const QueryInput& in) {
  const std::string name = in.name(PrincipalKind<Row>::kMember, 128);
  const std::string policyName = in.name("PolicyName", 128);
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    auto row = existing<Row>(draft, name);
    if (!row) return row.error();
    const auto removed = std::erase_if(
        row->policies, [&](const InlinePolicy& p) { return p.name == policyName; });
    if (removed == 0) {
      return iam_errors::noSuchEntity("The " + std::string(PrincipalKind<Row>::kLabel) +
                                      " policy with name " + policyName + " cannot be found.");
    }
    draft.putRow(std::move(*row));
    return std::string();
  }));
}

Error noSuchPolicy(std::string_view arn) {
  return iam_errors::noSuchEntity("Policy " + std::string(arn) +
                                  " does not exist or is not attachable.");
}

template <class Row>
Later<std::string> attachPolicy(const Identity& id, const protocol::CallContext&,
                                const QueryInput& in) {
  const std::string name = in.name(PrincipalKind<Row>::kMember, 128);
  const std::string arn = in.required("PolicyArn");
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    auto row = existing<Row>(draft, name);
    if (!row) return row.error();
    const IamManagedPolicy* customer = draft.find<IamManagedPolicy>(arn);
    if (customer == nullptr && findAwsManagedPolicy(arn) == nullptr) return noSuchPolicy(arn);
    if (std::ranges::find(row->attachedPolicies, arn) != row->attachedPolicies.end()) {
      return std::string();  // IAM: attaching again changes nothing
    }
    if (row->attachedPolicies.size() >= kAttachedPoliciesQuota) {
      return iam_errors::limitExceeded("Cannot exceed quota for " +
                                       std::string(PrincipalKind<Row>::kPoliciesQuota) + ": " +
                                       std::to_string(kAttachedPoliciesQuota));
    }
    row->attachedPolicies.push_back(arn);
    if (customer != nullptr) {
      IamManagedPolicy counted = *customer;
      ++counted.attachmentCount;
      draft.putRow(std::move(counted));
    }
    draft.putRow(std::move(*row));
    return std::string();
  }));
}

template <class Row>
Later<std::string> detachPolicy(const Identity& id, const protocol::CallContext&,
                                const QueryInput& in) {
  const std::string name = in.name(PrincipalKind<Row>::kMember, 128);
  const std::string arn = in.required("PolicyArn");
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    auto row = existing<Row>(draft, name);
    if (!row) return row.error();
    if (std::erase(row->attachedPolicies, arn) == 0) {
      return iam_errors::noSuchEntity("Policy " + arn + " was not found.");
    }
    if (const IamManagedPolicy* customer = draft.find<IamManagedPolicy>(arn)) {
      IamManagedPolicy counted = *customer;
      counted.attachmentCount = std::max(0, counted.attachmentCount - 1);
      draft.putRow(std::move(counted));
    }
    draft.putRow(std::move(*row));
    return std::string();
  }));
}

// The attached policy's name: a customer one's, or an AWS one's.
std::string attachedName(const Data& data, const std::string& arn) {
  if (const auto* customer = data.find<IamManagedPolicy>(arn)) return customer->name;
  if (const auto* aws = findAwsManagedPolicy(arn)) return aws->name;
  return arn.substr(arn.rfind('/') + 1);
}

template <class Row>
Later<std::string> listAttached(const Identity& id, const protocol::CallContext&,
                                const QueryInput& in) {
  const std::string name = in.name(PrincipalKind<Row>::kMember, 128);
  co_return orThrow(id.state.read([&](const Data& data) -> Result<std::string> {
    auto row = committed<Row>(data, name);
    if (!row) return row.error();
    std::vector<std::string> items;
    for (const auto& arn : (*row)->attachedPolicies) {
      items.push_back(element("PolicyName", attachedName(data, arn)) + element("PolicyArn", arn));
    }
    return pagedXml("AttachedPolicies", items, in);
  }));
}

}  // namespace

template <class Row>
std::vector<std::string> principalResource(const Identity& identity, const QueryInput& in) {
  const auto name = in.optional(PrincipalKind<Row>::kMember);
  if (!name) return {std::string(std::is_same_v<Row, IamUser> ? kCaller : "*")};
  const std::string path = identity.state.read([&](const Data& data) {
    const Row* row = data.find<Row>(*name);
    return row != nullptr ? row->path : in.optional("Path").value_or("/");
  });
  return {identity.arn(PrincipalKind<Row>::kArnKind, path, *name)};
}

template <class Row>
void addPrincipalPolicyOperations(IdentityRouter& router, const std::string& kind) {
  const auto on = principalResource<Row>;
  router.add("Put" + kind + "Policy", Access::kWrite, on, putPolicy<Row>);
  router.add("Get" + kind + "Policy", Access::kRead, on, getPolicy<Row>);
  router.add("List" + kind + "Policies", Access::kRead, on, listPolicies<Row>);
  router.add("Delete" + kind + "Policy", Access::kWrite, on, deletePolicy<Row>);
  router.add("Attach" + kind + "Policy", Access::kWrite, on, attachPolicy<Row>);
  router.add("Detach" + kind + "Policy", Access::kWrite, on, detachPolicy<Row>);
  router.add("ListAttached" + kind + "Policies", Access::kRead, on, listAttached<Row>);
}

template std::vector<std::string> principalResource<IamUser>(const Identity&, const QueryInput&);
template std::vector<std::string> principalResource<IamGroup>(const Identity&, const QueryInput&);
template void addPrincipalPolicyOperations<IamUser>(IdentityRouter&, const std::string&);
template void addPrincipalPolicyOperations<IamGroup>(IdentityRouter&, const std::string&);

}  // namespace ecsd::identity
