// Joining the cluster: RegisterContainerInstance with this host's resources
// and attributes, retried until ecsd answers. As with the Amazon ECS agent,
// only the cluster named "default" is created when it does not exist; any
// other must be created first. After a restart the saved ARN is registered
// again, so the instance keeps its identity and its tasks.
#pragma once

#include <optional>
#include <string>

#include "agent/backoff.h"
#include "agent/config.h"
#include "agent/net/api_client.h"
#include "ecsd/result.h"

namespace ecsd::agent {

struct Registration {
  std::string containerInstanceArn;
  std::string clusterArn;
  std::int64_t cpuUnits = 0;
  std::int64_t memoryMiB = 0;
};

// The RegisterContainerInstance request for this host.
nlohmann::json registrationRequest(const AgentConfig& config, std::int64_t cpuUnits,
                                   std::int64_t memoryMiB, const std::string& dockerVersion,
                                   const std::string& agentVersion,
                                   const std::optional<std::string>& previousArn);

// "arn:aws:ecs:R:A:container-instance/CLUSTER/ID" -> "arn:aws:ecs:R:A:cluster/CLUSTER".
std::string clusterArnOf(const std::string& containerInstanceArn);

// Registers, retrying with backoff while ecsd cannot be reached or fails
// (an untrusted certificate is logged as an error naming ECSD_CA_BUNDLE).
// A saved ARN that ecsd no longer knows (the instance was deregistered)
// makes a new instance. Errors: stopped first; ClusterNotFoundException for
// a missing cluster other than "default" (the message says how to create
// it); or another refusal (bad credentials, invalid configuration) that
// retrying cannot mend.
Result<Registration> registerInstance(ApiTransport& api, const AgentConfig& config,
                                      const std::string& dockerVersion,
                                      const std::string& agentVersion,
                                      std::optional<std::string> previousArn,
                                      const StopSignal& stop);

}  // namespace ecsd::agent
