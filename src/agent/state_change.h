// What the agent tells ecsd about its tasks: the members of
// SubmitTaskStateChange and SubmitContainerStateChange.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "agent/runtime/container_runtime.h"

namespace ecsd::agent {

struct ContainerStateChange {
  std::string containerName;
  std::string runtimeId;  // the Docker container id, when there is one
  std::string status;     // "RUNNING" or "STOPPED"
  std::optional<int> exitCode;
  std::string reason;
  std::vector<PortBinding> networkBindings;  // real host ports
};

// With a status: a SubmitTaskStateChange carrying the containers. Without:
// one SubmitContainerStateChange per container (the task itself goes on).
struct TaskStateChange {
  std::string taskArn;
  std::optional<std::string> status;
  std::string reason;
  std::vector<ContainerStateChange> containers;
  std::optional<double> pullStartedAt;
  std::optional<double> pullStoppedAt;
  std::optional<double> executionStoppedAt;
};

// The API calls a change makes: (operation, request) pairs, in order.
std::vector<std::pair<std::string, nlohmann::json>> stateChangeCalls(const std::string& cluster,
                                                                     const TaskStateChange& change);

}  // namespace ecsd::agent
