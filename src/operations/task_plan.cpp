#include "operations/task_plan.h"

#include "ecsd/domain/task_definition_spec.h"
#include "ecsd/domain/task_overrides.h"
#include "ecsd/errors.h"
#include "ecsd/scheduler/task_demand.h"
#include "protocol/request_reader.h"

namespace ecsd::operations {

namespace {

using nlohmann::json;
using protocol::ApiError;

std::optional<std::int64_t> number(const json& source, const char* member) {
  const auto it = source.find(member);
  if (it == source.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
    throw ApiError(errors::invalidParameter(std::string(member) +
                                            " overrides must be non-negative integers."));
  }
  return it->get<std::int64_t>();
}

void checkOverrideNames(const json& overrides, const json& definitions) {
  for (const auto& o : containerOverrides(overrides)) {
    const std::string name = o.is_object() ? o.value("name", "") : "";
    const bool known = std::any_of(definitions.begin(), definitions.end(),
                                   [&](const json& c) { return c.value("name", "") == name; });
    if (!known) {
      throw ApiError(errors::invalidParameter("Override for container named " + name +
                                              " is not a container in the TaskDefinition."));
    }
  }
}

std::string taskLevel(const json& overrides, const json& body, const char* member) {
  if (overrides.contains(member) && overrides[member].is_string()) return overrides[member];
  return body.value(member, "");
}

}  // namespace

TaskPlan planTask(const TaskDefinition& definition, const json& overrides,
                  const std::string& group) {
  const json& body = definition.body;
  const json& definitions = body.at("containerDefinitions");
  checkOverrideNames(overrides, definitions);
  TaskPlan plan;
  for (const auto& c : definitions) {
    const json* o = containerOverride(overrides, c.at("name").get<std::string>());
    const json& source = o ? *o : json::object();
    TaskContainer container;
    container.name = c.at("name");
    container.image = c.at("image");
    container.essential = c.value("essential", true);
    container.cpu = number(source, "cpu").value_or(c.value("cpu", 0L));
    container.memory = number(source, "memory");
    if (!container.memory && c.contains("memory"))
      container.memory = c["memory"].get<std::int64_t>();
    container.memoryReservation = number(source, "memoryReservation");
    if (!container.memoryReservation && c.contains("memoryReservation")) {
      container.memoryReservation = c["memoryReservation"].get<std::int64_t>();
    }
    plan.containers.push_back(std::move(container));
  }
  plan.cpu = taskLevel(overrides, body, "cpu");
  plan.memory = taskLevel(overrides, body, "memory");
  std::optional<std::int64_t> taskCpu, taskMemory;
  if (!plan.cpu.empty()) {
    taskCpu = parseTaskCpu(plan.cpu);
    if (!taskCpu) throw ApiError(errors::invalidParameter("Invalid task cpu: " + plan.cpu));
  }
  if (!plan.memory.empty()) {
    taskMemory = parseTaskMemory(plan.memory);
    if (!taskMemory)
      throw ApiError(errors::invalidParameter("Invalid task memory: " + plan.memory));
  }
  plan.demand = scheduler::demandOf(body, plan.containers, taskCpu, taskMemory, group);
  return plan;
}

}  // namespace ecsd::operations
