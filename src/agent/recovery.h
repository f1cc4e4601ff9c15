// After an agent restart: finds the containers this instance created before
// (by their labels), keeps those of tasks ecsd still counts as live for the
// engine to adopt, and removes the rest, so nothing runs twice and nothing is
// left orphaned.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/backoff.h"
#include "agent/net/api_client.h"
#include "agent/runtime/container_runtime.h"

namespace ecsd::agent {

using ContainersByTask = std::map<std::string, std::vector<ContainerState>>;

// The containers labelled with one of `instanceArns` (the current ARN, and a
// previous one the instance had before it registered anew). Those of the
// current instance whose task ecsd still has live are returned; all others
// are removed. Retries while the runtime or ecsd cannot be reached.
Result<ContainersByTask> recoverContainers(ContainerRuntime& runtime, ApiTransport& api,
                                           const std::string& cluster,
                                           const std::string& instanceArn,
                                           const std::vector<std::string>& previousArns,
                                           const StopSignal& stop);

}  // namespace ecsd::agent
