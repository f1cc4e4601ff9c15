#include "dispatch/payload.h"

#include <array>
#include <string_view>
#include <utility>

#include "common/json_member.h"
#include "ecsd/domain/task_definition_spec.h"

namespace ecsd::dispatch {
namespace {

using nlohmann::json;

// Container definition members the agent gets as they are: ACS model names,
// then ecsd extensions (api/agent-protocol.md).
constexpr std::array kPassThrough = {"dependsOn",  "startTimeout",     "stopTimeout",
                                     "privileged", "workingDirectory", "user",
                                     "hostname",   "dockerLabels",     "readonlyRootFilesystem",
                                     "ulimits",    "healthCheck",      "logConfiguration"};

// Volume configurations and the ACS volume type each makes; none is "host".
constexpr std::array<std::pair<const char*, const char*>, 3> kVolumeKinds = {{
    {"dockerVolumeConfiguration", "docker"},
    {"efsVolumeConfiguration", "efs"},
    {"fsxWindowsFileServerVolumeConfiguration", "fsxWindowsFileServer"},
}};

// The member when it is an array, else an empty one; a reference, since
// returning a copy copied every task definition's containers once per task.
const json& listMember(const json& object, std::string_view name) {
  static const json kNone = json::array();
  const json* value = member(object, name);
  return value != nullptr && value->is_array() ? *value : kNone;
}

// The task's containerOverrides entry for this container, or an empty object.
const json& overrideFor(const Task& task, std::string_view name) {
  static const json kNone = json::object();
  const json* overrides = member(task.overrides, "containerOverrides");
  if (overrides == nullptr || !overrides->is_array()) return kNone;
  for (const json& entry : *overrides) {
    if (stringMember(entry, "name") == name) return entry;
  }
  return kNone;
}

// [{name, value}, ...] onto a name -> value map; later entries win.
void addEnvironment(json& environment, const json& list) {
  for (const json& variable : list) {
    const std::string name = stringMember(variable, "name");
    if (!name.empty()) environment[name] = stringMember(variable, "value");
  }
}

json portMappings(const json& definition) {
  json out = json::array();
  for (const json& mapping : listMember(definition, "portMappings")) {
    out.push_back({{"containerPort", mapping.value("containerPort", 0)},
                   {"hostPort", mapping.value("hostPort", 0)},
                   {"protocol", mapping.value("protocol", "tcp")}});
  }
  return out;
}

// Each entry with the given members, readOnly defaulting to false.
json withReadOnly(const json& list, std::initializer_list<const char*> members) {
  json out = json::array();
  for (const json& entry : list) {
    json item = {{"readOnly", entry.value("readOnly", false)}};
    for (const char* name : members) item[name] = stringMember(entry, name);
    out.push_back(std::move(item));
  }
  return out;
}

// cpu, memory and memoryReservation: the override's value when it has one.
void addResources(json& container, const json& definition, const json& containerOverride) {
  container["cpu"] = definition.value("cpu", 0);
  for (const char* name : {"cpu", "memory", "memoryReservation"}) {
    if (const json* value = member(containerOverride, name)) {
      container[name] = *value;
    } else if (const json* defined = member(definition, name)) {
      container[name] = *defined;
    }
  }
}

std::string containerArn(const Task& task, std::string_view name) {
  for (const auto& container : task.containers) {
    if (container.name == name) return container.arn;
  }
  return "";
}

json payloadContainer(const Task& task, const json& definition) {
  const std::string name = stringMember(definition, "name");
  const json& containerOverride = overrideFor(task, name);
  json container = {
      {"name", name},
      {"image", stringMember(definition, "image")},
      {"essential", definition.value("essential", true)},
      {"entryPoint", listMember(definition, "entryPoint")},
      {"links", listMember(definition, "links")},
      {"portMappings", portMappings(definition)},
      {"mountPoints",
       withReadOnly(listMember(definition, "mountPoints"), {"sourceVolume", "containerPath"})},
      {"volumesFrom", withReadOnly(listMember(definition, "volumesFrom"), {"sourceContainer"})}};
  if (const std::string arn = containerArn(task, name); !arn.empty()) {
    container["containerArn"] = arn;
  }
  container["command"] = member(containerOverride, "command") != nullptr
                             ? listMember(containerOverride, "command")
                             : listMember(definition, "command");
  json environment = json::object();
  addEnvironment(environment, listMember(definition, "environment"));
  addEnvironment(environment, listMember(containerOverride, "environment"));
  container["environment"] = std::move(environment);
  addResources(container, definition, containerOverride);
  for (const char* passed : kPassThrough) {
    if (const json* value = member(definition, passed)) container[passed] = *value;
  }
  return container;
}

json payloadVolume(const json& volume) {
  json out = {{"name", stringMember(volume, "name")}};
  for (const auto& [configuration, type] : kVolumeKinds) {
    if (const json* value = member(volume, configuration)) {
      out["type"] = type;
      out[configuration] = *value;
      return out;
    }
  }
  const json* host = member(volume, "host");
  out["type"] = "host";
  out["host"] = host != nullptr && host->is_object() ? *host : json::object();
  return out;
}

// arn:aws:ecs:REGION:ACCOUNT:task/... -> ACCOUNT
std::string accountOf(std::string_view arn) {
  std::size_t start = 0;
  for (int field = 0; field < 4; ++field) {
    start = arn.find(':', start);
    if (start == std::string_view::npos) return "";
    ++start;
  }
  return std::string(arn.substr(start, arn.find(':', start) - start));
}

// Task-level cpu in vCPUs and memory in MiB, when the task has them.
void addTaskResources(json& entry, const Task& task) {
  if (const auto units = parseTaskCpu(task.cpu)) {
    entry["cpu"] = static_cast<double>(*units) / 1024.0;
  }
  if (const auto mebibytes = parseTaskMemory(task.memory)) entry["memory"] = *mebibytes;
}

}  // namespace

nlohmann::json payloadTask(const Task& task, const TaskDefinition& definition) {
  json entry = {{"arn", task.arn},
                {"family", definition.family},
                {"version", std::to_string(definition.revision)},
                {"desiredStatus", task.desiredStatus},
                {"taskDefinitionAccountId", accountOf(task.arn)}};
  const std::string mode = stringMember(definition.body, "networkMode");
  entry["networkMode"] = mode.empty() ? "bridge" : mode;  // ECS's default on Linux
  addTaskResources(entry, task);
  json containers = json::array();
  for (const json& container : listMember(definition.body, "containerDefinitions")) {
    containers.push_back(payloadContainer(task, container));
  }
  entry["containers"] = std::move(containers);
  json volumes = json::array();
  for (const json& volume : listMember(definition.body, "volumes")) {
    volumes.push_back(payloadVolume(volume));
  }
  entry["volumes"] = std::move(volumes);
  return entry;
}

}  // namespace ecsd::dispatch
