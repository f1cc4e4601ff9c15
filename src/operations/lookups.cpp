#include "operations/lookups.h"

#include "ecsd/errors.h"

namespace ecsd::operations {

std::string clusterName(const ArnFactory& arns, const protocol::RequestReader& in) {
  return protocol::orThrow(arns.clusterName(in.optString("cluster").value_or("default")));
}

const Cluster& activeCluster(const StateView& view, const std::string& name) {
  const Cluster* cluster = view.cluster(name);
  if (!cluster || cluster->status != "ACTIVE") throw protocol::ApiError(errors::clusterNotFound());
  return *cluster;
}

const ContainerInstance* findInstance(const StateView& view, const ArnFactory& arns,
                                      const std::string& cluster, const std::string& reference) {
  const auto id = arns.resourceId(reference, "container-instance");
  const ContainerInstance* instance = id ? view.instance(*id) : nullptr;
  return instance && instance->cluster == cluster ? instance : nullptr;
}

const Task* findTask(const StateView& view, const ArnFactory& arns, const std::string& cluster,
                     const std::string& reference) {
  const auto id = arns.resourceId(reference, "task");
  const Task* task = id ? view.task(*id) : nullptr;
  return task && task->cluster == cluster ? task : nullptr;
}

}  // namespace ecsd::operations
