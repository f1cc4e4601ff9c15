// What the agent tells ecsd about its tasks: the members of
// SubmitTaskStateChange and SubmitContainerStateChange.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
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

// The longest reasons the Amazon ECS agent sends (bytes): a task's and a
// container's (its ecs_client.go: ecsMaxTaskReasonLength and, since 2025,
// ecsMaxContainerReasonLength).
inline constexpr std::size_t kMaxTaskReasonLength = 1024;
inline constexpr std::size_t kMaxContainerReasonLength = 1024;

// `reason` in at most `limit` bytes. A longer one keeps its beginning (the
// error's type) and its end (for a Docker error, the cause: "... bind:
// address already in use"), joined by " ... " where its middle was; never
// cuts a UTF-8 character.
std::string shortenedReason(std::string_view reason, std::size_t limit);

// The API calls a change makes: (operation, request) pairs, in order.
// Reasons are shortened to the limits above.
std::vector<std::pair<std::string, nlohmann::json>> stateChangeCalls(const std::string& cluster,
                                                                     const TaskStateChange& change);

}  // namespace ecsd::agent
