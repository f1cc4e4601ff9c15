// Domain values in the JSON shapes ECS answers with.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "ecsd/domain/arn.h"
#include "ecsd/domain/cluster.h"
#include "ecsd/domain/container_instance.h"
#include "ecsd/domain/task.h"
#include "ecsd/domain/task_definition.h"
#include "ecsd/state/state.h"

namespace ecsd::operations {

// DescribeClusters' include values: ATTACHMENTS, CONFIGURATIONS, SETTINGS, STATISTICS, TAGS.
using ClusterIncludes = std::set<std::string>;
// What CreateCluster, UpdateCluster(Settings) and DeleteCluster answer with.
const ClusterIncludes& writeResponseFields();

nlohmann::json renderCluster(const Cluster& cluster, const ClusterCounts& counts,
                             const ClusterIncludes& include);
nlohmann::json renderTaskDefinition(const TaskDefinition& definition);
nlohmann::json failure(const std::string& arn, const std::string& reason);

// A ContainerInstance as DescribeContainerInstances shows it: registered and
// remaining resources in the seed's shape, ports in use as ECS lists them.
nlohmann::json renderContainerInstance(const ContainerInstance& instance, const Usage& usage,
                                       bool agentConnected, bool withTags);
// A Task as RunTask and DescribeTasks show it.
nlohmann::json renderTask(const Task& task, const ArnFactory& arns,
                          const std::string& containerInstanceArn, bool withTags);

}  // namespace ecsd::operations
