// One running (or starting, or stopped) instance of a task definition.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ecsd/domain/resources.h"
#include "ecsd/domain/tag.h"

namespace ecsd {

struct TaskContainer {
  std::string arn;
  std::string name;
  std::string image;
  std::string lastStatus = "PENDING";  // PENDING | RUNNING | STOPPED
  std::optional<int> exitCode;
  std::string reason;
  std::string runtimeId;  // the container's id in its runtime (Docker's), once the agent says
  nlohmann::json networkBindings = nlohmann::json::array();
  std::int64_t cpu = 0;
  std::optional<std::int64_t> memory;
  std::optional<std::int64_t> memoryReservation;
  bool essential = true;
};

struct Task {
  std::string id;   // the UUID at the end of the ARN
  std::string arn;  // arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/ID
  std::string cluster;
  std::string containerInstanceId;
  std::string taskDefinitionArn;
  std::string family;
  int revision = 0;
  std::string lastStatus = "PENDING";     // PENDING | RUNNING | STOPPED
  std::string desiredStatus = "RUNNING";  // RUNNING | STOPPED
  nlohmann::json overrides;               // TaskOverride as given
  std::vector<TaskContainer> containers;
  std::string group;
  std::string startedBy;
  std::string launchType = "EC2";
  std::string cpu;  // task-level, as the definition or overrides say ("" if none)
  std::string memory;
  double createdAt = 0;
  std::optional<double> startedAt, stoppingAt, stoppedAt, pullStartedAt, pullStoppedAt,
      executionStoppedAt;
  std::string stoppedReason;
  std::string stopCode;  // TaskFailedToStart | EssentialContainerExited | UserInitiated | ...
  std::int64_t version = 1;
  Tags tags;
  // What it holds on its instance until it is STOPPED, dynamic host ports included.
  Resources held;

  bool live() const { return lastStatus != "STOPPED"; }
};

}  // namespace ecsd
