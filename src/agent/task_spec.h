// A task as ecsd's PayloadMessage describes it (api/agent-protocol.md, "Task
// entries"): what the agent is asked to run, overrides already applied.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/runtime/container_runtime.h"
#include "ecsd/result.h"

namespace ecsd::agent {

struct ContainerSpec {
  std::string name;
  std::string containerArn;
  std::string image;
  std::int64_t cpu = 0;
  std::optional<std::int64_t> memory;
  std::optional<std::int64_t> memoryReservation;
  bool essential = true;
  std::vector<std::string> command;
  std::vector<std::string> entryPoint;
  std::vector<std::string> links;         // "name:alias" or "name", names of this task's containers
  std::vector<PortBinding> portMappings;  // hostPort 0: dynamic
  std::vector<std::pair<std::string, std::string>> environment;
  std::optional<int> stopTimeoutSeconds;
  std::string workingDirectory;
  std::string user;
  std::string hostname;
  bool privileged = false;
  bool readonlyRootFilesystem = false;
  std::map<std::string, std::string> dockerLabels;
};

struct TaskSpec {
  std::string arn;
  std::string family;
  std::string version;
  std::string desiredStatus;  // "RUNNING" or "STOPPED"
  std::string networkMode = "bridge";
  std::vector<ContainerSpec> containers;

  // The part of the ARN after "task/" (and the cluster), e.g. "8b7d...".
  std::string id() const;
  const ContainerSpec* container(const std::string& name) const;
};

// Errors: a malformed entry (InvalidParameterException saying what is wrong).
Result<TaskSpec> parseTaskSpec(const nlohmann::json& entry);

// The containers in an order that starts every link target before the
// containers linking to it. Errors: a link to a container not in the task,
// or links that form a cycle.
Result<std::vector<const ContainerSpec*>> startOrder(const TaskSpec& task);

}  // namespace ecsd::agent
