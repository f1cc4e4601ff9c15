// Domain values in the JSON shapes ECS answers with.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "common/json_writer.h"
#include "ecsd/domain/arn.h"
#include "ecsd/domain/cluster.h"
#include "ecsd/domain/container_instance.h"
#include "ecsd/domain/service.h"
#include "ecsd/domain/task.h"
#include "ecsd/domain/task_definition.h"
#include "ecsd/state/state.h"
#include "protocol/json_protocol.h"

namespace ecsd::operations {

// DescribeClusters' include values: ATTACHMENTS, CONFIGURATIONS, SETTINGS, STATISTICS, TAGS.
using ClusterIncludes = std::set<std::string>;
// What CreateCluster, UpdateCluster(Settings) and DeleteCluster answer with.
const ClusterIncludes& writeResponseFields();

nlohmann::json renderCluster(const Cluster& cluster, const ClusterCounts& counts,
                             const ClusterIncludes& include);
nlohmann::json renderTaskDefinition(const TaskDefinition& definition);
// A Service as DescribeServices shows it (tags only when asked).
nlohmann::json renderService(const Service& service, const ArnFactory& arns, bool withTags);
// A task set of the service, as DescribeTaskSets shows it (tags only when asked).
nlohmann::json renderTaskSet(const TaskSet& taskSet, const Service& service,
                             const ArnFactory& arns, bool withTags);
nlohmann::json failure(const std::string& arn, const std::string& reason);

// A Describe* answer, {member: [items], failures: [MISSING ones]}, written
// straight to text. writeItem writes the item a reference names and says
// whether there was one; missingArn names a reference that had none.
protocol::Answer describedList(
    const char* member, const std::vector<std::string>& references,
    const std::function<bool(JsonWriter&, const std::string&)>& writeItem,
    const std::function<std::string(const std::string&)>& missingArn);

// {member: item}: an answer of one item, written straight to text.
protocol::Answer singleItem(const char* member, const std::function<void(JsonWriter&)>& writeItem);

// Tags in the API's shape, as the items of an array the caller opened.
void writeTags(JsonWriter& out, const Tags& tags);

// A ContainerInstance as DescribeContainerInstances shows it: registered and
// remaining resources in the seed's shape, ports in use as ECS lists them.
// Written straight to text: the lists of 100 are the largest answers.
void writeContainerInstance(JsonWriter& out, const ContainerInstance& instance, const Usage& usage,
                            bool agentConnected, bool withTags);
// A Task as RunTask and DescribeTasks show it.
void writeTask(JsonWriter& out, const Task& task, const ArnFactory& arns,
               const std::string& containerInstanceArn, bool withTags);

}  // namespace ecsd::operations
