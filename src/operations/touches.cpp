#include "operations/touches.h"

#include <utility>

namespace ecsd::operations {

namespace {

// The member's references: one string or a list of them. A member of
// another type names nothing here; the handler answers that mistake.
std::vector<std::string> references(const nlohmann::json& input, const std::string& member) {
  const auto found = input.find(member);
  if (found == input.end()) return {};
  if (found->is_string()) return {found->get<std::string>()};
  std::vector<std::string> out;
  if (found->is_array()) {
    for (const auto& item : *found) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  }
  return out;
}

std::string arnOf(const ArnFactory& arns, Names names, const std::string& cluster,
                  const std::string& reference) {
  if (reference.starts_with("arn:")) return reference;
  switch (names) {
    case Names::kTaskDefinition: {
      const auto colon = reference.rfind(':');
      if (colon == std::string::npos) return reference;
      const std::string revision = reference.substr(colon + 1);
      if (revision.empty() || revision.find_first_not_of("0123456789") != std::string::npos ||
          revision.size() > 9) {
        return reference;
      }
      return arns.taskDefinition(reference.substr(0, colon), std::stoi(revision));
    }
    case Names::kContainerInstance:
      return arns.containerInstance(cluster, reference);
    case Names::kTask:
      return arns.task(cluster, reference);
    case Names::kService:
      return arns.service(cluster, reference);
    case Names::kCluster:
    case Names::kArn:
      break;
  }
  return reference;
}

}  // namespace

Touches touching(std::vector<Member> members) {
  return [members = std::move(members)](const ArnFactory& arns, const nlohmann::json& input) {
    std::vector<std::string> touched;
    std::string cluster = "default";
    for (const auto& member : members) {
      if (member.names != Names::kCluster) continue;
      auto named = references(input, member.name);
      if (named.empty()) named.push_back("default");  // what ECS takes when none is named
      for (std::size_t i = 0; i < named.size(); ++i) {
        auto name = arns.clusterName(named[i]);
        if (!name) continue;
        if (i == 0) cluster = *name;  // the call's cluster, where its instances and tasks are
        touched.push_back(arns.cluster(*name));
      }
    }
    for (const auto& member : members) {
      if (member.names == Names::kCluster) continue;
      for (const auto& reference : references(input, member.name)) {
        touched.push_back(arnOf(arns, member.names, cluster, reference));
      }
    }
    return touched;
  };
}

}  // namespace ecsd::operations
