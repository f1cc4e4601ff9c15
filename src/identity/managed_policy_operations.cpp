// The IAM calls on managed policies:
//   CreatePolicy, GetPolicy, ListPolicies, DeletePolicy, CreatePolicyVersion,
//   GetPolicyVersion, ListPolicyVersions, DeletePolicyVersion, SetDefaultPolicyVersion
// Customer-managed policies are rows; AWS's (aws_managed_policies.h) are
// built in, readable and attachable, never changed.
#include <algorithm>

#include "ecsd/errors.h"
#include "ecsd/iam/policy.h"
#include "identity/aws_managed_policies.h"
#include "identity/iam_xml.h"
#include "identity/identity_router.h"
#include "protocol/percent_encoding.h"
#include "protocol/request_reader.h"
#include "security/key_material.h"

namespace ecsd::identity {
namespace {

using protocol::Access;
using protocol::CallContext;
using protocol::orThrow;

constexpr std::size_t kVersionsPerPolicy = 5;

std::string policyXml(const IamManagedPolicy& p) {
  std::string out = element("PolicyName", p.name) + element("PolicyId", p.id) +
                    element("Arn", p.arn) + element("Path", p.path) +
                    element("DefaultVersionId", p.defaultVersion) +
                    element("AttachmentCount", std::to_string(p.attachmentCount)) +
                    element("PermissionsBoundaryUsageCount", "0") +
                    element("IsAttachable", "true");
  if (!p.description.empty()) out += element("Description", p.description);
  return out + element("CreateDate", iso8601(p.createDate)) +
         element("UpdateDate", iso8601(p.updateDate));
}

// An AWS managed policy in the customer one's shape: one version, v1; its
// attachments counted from the users and groups that name it.
IamManagedPolicy asManaged(const Data& data, const AwsManagedPolicy& aws) {
  IamManagedPolicy p;
  p.arn = aws.arn;
  p.name = aws.name;
  p.path = aws.path;
  p.id = aws.id;
  p.description = aws.description;
  p.createDate = p.updateDate = 1700000000;  // fixed: ecsd's built-in documents
  p.versions = {{"v1", aws.document, p.createDate}};
  for (const auto& [name, user] : data.table<IamUser>()) {
    p.attachmentCount += static_cast<int>(std::ranges::count(user.attachedPolicies, aws.arn));
  }
  for (const auto& [name, group] : data.table<IamGroup>()) {
    p.attachmentCount += static_cast<int>(std::ranges::count(group.attachedPolicies, aws.arn));
  }
  return p;
}

Error noSuchPolicy(std::string_view arn) {
  return iam_errors::noSuchEntity("Policy " + std::string(arn) + " was not found.");
}

Result<IamManagedPolicy> readPolicy(const Data& data, const std::string& arn) {
  if (const auto* customer = data.find<IamManagedPolicy>(arn)) return *customer;
  if (const auto* aws = findAwsManagedPolicy(arn)) return asManaged(data, *aws);
  return noSuchPolicy(arn);
}

// A customer policy as this write sees it; AWS's cannot be changed.
Result<IamManagedPolicy> changeablePolicy(const Draft& draft, const std::string& arn) {
  if (findAwsManagedPolicy(arn) != nullptr) {
    return errors::make("AccessDenied", "AWS managed policies cannot be changed.", 403);
  }
  const auto* customer = draft.find<IamManagedPolicy>(arn);
  if (customer == nullptr) return noSuchPolicy(arn);
  return *customer;
}

std::string versionXml(const IamPolicyVersion& v, bool isDefault, bool withDocument) {
  std::string out;
  if (withDocument) out += "<Document>" + protocol::percentEncode(v.document) + "</Document>";
  return out + element("VersionId", v.id) +
         element("IsDefaultVersion", isDefault ? "true" : "false") +
         element("CreateDate", iso8601(v.createDate));
}

Later<std::string> createPolicy(const Identity& id, const CallContext&, const QueryInput& in) {
  IamManagedPolicy p;
  p.name = in.name("PolicyName", 128);
  p.path = in.path();
  p.description = in.optional("Description").value_or("");
  const std::string document = in.required("PolicyDocument");
  orThrow(iam::parsePolicy(document, iam::PolicyKind::Managed));
  p.arn = id.arn("policy", p.path, p.name);
  p.id = security::newUniqueId("ANPA");
  p.createDate = p.updateDate = id.now();
  p.versions = {{"v1", document, p.createDate}};
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    if (draft.find<IamManagedPolicy>(p.arn) != nullptr) {
      return iam_errors::entityAlreadyExists("A policy called " + p.name +
                                             " already exists. Duplicate names are not allowed.");
    }
    draft.putRow(p);
    return "<Policy>" + policyXml(p) + "</Policy>";
  }));
}

