// CreateCluster, DescribeClusters, ListClusters, DeleteCluster, UpdateCluster,
// UpdateClusterSettings.
#include "ecsd/errors.h"
#include "operations/lookups.h"
#include "operations/pagination.h"
#include "operations/render.h"
#include "operations/router.h"

namespace ecsd::operations {

namespace {

using nlohmann::json;
using protocol::ApiError;
using protocol::CallContext;
using protocol::orThrow;
using protocol::RequestReader;

std::vector<ClusterSetting> readSettings(const RequestReader& in) {
  std::vector<ClusterSetting> settings;
  for (const auto& item : in.list("settings")) {
    if (!item.is_object() || !item.value("name", json()).is_string() ||
        !item.value("value", json()).is_string()) {
      throw ApiError(errors::serialization("Each setting needs a string name and value"));
    }
    const std::string name = item["name"];
    const std::string value = item["value"];
    if (name != "containerInsights") {
      throw ApiError(errors::invalidParameter("Unknown cluster setting: " + name +
                                              ". The only setting is containerInsights."));
    }
    if (value != "enabled" && value != "disabled" && value != "enhanced") {
      throw ApiError(errors::invalidParameter(
          "containerInsights must be enabled, disabled or enhanced, not '" + value + "'."));
    }
    settings.push_back({name, value});
  }
  return settings;
}

void applySettings(Cluster& cluster, const std::vector<ClusterSetting>& settings) {
  for (const auto& setting : settings) {
    auto it = std::find_if(cluster.settings.begin(), cluster.settings.end(),
                           [&](const ClusterSetting& s) { return s.name == setting.name; });
    if (it == cluster.settings.end()) {
      cluster.settings.push_back(setting);
    } else {
      it->value = setting.value;
    }
  }
}

json clusterOutput(const StateView& view, const Cluster& cluster) {
  return {{"cluster", renderCluster(cluster, view.counts(cluster.name), writeResponseFields())}};
}

Later<json> createCluster(const Services& s, const CallContext&, const RequestReader& in) {
  const std::string name = in.optString("clusterName").value_or("default");
  if (!isValidName(name)) {
    throw ApiError(errors::invalidParameter(
        "Cluster names must be 1 to 255 letters (uppercase and lowercase), numbers, hyphens and "
        "underscores."));
  }
  if (!in.list("capacityProviders").empty() ||
      !in.list("defaultCapacityProviderStrategy").empty()) {
    throw ApiError(errors::unsupportedFeature("ecsd does not support capacity providers yet."));
  }
  Cluster wanted{name,
                 s.arns.cluster(name),
                 "ACTIVE",
                 {{"containerInsights", "disabled"}},
                 in.optObject("configuration"),
                 in.optObject("serviceConnectDefaults"),
                 in.tags("tags")};
  applySettings(wanted, readSettings(in));
  co_return orThrow(co_await s.state.committed([&](Draft& draft) -> Result<json> {
    // Creating an existing cluster answers with it, unchanged, as ECS does.
    const Cluster* existing = draft.cluster(name);
    if (existing && existing->status == "ACTIVE") return clusterOutput(draft, *existing);
    draft.put(wanted);
    return clusterOutput(draft, wanted);
  }));
}

json describeClusters(const Services& s, const CallContext&, const RequestReader& in) {
  std::vector<std::string> references = in.stringList("clusters");
  if (references.empty()) references.push_back("default");
  if (references.size() > 100) {
    throw ApiError(errors::invalidParameter("At most 100 clusters can be described at once."));
  }
  const auto included =
      in.enumList("include", {"ATTACHMENTS", "CONFIGURATIONS", "SETTINGS", "STATISTICS", "TAGS"});
  const ClusterIncludes include(included.begin(), included.end());
  return s.state.read([&](const Data& data) {
    json output = {{"clusters", json::array()}, {"failures", json::array()}};
    for (const auto& reference : references) {
      const auto name = s.arns.clusterName(reference);
      const Cluster* cluster = name ? data.cluster(*name) : nullptr;
      if (cluster) {
        output["clusters"].push_back(renderCluster(*cluster, data.counts(cluster->name), include));
      } else {
        output["failures"].push_back(failure(name ? s.arns.cluster(*name) : reference, "MISSING"));
      }
    }
    return output;
  });
}

json listClusters(const Services& s, const CallContext&, const RequestReader& in) {
  std::vector<Listed> items = s.state.read([](const Data& data) {
    std::vector<Listed> out;
    for (const auto& [name, cluster] : data.clusters()) {
      if (cluster.status == "ACTIVE") out.push_back({cluster.arn, cluster.arn});
    }
    return out;
  });
  return listPage("clusterArns", std::move(items), in);
}

Later<json> deleteCluster(const Services& s, const CallContext&, const RequestReader& in) {
  const std::string name = orThrow(s.arns.clusterName(in.requiredString("cluster")));
  co_return orThrow(co_await s.state.committed([&](Draft& draft) -> Result<json> {
    Cluster cluster = activeCluster(draft, name);
    const ClusterCounts counts = draft.counts(name);
    if (counts.registeredContainerInstances > 0) {
      return errors::make("ClusterContainsContainerInstancesException",
                          "The Cluster cannot be deleted while Container Instances are active or "
                          "draining.");
    }
    if (counts.activeServices > 0) {
      return errors::make("ClusterContainsServicesException",
                          "The Cluster cannot be deleted while Services are active.");
    }
    if (counts.runningTasks + counts.pendingTasks > 0) {
      return errors::make("ClusterContainsTasksException",
                          "The Cluster cannot be deleted while Tasks are active.");
    }
    cluster.status = "INACTIVE";
    draft.put(cluster);
    return clusterOutput(draft, cluster);
  }));
}

// UpdateCluster and UpdateClusterSettings: change what the input names.
// What an update changes; null members are left as they are.
struct ClusterUpdate {
  std::vector<ClusterSetting> settings;
  json configuration;
  json serviceConnectDefaults;
};

Later<json> changeCluster(const Services& s, const RequestReader& in, ClusterUpdate update) {
  const std::string name = orThrow(s.arns.clusterName(in.requiredString("cluster")));
  co_return orThrow(co_await s.state.committed([&](Draft& draft) -> Result<json> {
    Cluster cluster = activeCluster(draft, name);
    applySettings(cluster, update.settings);
    if (!update.configuration.is_null()) cluster.configuration = update.configuration;
    if (!update.serviceConnectDefaults.is_null()) {
      cluster.serviceConnectDefaults = update.serviceConnectDefaults;
    }
    draft.put(cluster);
    return clusterOutput(draft, cluster);
  }));
}

Later<json> updateCluster(const Services& s, const CallContext&, const RequestReader& in) {
  return changeCluster(
      s, in,
      {readSettings(in), in.optObject("configuration"), in.optObject("serviceConnectDefaults")});
}

// Settings only: UpdateClusterSettings has no other members.
Later<json> updateClusterSettings(const Services& s, const CallContext&, const RequestReader& in) {
  if (in.list("settings").empty()) {
    throw ApiError(errors::invalidParameter("Missing required parameter: settings"));
  }
  return changeCluster(s, in, {readSettings(in), nullptr, nullptr});
}

}  // namespace

void addClusterOperations(Router& router) {
  router.add("CreateCluster", touching({{"clusterName", Names::kCluster}}), createCluster);
  router.add("DescribeClusters", touching({{"clusters", Names::kCluster}}), describeClusters);
  router.add("ListClusters", touching({}), listClusters);
  router.add("DeleteCluster", touching({{"cluster", Names::kCluster}}), deleteCluster);
  router.add("UpdateCluster", touching({{"cluster", Names::kCluster}}), updateCluster);
  router.add("UpdateClusterSettings", touching({{"cluster", Names::kCluster}}),
             updateClusterSettings);
}

}  // namespace ecsd::operations
