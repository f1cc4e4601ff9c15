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
// RunTask's, CreateService's and CreateTaskSet's launch: EC2 only
// (InvalidParameterException), no capacity providers (UnsupportedFeatureException).
void refuseOtherLaunchTypes(const protocol::RequestReader& in);

// The ACTIVE task definition a service or task set is to run, by family,
// family:revision or ARN; ClientException when there is none.
const TaskDefinition& serviceDefinition(const StateView& view, const ArnFactory& arns,
                                        const std::string& reference);
// The service a reference (a name, or an ARN of this cluster) names, or nullptr.
const Service* findService(const StateView& view, const ArnFactory& arns,
                           const std::string& cluster, const std::string& reference);

}  // namespace ecsd::operations
