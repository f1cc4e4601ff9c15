#include "dispatch/payload.h"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "common/json_member.h"
#include "common/json_writer.h"
#include "ecsd/domain/task_definition_spec.h"
#include "ecsd/domain/task_overrides.h"

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

// The task's containerOverrides entry for this container, or an empty object.
const json& overrideFor(const Task& task, std::string_view name) {
  static const json kNone = json::object();
  const json* entry = containerOverride(task.overrides, name);
  return entry ? *entry : kNone;
}

// [{name, value}, ...] onto a name -> value map; later entries win.
void addEnvironment(std::map<std::string, std::string>& environment, const json& list) {
  for (const json& variable : list) {
    std::string name = stringMember(variable, "name");
    if (!name.empty()) environment[std::move(name)] = stringMember(variable, "value");
  }
}

void writePortMappings(JsonWriter& out, const json& definition) {
  out.beginArray();
  for (const json& mapping : listMember(definition, "portMappings")) {
    const json* protocol = member(mapping, "protocol");
    out.beginObject()
        .member("containerPort", integerMember(mapping, "containerPort").value_or(0))
        .member("hostPort", integerMember(mapping, "hostPort").value_or(0))
        .member("protocol", protocol != nullptr && protocol->is_string()
                                ? protocol->get<std::string>()
                                : std::string("tcp"))
        .endObject();
  }
  out.endArray();
}

// Each entry with the given members, readOnly defaulting to false.
void writeWithReadOnly(JsonWriter& out, const json& list,
                       std::initializer_list<const char*> members) {
  out.beginArray();
  for (const json& entry : list) {
    out.beginObject().member("readOnly", flagMember(entry, "readOnly", false));
    for (const char* name : members) out.member(name, stringMember(entry, name));
    out.endObject();
  }
  out.endArray();
}

// cpu, memory and memoryReservation: the override's value when it has one;
// cpu is 0 when neither has one.
void writeResources(JsonWriter& out, const json& definition, const json& containerOverride) {
  for (const char* name : {"cpu", "memory", "memoryReservation"}) {
    if (const json* value = member(containerOverride, name)) {
      out.member(name, *value);
    } else if (const json* defined = member(definition, name)) {
      out.member(name, *defined);
    } else if (std::string_view(name) == "cpu") {
      out.member(name, 0);
    }
  }
}

std::string containerArn(const Task& task, std::string_view name) {
  for (const auto& container : task.containers) {
    if (container.name == name) return container.arn;
  }
  return "";
}

void writeContainer(JsonWriter& out, const Task& task, const json& definition) {
  const std::string name = stringMember(definition, "name");
  const json& containerOverride = overrideFor(task, name);
  out.beginObject()
      .member("name", name)
      .member("image", stringMember(definition, "image"))
      .member("essential", flagMember(definition, "essential", true))
      .member("entryPoint", listMember(definition, "entryPoint"))
      .member("links", listMember(definition, "links"));
  out.key("portMappings");
  writePortMappings(out, definition);
  out.key("mountPoints");
  writeWithReadOnly(out, listMember(definition, "mountPoints"), {"sourceVolume", "containerPath"});
  out.key("volumesFrom");
  writeWithReadOnly(out, listMember(definition, "volumesFrom"), {"sourceContainer"});
  if (const std::string arn = containerArn(task, name); !arn.empty()) {
    out.member("containerArn", arn);
  }
  out.member("command", member(containerOverride, "command") != nullptr
                            ? listMember(containerOverride, "command")
                            : listMember(definition, "command"));
  std::map<std::string, std::string> environment;
  addEnvironment(environment, listMember(definition, "environment"));
  addEnvironment(environment, listMember(containerOverride, "environment"));
  out.key("environment").beginObject();
  for (const auto& [variable, value] : environment) out.escapedKey(variable).value(value);
  out.endObject();
  writeResources(out, definition, containerOverride);
  for (const char* passed : kPassThrough) {
    if (const json* value = member(definition, passed)) out.member(passed, *value);
  }
  out.endObject();
}

void writeVolume(JsonWriter& out, const json& volume) {
  out.beginObject().member("name", stringMember(volume, "name"));
  for (const auto& [configuration, type] : kVolumeKinds) {
    if (const json* value = member(volume, configuration)) {
      out.member("type", type).member(configuration, *value).endObject();
      return;
    }
  }
  const json* host = member(volume, "host");
  out.member("type", "host");
  out.key("host");
  if (host != nullptr && host->is_object()) {
    out.value(*host);
  } else {
    out.beginObject().endObject();
  }
  out.endObject();
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

void writeTask(JsonWriter& out, const Task& task, const TaskDefinition& definition) {
  const std::string mode = stringMember(definition.body, "networkMode");
  out.beginObject()
      .member("arn", task.arn)
      .member("family", definition.family)
      .member("version", std::to_string(definition.revision))
      .member("desiredStatus", task.desiredStatus)
      .member("taskDefinitionAccountId", accountOf(task.arn))
      .member("networkMode", mode.empty() ? "bridge" : mode);  // ECS's default on Linux
  // Task-level cpu in vCPUs and memory in MiB, when the task has them.
  if (const auto units = parseTaskCpu(task.cpu)) {
    out.member("cpu", static_cast<double>(*units) / 1024.0);
  }
  if (const auto mebibytes = parseTaskMemory(task.memory)) out.member("memory", *mebibytes);
  out.key("containers").beginArray();
  for (const json& container : listMember(definition.body, "containerDefinitions")) {
    writeContainer(out, task, container);
  }
  out.endArray().key("volumes").beginArray();
  for (const json& volume : listMember(definition.body, "volumes")) writeVolume(out, volume);
  out.endArray().endObject();
}

}  // namespace

PayloadTasks PayloadTasks::of(const nlohmann::json& entries) {
  PayloadTasks tasks;
  if (entries.is_array()) {
    tasks.text_ = entries.dump();
    tasks.size_ = entries.size();
  }
  return tasks;
}

void PayloadTasks::add(const Task& task, const TaskDefinition& definition) {
  JsonWriter out(1024);
  writeTask(out, task, definition);
  text_.pop_back();  // the closing ']'
  if (size_ > 0) text_ += ',';
  text_ += out.take();
  text_ += ']';
  ++size_;
}

}  // namespace ecsd::dispatch
