#include "operations/render.h"

namespace ecsd::operations {

using nlohmann::json;

void writeTags(JsonWriter& out, const Tags& tags) {
  for (const auto& tag : tags)
    out.beginObject().member("key", tag.key).member("value", tag.value).endObject();
}

const ClusterIncludes& writeResponseFields() {
  static const ClusterIncludes fields = {"CONFIGURATIONS", "SETTINGS", "TAGS"};
  return fields;
}

namespace {
json statistics(const ClusterCounts& counts) {
  // ECS reports these by launch type; everything here runs on EC2-style hosts.
  const auto stat = [](const char* name, int value) {
    return json{{"name", name}, {"value", std::to_string(value)}};
  };
  return json::array(
      {stat("runningEC2TasksCount", counts.runningTasks), stat("runningFargateTasksCount", 0),
       stat("pendingEC2TasksCount", counts.pendingTasks), stat("pendingFargateTasksCount", 0),
       stat("activeEC2ServiceCount", counts.activeServices), stat("activeFargateServiceCount", 0),
       stat("drainingEC2ServiceCount", counts.drainingServices), stat("drainingFargateServiceCount", 0)});
}
}  // namespace

json renderCluster(const Cluster& cluster, const ClusterCounts& counts,
                   const ClusterIncludes& include) {
  json out = {
      {"clusterArn", cluster.arn},
      {"clusterName", cluster.name},
      {"status", cluster.status},
      {"registeredContainerInstancesCount", counts.registeredContainerInstances},
      {"runningTasksCount", counts.runningTasks},
      {"pendingTasksCount", counts.pendingTasks},
      {"activeServicesCount", counts.activeServices},
      {"statistics", include.contains("STATISTICS") ? statistics(counts) : json::array()},
      {"tags", include.contains("TAGS") ? tagsToJson(cluster.tags) : json::array()},
      {"capacityProviders", json::array()},
      {"defaultCapacityProviderStrategy", json::array()},
  };
  if (include.contains("SETTINGS")) {
    json settings = json::array();
    for (const auto& s : cluster.settings)
      settings.push_back({{"name", s.name}, {"value", s.value}});
    out["settings"] = std::move(settings);
  }
  if (include.contains("CONFIGURATIONS") && !cluster.configuration.is_null()) {
    out["configuration"] = cluster.configuration;
  }
  if (include.contains("ATTACHMENTS")) out["attachments"] = json::array();
  if (!cluster.serviceConnectDefaults.is_null()) {
    out["serviceConnectDefaults"] = cluster.serviceConnectDefaults;
  }
  return out;
}

json renderTaskDefinition(const TaskDefinition& definition) {
  json out = definition.body;
  out["taskDefinitionArn"] = definition.arn;
  out["revision"] = definition.revision;
  out["status"] = definition.status;
  out["registeredAt"] = definition.registeredAt;
  out["registeredBy"] = definition.registeredBy;
  if (definition.deregisteredAt) out["deregisteredAt"] = *definition.deregisteredAt;
  if (definition.deleteRequestedAt) out["deleteRequestedAt"] = *definition.deleteRequestedAt;
  // Every definition here can run on the hosts ecsd manages; awsvpc ones
  // with task-level cpu and memory could also run on Fargate in ECS.
  json compatibilities = json::array({"EXTERNAL", "EC2"});
  if (definition.body.value("networkMode", "") == "awsvpc" && definition.body.contains("cpu") &&
      definition.body.contains("memory")) {
    compatibilities.push_back("FARGATE");
  }
  out["compatibilities"] = std::move(compatibilities);
  return out;
}

json failure(const std::string& arn, const std::string& reason) {
  return {{"arn", arn}, {"reason", reason}};
}

protocol::Answer singleItem(const char* member, const std::function<void(JsonWriter&)>& writeItem) {
  JsonWriter out;
  out.beginObject().key(member);
  writeItem(out);
  out.endObject();
  return protocol::Answer::text(out.take());
}

protocol::Answer describedList(
    const char* member, const std::vector<std::string>& references,
    const std::function<bool(JsonWriter&, const std::string&)>& writeItem,
    const std::function<std::string(const std::string&)>& missingArn) {
  JsonWriter out(2048 * references.size());  // about what an instance takes
  std::vector<const std::string*> missing;
  out.beginObject().key(member).beginArray();
  for (const auto& reference : references) {
    if (!writeItem(out, reference)) missing.push_back(&reference);
  }
  out.endArray().key("failures").beginArray();
  for (const std::string* reference : missing) {
    out.beginObject().member("arn", missingArn(*reference)).member("reason", "MISSING").endObject();
  }
  out.endArray().endObject();
  return protocol::Answer::text(out.take());
}

}  // namespace ecsd::operations
