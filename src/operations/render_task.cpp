#include "operations/render.h"

namespace ecsd::operations {

using nlohmann::json;

namespace {

void setTime(json& out, const char* name, const std::optional<double>& value) {
  if (value) out[name] = *value;
}

json renderContainer(const TaskContainer& c, const std::string& taskArn) {
  json out = {{"containerArn", c.arn},
              {"taskArn", taskArn},
              {"name", c.name},
              {"image", c.image},
              {"lastStatus", c.lastStatus},
              {"networkBindings", c.networkBindings},
              {"networkInterfaces", json::array()},
              {"healthStatus", "UNKNOWN"},
              {"cpu", std::to_string(c.cpu)}};
  if (c.memory) out["memory"] = std::to_string(*c.memory);
  if (c.memoryReservation) out["memoryReservation"] = std::to_string(*c.memoryReservation);
  if (c.exitCode) out["exitCode"] = *c.exitCode;
  if (!c.reason.empty()) out["reason"] = c.reason;
  return out;
}

}  // namespace

json renderTask(const Task& task, const ArnFactory& arns, const std::string& containerInstanceArn,
                bool withTags) {
  json containers = json::array();
  for (const auto& c : task.containers) containers.push_back(renderContainer(c, task.arn));
  json overrides = task.overrides.is_object() ? task.overrides : json::object();
  overrides.emplace("containerOverrides", json::array());
  overrides.emplace("inferenceAcceleratorOverrides", json::array());
  json out = {
      {"taskArn", task.arn},
      {"clusterArn", arns.cluster(task.cluster)},
      {"taskDefinitionArn", task.taskDefinitionArn},
      {"containerInstanceArn", containerInstanceArn},
      {"overrides", overrides},
      {"lastStatus", task.lastStatus},
      {"desiredStatus", task.desiredStatus},
      {"containers", containers},
      {"version", task.version},
      {"createdAt", task.createdAt},
      {"group", task.group},
      {"launchType", task.launchType},
      {"attachments", json::array()},
      {"attributes", json::array({{{"name", "ecs.cpu-architecture"}, {"value", "x86_64"}}})},
      {"healthStatus", "UNKNOWN"},
      {"enableExecuteCommand", false},
      {"tags", withTags ? tagsToJson(task.tags) : json::array()}};
  if (!task.cpu.empty()) out["cpu"] = task.cpu;
  if (!task.memory.empty()) out["memory"] = task.memory;
  if (!task.startedBy.empty()) out["startedBy"] = task.startedBy;
  if (!task.stoppedReason.empty()) out["stoppedReason"] = task.stoppedReason;
  if (!task.stopCode.empty()) out["stopCode"] = task.stopCode;
  setTime(out, "startedAt", task.startedAt);
  setTime(out, "stoppingAt", task.stoppingAt);
  setTime(out, "stoppedAt", task.stoppedAt);
  setTime(out, "pullStartedAt", task.pullStartedAt);
  setTime(out, "pullStoppedAt", task.pullStoppedAt);
  setTime(out, "executionStoppedAt", task.executionStoppedAt);
  return out;
}

}  // namespace ecsd::operations
