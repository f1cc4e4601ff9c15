// What a task of a definition, with overrides, needs and is made of: the
// scheduler's demand and the task's containers, before it has an instance.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ecsd/domain/task.h"
#include "ecsd/domain/task_definition.h"
#include "ecsd/scheduler/placement.h"

namespace ecsd::operations {

struct TaskPlan {
  scheduler::TaskDemand demand;
  std::vector<TaskContainer> containers;  // without ARNs yet
  std::string cpu;                        // task-level, "" when none
  std::string memory;
};

// Throws ApiError (InvalidParameterException) for overrides naming unknown
// containers or malformed values. The demand is scheduler::demandOf's.
TaskPlan planTask(const TaskDefinition& definition, const nlohmann::json& overrides,
                  const std::string& group);

}  // namespace ecsd::operations
