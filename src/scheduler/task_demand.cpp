#include "ecsd/scheduler/task_demand.h"

#include "ecsd/domain/task_definition_spec.h"

namespace ecsd::scheduler {

namespace {

using nlohmann::json;

void addPorts(TaskDemand& demand, const json& container, const std::string& mode) {
  if (mode == "awsvpc" || mode == "none") return;  // no host ports taken
  for (const auto& mapping : container.value("portMappings", json::array())) {
    if (!mapping.contains("containerPort")) continue;  // port ranges are not placed yet
    const int containerPort = mapping["containerPort"];
    const int hostPort = mode == "host" ? containerPort : mapping.value("hostPort", 0);
    demand.ports.push_back(
        {static_cast<std::uint16_t>(hostPort), mapping.value("protocol", "tcp") == "udp"});
  }
}

}  // namespace

TaskDemand demandOf(const json& definition, const std::vector<TaskContainer>& containers,
                    std::optional<std::int64_t> taskCpu, std::optional<std::int64_t> taskMemory,
                    std::string group) {
  TaskDemand demand;
  demand.group = std::move(group);
  demand.requiredAttributes = requiredAttributes(definition);
  for (const auto& c : containers) {
    demand.cpu += c.cpu;
    demand.memory += c.memoryReservation.value_or(c.memory.value_or(0));
  }
  const std::string mode = definition.value("networkMode", "bridge");
  for (const auto& c : definition.at("containerDefinitions")) addPorts(demand, c, mode);
  if (taskCpu) demand.cpu = *taskCpu;
  if (taskMemory) demand.memory = *taskMemory;
  return demand;
}

}  // namespace ecsd::scheduler
