#include "operations/render.h"

namespace ecsd::operations {

using nlohmann::json;

namespace {

// Every resource carries all three numbers, as the seed shows ECS doing.
// Answers are built by assignment and moves: nlohmann's initializer lists
// deep-copy every nested value, which was most of DescribeContainerInstances.
json resource(const char* name, const char* type, std::int64_t integerValue) {
  json out = json::object();
  out["name"] = name;
  out["type"] = type;
  out["doubleValue"] = 0.0;
  out["longValue"] = 0;
  out["integerValue"] = integerValue;
  return out;
}

json portsResource(const char* name, const PortList& ports) {
  json values = json::array();
  for (auto port : ports) values.push_back(std::to_string(port));
  json out = resource(name, "STRINGSET", 0);
  out["stringSetValue"] = std::move(values);
  return out;
}

json resources(std::int64_t cpu, std::int64_t memory, const PortList& tcp, const PortList& udp) {
  json out = json::array();
  out.push_back(resource("CPU", "INTEGER", cpu));
  out.push_back(resource("MEMORY", "INTEGER", memory));
  out.push_back(portsResource("PORTS", tcp));
  out.push_back(portsResource("PORTS_UDP", udp));
  return out;
}

}  // namespace

json renderContainerInstance(const ContainerInstance& instance, const Usage& usage,
                             bool agentConnected, bool withTags) {
  const Remaining remaining = remainingOf(instance, usage);
  json attributes = json::array();
  for (const auto& a : instance.attributes) {
    json attribute = json::object();
    attribute["name"] = a.name;
    if (a.value) attribute["value"] = *a.value;
    attributes.push_back(std::move(attribute));
  }
  json out = json::object();
  out["containerInstanceArn"] = instance.arn;
  out["version"] = instance.version;
  out["versionInfo"] = instance.versionInfo.is_object() ? instance.versionInfo : json::object();
  out["remainingResources"] = resources(remaining.cpu, remaining.memory,
                                        remaining.tcpPortsInUse, remaining.udpPortsInUse);
  out["registeredResources"] =
      resources(instance.registered.cpu, instance.registered.memory,
                instance.registered.tcpPorts, instance.registered.udpPorts);
  out["status"] = instance.status;
  out["agentConnected"] = agentConnected;
  out["runningTasksCount"] = usage.runningTasks;
  out["pendingTasksCount"] = usage.pendingTasks;
  out["attributes"] = std::move(attributes);
  out["registeredAt"] = instance.registeredAt;
  out["attachments"] = json::array();
  out["tags"] = withTags ? tagsToJson(instance.tags) : json::array();
  if (!instance.ec2InstanceId.empty()) out["ec2InstanceId"] = instance.ec2InstanceId;
  return out;
}

}  // namespace ecsd::operations
