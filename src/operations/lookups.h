// Lookups many operations share: the cluster a call names, an instance or a
// task within it. Each throws ApiError with ECS's error when it finds nothing.
#pragma once

#include <string>

#include "ecsd/domain/arn.h"
#include "ecsd/state/state.h"
#include "protocol/request_reader.h"

namespace ecsd::operations {

// The name in the input's "cluster" member ("default" when absent).
std::string clusterName(const ArnFactory& arns, const protocol::RequestReader& in);
// The ACTIVE cluster of that name, or ClusterNotFoundException.
const Cluster& activeCluster(const StateView& view, const std::string& name);

// The container instance reference names in the cluster, or nullptr.
const ContainerInstance* findInstance(const StateView& view, const ArnFactory& arns,
                                      const std::string& cluster, const std::string& reference);
// The task the reference names in the cluster, or nullptr.
const Task* findTask(const StateView& view, const ArnFactory& arns, const std::string& cluster,
                     const std::string& reference);

}  // namespace ecsd::operations
