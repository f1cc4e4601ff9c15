#include "operations/render.h"

namespace ecsd::operations {

using nlohmann::json;

namespace {

void writeTime(JsonWriter& out, const char* name, const std::optional<double>& value) {
  if (value) out.member(name, *value);
}

void writeContainer(JsonWriter& out, const TaskContainer& c, const std::string& taskArn) {
  out.beginObject();
  out.member("containerArn", c.arn).member("taskArn", taskArn).member("name", c.name);
  out.member("image", c.image).member("lastStatus", c.lastStatus);
  if (!c.runtimeId.empty()) out.member("runtimeId", c.runtimeId);
  out.member("networkBindings", c.networkBindings);
  out.key("networkInterfaces").beginArray().endArray();
  out.member("healthStatus", "UNKNOWN").member("cpu", std::to_string(c.cpu));
  if (c.memory) out.member("memory", std::to_string(*c.memory));
  if (c.memoryReservation) out.member("memoryReservation", std::to_string(*c.memoryReservation));
  if (c.exitCode) out.member("exitCode", static_cast<std::int64_t>(*c.exitCode));
  if (!c.reason.empty()) out.member("reason", c.reason);
  out.endObject();
}

}  // namespace

void writeTask(JsonWriter& out, const Task& task, const ArnFactory& arns,
               const std::string& containerInstanceArn, bool withTags) {
  json overrides = task.overrides.is_object() ? task.overrides : json::object();
  overrides.emplace("containerOverrides", json::array());
  overrides.emplace("inferenceAcceleratorOverrides", json::array());
  out.beginObject();
  out.member("taskArn", task.arn).member("clusterArn", arns.cluster(task.cluster));
  out.member("taskDefinitionArn", task.taskDefinitionArn);
  out.member("containerInstanceArn", containerInstanceArn).member("overrides", overrides);
  out.member("lastStatus", task.lastStatus).member("desiredStatus", task.desiredStatus);
  out.key("containers").beginArray();
  for (const auto& c : task.containers) writeContainer(out, c, task.arn);
  out.endArray();
  out.member("version", task.version).member("createdAt", task.createdAt);
  out.member("group", task.group).member("launchType", task.launchType);
  out.key("attachments").beginArray().endArray();
  out.key("attributes").beginArray().beginObject();
  out.member("name", "ecs.cpu-architecture").member("value", "x86_64");
  out.endObject().endArray();
  out.member("healthStatus", "UNKNOWN").member("enableExecuteCommand", false);
  out.key("tags").beginArray();
  if (withTags) writeTags(out, task.tags);
  out.endArray();
  if (!task.cpu.empty()) out.member("cpu", task.cpu);
  if (!task.memory.empty()) out.member("memory", task.memory);
  if (!task.startedBy.empty()) out.member("startedBy", task.startedBy);
  if (!task.stoppedReason.empty()) out.member("stoppedReason", task.stoppedReason);
  if (!task.stopCode.empty()) out.member("stopCode", task.stopCode);
  writeTime(out, "startedAt", task.startedAt);
  writeTime(out, "stoppingAt", task.stoppingAt);
  writeTime(out, "stoppedAt", task.stoppedAt);
  writeTime(out, "pullStartedAt", task.pullStartedAt);
  writeTime(out, "pullStoppedAt", task.pullStoppedAt);
  writeTime(out, "executionStoppedAt", task.executionStoppedAt);
  out.endObject();
}

}  // namespace ecsd::operations
