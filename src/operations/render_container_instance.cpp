#include "operations/render.h"

namespace ecsd::operations {

using nlohmann::json;

namespace {

// Every resource carries all three numbers, as the seed shows ECS doing.
json integerResource(const char* name, std::int64_t value) {
  return {{"name", name},
          {"type", "INTEGER"},
          {"doubleValue", 0.0},
          {"longValue", 0},
          {"integerValue", value}};
}

json portsResource(const char* name, const PortList& ports) {
  json values = json::array();
  for (auto port : ports) values.push_back(std::to_string(port));
  return {{"name", name},   {"type", "STRINGSET"}, {"doubleValue", 0.0},
          {"longValue", 0}, {"integerValue", 0},   {"stringSetValue", values}};
}

json resources(std::int64_t cpu, std::int64_t memory, const PortList& tcp, const PortList& udp) {
  return json::array({integerResource("CPU", cpu), integerResource("MEMORY", memory),
                      portsResource("PORTS", tcp), portsResource("PORTS_UDP", udp)});
}

}  // namespace

json renderContainerInstance(const ContainerInstance& instance, const Usage& usage,
                             bool agentConnected, bool withTags) {
  const Remaining remaining = remainingOf(instance, usage);
  json attributes = json::array();
  for (const auto& a : instance.attributes) {
    json attribute = {{"name", a.name}};
    if (a.value) attribute["value"] = *a.value;
    attributes.push_back(std::move(attribute));
  }
  json out = {
      {"containerInstanceArn", instance.arn},
      {"version", instance.version},
      {"versionInfo", instance.versionInfo.is_object() ? instance.versionInfo : json::object()},
      {"remainingResources", resources(remaining.cpu, remaining.memory, remaining.tcpPortsInUse,
                                       remaining.udpPortsInUse)},
      {"registeredResources",
       resources(instance.registered.cpu, instance.registered.memory, instance.registered.tcpPorts,
                 instance.registered.udpPorts)},
      {"status", instance.status},
      {"agentConnected", agentConnected},
      {"runningTasksCount", usage.runningTasks},
      {"pendingTasksCount", usage.pendingTasks},
      {"attributes", attributes},
      {"registeredAt", instance.registeredAt},
      {"attachments", json::array()},
      {"tags", withTags ? tagsToJson(instance.tags) : json::array()},
  };
  if (!instance.ec2InstanceId.empty()) out["ec2InstanceId"] = instance.ec2InstanceId;
  return out;
}

}  // namespace ecsd::operations
