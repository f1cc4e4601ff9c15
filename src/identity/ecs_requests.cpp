#include "identity/ecs_requests.h"

#include <set>

namespace ecsd::identity {
namespace {

bool withoutResourceLevelPermissions(const std::string& name) {
  static const std::set<std::string, std::less<>> names = {
      "ListClusters",          "RegisterTaskDefinition",     "DeregisterTaskDefinition",
      "DescribeTaskDefinition", "ListTaskDefinitions",       "ListTaskDefinitionFamilies",
      "DeleteTaskDefinitions", "DiscoverPollEndpoint",       "ListAccountSettings",
      "PutAccountSetting",     "PutAccountSettingDefault",   "DeleteAccountSetting",
      "CreateCapacityProvider", "DescribeCapacityProviders", "ListServicesByNamespace"};
  return names.contains(name);
}

std::string typeOf(const std::string& reference) {
  const auto arn = parseEcsArn(reference);
  return arn ? arn->resourceType : "";
}

// "family" and "family:rev" as ARNs; the latest ACTIVE revision for a family.
std::string taskDefinitionArn(const std::string& reference, const ArnFactory& arns,
                              const State& state) {
  if (reference.starts_with("arn:")) return reference;
  return state.read([&](const Data& data) {
    if (const auto* latest = data.latestActive(reference)) return latest->arn;
    // None registered: the family's ARN without a revision (no policy's
    // "family:*" matches it; the handler answers that there is none).
    std::string arn = arns.taskDefinition(reference, 0);
    arn.resize(arn.size() - 2);  // ":0"
    return arn;
  });
}

void addTags(iam::ConditionContext& context, const nlohmann::json& input) {
  const auto tags = input.find("tags");
  if (tags == input.end() || !tags->is_array()) return;
  std::vector<std::string> keys;
  for (const auto& tag : *tags) {
    if (!tag.is_object() || !tag.contains("key") || !tag["key"].is_string()) continue;
    const std::string key = tag["key"];
    keys.push_back(key);
    context.set("aws:RequestTag/" + key, tag.value("value", std::string()));
  }
  context.set("aws:TagKeys", std::move(keys));
}

void addClusterTags(iam::ConditionContext& context, const std::string& clusterArn,
                    const ArnFactory& arns, const State& state) {
  const auto name = arns.clusterName(clusterArn);
  if (!name) return;
  state.read([&](const Data& data) {
    if (const auto* cluster = data.cluster(*name)) {
      for (const auto& tag : cluster->tags) context.set("aws:ResourceTag/" + tag.key, tag.value);
    }
    return 0;
  });
}

}  // namespace

std::vector<iam::Request> ecsRequests(const protocol::OperationDescriptor& operation,
                                      const protocol::Call& call, const ArnFactory& arns,
                                      const State& state, iam::ConditionContext context) {
  addTags(context, call.input);
  if (withoutResourceLevelPermissions(operation.name)) {
    return {{operation.action, "*", std::move(context)}};
  }
  std::vector<std::string> clusters, taskDefinitions, instances, others;
  for (auto& arn : operation.resources(call)) {
    const std::string type = typeOf(arn);
    if (type == "cluster") {
      clusters.push_back(std::move(arn));
    } else if (type == "task-definition" || type.empty()) {
      taskDefinitions.push_back(taskDefinitionArn(arn, arns, state));
    } else if (type == "container-instance") {
      instances.push_back(std::move(arn));
    } else {
      others.push_back(std::move(arn));
    }
  }
  if (!clusters.empty()) context.set("ecs:cluster", clusters.front());
  const auto one = [&](std::string resource, const iam::ConditionContext& with) {
    return iam::Request{operation.action, std::move(resource), with};
  };
  std::vector<iam::Request> requests;
  if (operation.name == "RunTask" || operation.name == "StartTask") {
    if (operation.name == "StartTask") context.set("ecs:container-instances", instances);
    if (taskDefinitions.size() == 1) {
      return {{operation.action, std::move(taskDefinitions.front()), std::move(context)}};
    }
    for (auto& definition : taskDefinitions) requests.push_back(one(definition, context));
    return requests;
  }
  if (operation.name == "CreateService" || operation.name == "UpdateService") {
    if (!taskDefinitions.empty()) context.set("ecs:task-definition", taskDefinitions.front());
    const std::string cluster = clusters.empty() ? "default" : *arns.clusterName(clusters.front());
    const std::string service = call.input.value(
        operation.name == "CreateService" ? "serviceName" : "service", std::string());
    requests.push_back(
        one(service.starts_with("arn:") ? service : arns.service(cluster, service), context));
    return requests;
  }
  for (auto& arn : instances) others.push_back(std::move(arn));
  if (!others.empty()) {
    for (auto& arn : others) requests.push_back(one(std::move(arn), context));
    return requests;
  }
  for (auto& arn : clusters) {
    iam::ConditionContext withTags = context;
    addClusterTags(withTags, arn, arns, state);
    requests.push_back(one(std::move(arn), withTags));
  }
  if (requests.empty()) requests.push_back(one("*", context));
  return requests;
}

}  // namespace ecsd::identity