Later<std::string> getPolicy(const Identity& id, const CallContext&, const QueryInput& in) {
  const std::string arn = in.required("PolicyArn");
  co_return orThrow(id.state.read([&](const Data& data) -> Result<std::string> {
    auto p = readPolicy(data, arn);
    if (!p) return p.error();
    return "<Policy>" + policyXml(*p) + "</Policy>";
  }));
}

Later<std::string> listPolicies(const Identity& id, const CallContext&, const QueryInput& in) {
  const std::string scope = in.optional("Scope").value_or("All");
  const bool onlyAttached = in.flag("OnlyAttached");
  const std::string prefix = in.optional("PathPrefix").value_or("/");
  co_return id.state.read([&](const Data& data) {
    std::vector<std::string> items;
    const auto consider = [&](const IamManagedPolicy& p) {
      if (p.path.starts_with(prefix) && (!onlyAttached || p.attachmentCount > 0)) {
        items.push_back(policyXml(p));
      }
    };
    if (scope != "Local") {
      for (const auto& aws : awsManagedPolicies()) consider(asManaged(data, aws));
    }
    if (scope != "AWS") {
      for (const auto& [arn, p] : data.table<IamManagedPolicy>()) consider(p);
    }
    return pagedXml("Policies", items, in);
  });
}

Later<std::string> deletePolicy(const Identity& id, const CallContext&, const QueryInput& in) {
  const std::string arn = in.required("PolicyArn");
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    auto p = changeablePolicy(draft, arn);
    if (!p) return p.error();
    if (p->attachmentCount > 0) {
      return iam_errors::deleteConflict("Cannot delete a policy attached to entities.");
    }
    if (p->versions.size() > 1) {
      return iam_errors::deleteConflict(
          "This policy has more than one version. Before you delete a policy, you must delete "
          "the policy's versions. The default version is deleted with the policy.");
    }
    draft.removeRow<IamManagedPolicy>(arn);
    return std::string();
  }));
}

Later<std::string> createPolicyVersion(const Identity& id, const CallContext&,
                                       const QueryInput& in) {
  const std::string arn = in.required("PolicyArn");
  const std::string document = in.required("PolicyDocument");
  const bool setAsDefault = in.flag("SetAsDefault");
  orThrow(iam::parsePolicy(document, iam::PolicyKind::Managed));
  const double now = id.now();
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    auto p = changeablePolicy(draft, arn);
    if (!p) return p.error();
    if (p->versions.size() >= kVersionsPerPolicy) {
      return iam_errors::limitExceeded(
          "A managed policy can have up to 5 versions. Before you create a new version, you "
          "must delete an existing version.");
    }
    IamPolicyVersion version{"v" + std::to_string(p->nextVersion++), document, now};
    p->versions.push_back(version);
    if (setAsDefault) p->defaultVersion = version.id;
    p->updateDate = now;
    const std::string out = "<PolicyVersion>" + versionXml(version, setAsDefault, false) +
                            "</PolicyVersion>";
    draft.putRow(std::move(*p));
    return out;
  }));
}

