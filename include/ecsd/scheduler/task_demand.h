// What a task needs of the instance that takes it: ECS's rules, from its
// definition and its containers as overridden, in one place.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ecsd/domain/task.h"
#include "ecsd/scheduler/placement.h"

namespace ecsd::scheduler {

// CPU: the task-level value when set, else the containers' sum. Memory: the
// task-level value when set, else the sum of each container's
// memoryReservation where it has one, else its memory. Host ports: each
// portMapping's (bridge: its hostPort, 0 for any; host: its containerPort;
// awsvpc and none take none). Attributes: those the definition requires.
TaskDemand demandOf(const nlohmann::json& definition, const std::vector<TaskContainer>& containers,
                    std::optional<std::int64_t> taskCpu, std::optional<std::int64_t> taskMemory,
                    std::string group);

}  // namespace ecsd::scheduler
