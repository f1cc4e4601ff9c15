// What an ECS call asks of IAM: one request (action, resource, condition
// keys) per resource it acts on, as the Service Authorization Reference
// lists them for Amazon ECS, from the resources its descriptor names
// (operations/touches.h):
//   RunTask, StartTask        the task definition (family:revision; a bare
//                             family is its latest ACTIVE revision), with
//                             ecs:cluster, and for StartTask ecs:container-instances
//   CreateService, UpdateService ... the service, with ecs:cluster and ecs:task-definition
//   task definition calls, ListClusters and other calls without resource-level
//   permissions               "*"
//   calls on tasks, services, container instances
//                             each of them, with ecs:cluster
//   other calls on a cluster  the cluster (each, for DescribeClusters)
// aws:ResourceTag/KEY holds a cluster's tags (a cluster's is the data at hand);
// aws:RequestTag/KEY and aws:TagKeys the call's "tags".
#pragma once

#include <vector>

#include "ecsd/domain/arn.h"
#include "ecsd/iam/request.h"
#include "ecsd/state/state.h"
#include "protocol/json_protocol.h"
#include "protocol/operation_descriptor.h"

namespace ecsd::identity {

// context holds the global condition keys; each request starts from it.
std::vector<iam::Request> ecsRequests(const protocol::OperationDescriptor& operation,
                                      const protocol::Call& call, const ArnFactory& arns,
                                      const State& state, iam::ConditionContext context);

}  // namespace ecsd::identity