Later<std::string> getPolicyVersion(const Identity& id, const CallContext&,
                                    const QueryInput& in) {
  const std::string arn = in.required("PolicyArn");
  const std::string versionId = in.required("VersionId");
  co_return orThrow(id.state.read([&](const Data& data) -> Result<std::string> {
    auto p = readPolicy(data, arn);
    if (!p) return p.error();
    const auto it = std::ranges::find(p->versions, versionId, &IamPolicyVersion::id);
    if (it == p->versions.end()) {
      return iam_errors::noSuchEntity("Policy " + arn + " version " + versionId +
                                      " does not exist or is not attachable.");
    }
    return "<PolicyVersion>" + versionXml(*it, it->id == p->defaultVersion, true) +
           "</PolicyVersion>";
  }));
}

Later<std::string> listPolicyVersions(const Identity& id, const CallContext&,
                                      const QueryInput& in) {
  const std::string arn = in.required("PolicyArn");
  co_return orThrow(id.state.read([&](const Data& data) -> Result<std::string> {
    auto p = readPolicy(data, arn);
    if (!p) return p.error();
    std::vector<std::string> items;
    // Newest first, as IAM lists them.
    for (auto it = p->versions.rbegin(); it != p->versions.rend(); ++it) {
      items.push_back(versionXml(*it, it->id == p->defaultVersion, false));
    }
    return pagedXml("Versions", items, in);
  }));
}

Later<std::string> deletePolicyVersion(const Identity& id, const CallContext&,
                                       const QueryInput& in) {
  const std::string arn = in.required("PolicyArn");
  const std::string versionId = in.required("VersionId");
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    auto p = changeablePolicy(draft, arn);
    if (!p) return p.error();
    if (versionId == p->defaultVersion) {
      return iam_errors::deleteConflict("Cannot delete the default version of a policy.");
    }
    if (std::erase_if(p->versions, [&](const auto& v) { return v.id == versionId; }) == 0) {
      return iam_errors::noSuchEntity("Policy " + arn + " version " + versionId +
                                      " does not exist.");
    }
    draft.putRow(std::move(*p));
    return std::string();
  }));
}

Later<std::string> setDefaultPolicyVersion(const Identity& id, const CallContext&,
                                           const QueryInput& in) {
  const std::string arn = in.required("PolicyArn");
  const std::string versionId = in.required("VersionId");
  const double now = id.now();
  co_return orThrow(co_await id.state.committed([&](Draft& draft) -> Result<std::string> {
    auto p = changeablePolicy(draft, arn);
    if (!p) return p.error();
    if (std::ranges::find(p->versions, versionId, &IamPolicyVersion::id) == p->versions.end()) {
      return iam_errors::noSuchEntity("Policy " + arn + " version " + versionId +
                                      " does not exist.");
    }
    p->defaultVersion = versionId;
    p->updateDate = now;
    draft.putRow(std::move(*p));
    return std::string();
  }));
}

std::vector<std::string> policyResource(const Identity& id, const QueryInput& in) {
  if (auto arn = in.optional("PolicyArn")) return {*arn};
  if (auto name = in.optional("PolicyName")) return {id.arn("policy", in.path(), *name)};
  return {"*"};
}

}  // namespace

void addManagedPolicyOperations(IdentityRouter& router) {
  router.add("CreatePolicy", Access::kWrite, policyResource, createPolicy);
  router.add("GetPolicy", Access::kRead, policyResource, getPolicy);
  router.add("ListPolicies", Access::kRead, policyResource, listPolicies);
  router.add("DeletePolicy", Access::kWrite, policyResource, deletePolicy);
  router.add("CreatePolicyVersion", Access::kWrite, policyResource, createPolicyVersion);
  router.add("GetPolicyVersion", Access::kRead, policyResource, getPolicyVersion);
  router.add("ListPolicyVersions", Access::kRead, policyResource, listPolicyVersions);
  router.add("DeletePolicyVersion", Access::kWrite, policyResource, deletePolicyVersion);
  router.add("SetDefaultPolicyVersion", Access::kWrite, policyResource, setDefaultPolicyVersion);
}

}  // namespace ecsd::identity
