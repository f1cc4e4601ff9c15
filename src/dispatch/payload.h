// Tasks as a PayloadMessage carries them to the agent (api/agent-protocol.md).
#pragma once

#include <nlohmann/json.hpp>

#include "ecsd/domain/task.h"
#include "ecsd/domain/task_definition.h"

namespace ecsd::dispatch {

// One "tasks" entry: arn, family, version, desiredStatus, and the containers
// with the definition's settings and the task's overrides applied
// (environment as a name -> value map, hostPort 0 = dynamic).
nlohmann::json payloadTask(const Task& task, const TaskDefinition& definition);

}  // namespace ecsd::dispatch
