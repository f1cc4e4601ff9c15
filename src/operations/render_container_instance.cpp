#include "operations/render.h"

namespace ecsd::operations {

using nlohmann::json;

namespace {

// Every resource carries all three numbers, as the seed shows ECS doing.
void resource(JsonWriter& out, const char* name, const char* type, std::int64_t integerValue) {
  out.member("name", name).member("type", type);
  out.member("doubleValue", 0.0).member("longValue", 0).member("integerValue", integerValue);
}

void resources(JsonWriter& out, std::int64_t cpu, std::int64_t memory, const PortList& tcp,
               const PortList& udp) {
  out.beginArray();
  out.beginObject();
  resource(out, "CPU", "INTEGER", cpu);
  out.endObject().beginObject();
  resource(out, "MEMORY", "INTEGER", memory);
  out.endObject();
  for (const auto& [name, ports] : {std::pair{"PORTS", &tcp}, std::pair{"PORTS_UDP", &udp}}) {
    out.beginObject();
    resource(out, name, "STRINGSET", 0);
    out.key("stringSetValue").beginArray();
    for (auto port : *ports) out.value(std::to_string(port));
    out.endArray().endObject();
  }
  out.endArray();
}

}  // namespace

void writeContainerInstance(JsonWriter& out, const ContainerInstance& instance, const Usage& usage,
                            bool agentConnected, bool withTags) {
  const Remaining remaining = remainingOf(instance, usage);
  out.beginObject();
  out.member("containerInstanceArn", instance.arn).member("version", instance.version);
  out.key("versionInfo");
  if (instance.versionInfo.is_object()) {
    out.value(instance.versionInfo);
  } else {
    out.beginObject().endObject();
  }
  out.key("remainingResources");
  resources(out, remaining.cpu, remaining.memory, remaining.tcpPortsInUse, remaining.udpPortsInUse);
  out.key("registeredResources");
  resources(out, instance.registered.cpu, instance.registered.memory, instance.registered.tcpPorts,
            instance.registered.udpPorts);
  out.member("status", instance.status).member("agentConnected", agentConnected);
  out.member("runningTasksCount", usage.runningTasks)
      .member("pendingTasksCount", usage.pendingTasks);
  out.key("attributes").beginArray();
  for (const auto& a : instance.attributes) {
    out.beginObject().member("name", a.name);
    if (a.value) out.member("value", *a.value);
    out.endObject();
  }
  out.endArray();
  out.member("registeredAt", instance.registeredAt);
  out.key("attachments").beginArray().endArray();
  out.key("tags").beginArray();
  if (withTags) writeTags(out, instance.tags);
  out.endArray();
  if (!instance.ec2InstanceId.empty()) out.member("ec2InstanceId", instance.ec2InstanceId);
  out.endObject();
}

}  // namespace ecsd::operations
