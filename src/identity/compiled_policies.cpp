#include "identity/compiled_policies.h"

#include <spdlog/spdlog.h>

#include <mutex>

#include "identity/aws_managed_policies.h"

namespace ecsd::identity {
namespace {

void addPolicy(CompiledPrincipal& out, std::string_view document, iam::PolicyKind kind,
               std::string label) {
  auto parsed = iam::parsePolicy(document, kind);
  if (!parsed) {
    // Checked when it was stored; a document that no longer parses allows nothing.
    spdlog::error("msg=\"stored policy does not parse\" policy={} error={}", label,
                  parsed.error().message);
    return;
  }
  out.policies.push_back(std::move(*parsed));
  out.labels.push_back(std::move(label));
}

void addAttached(CompiledPrincipal& out, const Data& data, const std::vector<std::string>& arns) {
  for (const auto& arn : arns) {
    if (const auto* customer = data.find<IamManagedPolicy>(arn)) {
      for (const auto& version : customer->versions) {
        if (version.id == customer->defaultVersion) {
          addPolicy(out, version.document, iam::PolicyKind::Managed, arn);
        }
      }
    } else if (const auto* aws = findAwsManagedPolicy(arn)) {
      addPolicy(out, aws->document, iam::PolicyKind::Managed, arn);
    }
  }
}

template <class Row>
void addInline(CompiledPrincipal& out, const Row& row, std::string_view kind) {
  for (const auto& p : row.policies) {
    addPolicy(out, p.document, iam::PolicyKind::Inline,
              std::string(kind) + "/" + row.name + "/" + p.name);
  }
}

}  // namespace

CompiledPrincipal compilePrincipal(const Data& data, std::string_view userName) {
  CompiledPrincipal out;
  const IamUser* user = data.find<IamUser>(userName);
  if (user == nullptr) return out;
  out.exists = true;
  out.arn = user->arn;
  out.id = user->id;
  addInline(out, *user, "user");
  addAttached(out, data, user->attachedPolicies);
  for (const auto& groupName : user->groups) {
    if (const auto* group = data.find<IamGroup>(groupName)) {
      addInline(out, *group, "group");
      addAttached(out, data, group->attachedPolicies);
    }
  }
  for (const auto& policy : out.policies) out.pointers.push_back(&policy);
  return out;
}

std::shared_ptr<const CompiledPrincipal> CompiledPolicies::of(std::string_view userName) const {
  const std::uint64_t generation = generation_.load();
  {
    std::shared_lock lock(mutex_);
    const auto it = cache_.find(userName);
    if (it != cache_.end() && it->second.generation == generation) return it->second.compiled;
  }
  auto compiled = std::make_shared<const CompiledPrincipal>(
      state_.read([&](const Data& data) { return compilePrincipal(data, userName); }));
  std::unique_lock lock(mutex_);
  cache_.insert_or_assign(std::string(userName), Entry{generation, compiled});
  return compiled;
}

void CompiledPolicies::changed(const ChangeSet& changes) {
  if (changes.of<IamUser>().empty() && changes.of<IamGroup>().empty() &&
      changes.of<IamManagedPolicy>().empty()) {
    return;
  }
  ++generation_;
}

}  // namespace ecsd::identity
