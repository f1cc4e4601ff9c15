// Making the tasks a placement decided, in a write's draft: RunTask's,
// StartTask's and the service scheduler's.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ecsd/domain/tag.h"
#include "ecsd/domain/task.h"
#include "ecsd/domain/task_definition.h"
#include "ecsd/scheduler/placement.h"
#include "ecsd/state/state.h"
#include "operations/router.h"
#include "operations/task_plan.h"

namespace ecsd::operations {

// What every task of one request carries, whoever asked.
struct TaskOrigin {
  std::string cluster;
  nlohmann::json overrides = nlohmann::json::object();
  std::string startedBy;
  Tags tags;
};

// Puts a PENDING task in the draft for each placement, and returns them.
std::vector<Task> createTasks(const Services& s, Draft& draft, const TaskOrigin& origin,
                              const TaskDefinition& definition, const TaskPlan& plan,
                              const scheduler::Outcome& outcome);

}  // namespace ecsd::operations
