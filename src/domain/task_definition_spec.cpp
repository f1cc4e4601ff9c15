#include "ecsd/domain/task_definition_spec.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <map>
#include <set>
#include <string_view>

#include "common/json_member.h"
#include "ecsd/domain/arn.h"
#include "ecsd/domain/quotas.h"
#include "ecsd/errors.h"

namespace ecsd {

namespace {

using nlohmann::json;

enum class Kind { String, Integer, Boolean, List, Object };

// The API's members and their JSON kinds; anything else is dropped, as AWS
// ignores members it does not know.
const std::map<std::string_view, Kind>& taskMembers() {
  static const std::map<std::string_view, Kind> members = {
      {"family", Kind::String},
      {"taskRoleArn", Kind::String},
      {"executionRoleArn", Kind::String},
      {"networkMode", Kind::String},
      {"containerDefinitions", Kind::List},
      {"volumes", Kind::List},
      {"placementConstraints", Kind::List},
      {"requiresCompatibilities", Kind::List},
      {"cpu", Kind::String},
      {"memory", Kind::String},
      {"pidMode", Kind::String},
      {"ipcMode", Kind::String},
      {"proxyConfiguration", Kind::Object},
      {"inferenceAccelerators", Kind::List},
      {"ephemeralStorage", Kind::Object},
      {"runtimePlatform", Kind::Object},
      {"enableFaultInjection", Kind::Boolean},
  };
  return members;
}

const std::map<std::string_view, Kind>& containerMembers() {
  static const std::map<std::string_view, Kind> members = {
      {"name", Kind::String},
      {"image", Kind::String},
      {"repositoryCredentials", Kind::Object},
      {"cpu", Kind::Integer},
      {"memory", Kind::Integer},
      {"memoryReservation", Kind::Integer},
      {"links", Kind::List},
      {"portMappings", Kind::List},
      {"essential", Kind::Boolean},
      {"restartPolicy", Kind::Object},
      {"entryPoint", Kind::List},
      {"command", Kind::List},
      {"environment", Kind::List},
      {"environmentFiles", Kind::List},
      {"mountPoints", Kind::List},
      {"volumesFrom", Kind::List},
      {"linuxParameters", Kind::Object},
      {"secrets", Kind::List},
      {"dependsOn", Kind::List},
      {"startTimeout", Kind::Integer},
      {"stopTimeout", Kind::Integer},
      {"versionConsistency", Kind::String},
      {"hostname", Kind::String},
      {"user", Kind::String},
      {"workingDirectory", Kind::String},
      {"disableNetworking", Kind::Boolean},
      {"privileged", Kind::Boolean},
      {"readonlyRootFilesystem", Kind::Boolean},
      {"dnsServers", Kind::List},
      {"dnsSearchDomains", Kind::List},
      {"extraHosts", Kind::List},
      {"dockerSecurityOptions", Kind::List},
      {"interactive", Kind::Boolean},
      {"pseudoTerminal", Kind::Boolean},
      {"dockerLabels", Kind::Object},
      {"ulimits", Kind::List},
      {"logConfiguration", Kind::Object},
      {"healthCheck", Kind::Object},
      {"systemControls", Kind::List},
      {"resourceRequirements", Kind::List},
      {"firelensConfiguration", Kind::Object},
      {"credentialSpecs", Kind::List},
  };
  return members;
}

const std::map<std::string_view, Kind>& portMappingMembers() {
  static const std::map<std::string_view, Kind> members = {
      {"containerPort", Kind::Integer}, {"hostPort", Kind::Integer},
      {"protocol", Kind::String},       {"name", Kind::String},
      {"appProtocol", Kind::String},    {"containerPortRange", Kind::String},
  };
  return members;
}

bool hasKind(const json& value, Kind kind) {
  switch (kind) {
    case Kind::String:
      return value.is_string();
    case Kind::Integer:
      return value.is_number_integer();
    case Kind::Boolean:
      return value.is_boolean();
    case Kind::List:
      return value.is_array();
    case Kind::Object:
      return value.is_object();
  }
  return false;
}

const char* kindName(Kind kind) {
  switch (kind) {
    case Kind::String:
      return "a string";
    case Kind::Integer:
      return "an integer";
    case Kind::Boolean:
      return "a boolean";
    case Kind::List:
      return "a list";
    case Kind::Object:
      return "a structure";
  }
  return "?";
}

// Copies the known members of `in`, checking each one's kind. null members
// count as absent, as in AWS's JSON protocol.
Result<json> pickMembers(const json& in, const std::map<std::string_view, Kind>& members,
                         std::string_view where) {
  if (!in.is_object()) {
    return errors::serialization(std::string(where) + " must be a structure");
  }
  json out = json::object();
  for (const auto& [key, value] : in.items()) {
    const auto member = members.find(key);
    if (member == members.end() || value.is_null()) continue;
    if (!hasKind(value, member->second)) {
      return errors::serialization(std::string(where) + "." + key + " must be " +
                                   kindName(member->second));
    }
    out[key] = value;
  }
  return out;
}

Status requireStringList(const json& container, const char* member, std::string_view name) {
  if (!container.contains(member)) return {};
  for (const auto& item : container[member]) {
    if (!item.is_string()) {
      return errors::serialization("Container '" + std::string(name) + "' " + member +
                                   " must be a list of strings");
    }
  }
  return {};
}

std::string invalidSetting(std::string_view container, std::string_view detail) {
  return "Invalid setting for container '" + std::string(container) + "'. " + std::string(detail);
}

struct HostPortUse {
  std::string container;
  int port;
  std::string protocol;
};

Result<json> normalizePortMappings(const json& container, std::string_view name,
                                   const std::string& networkMode,
                                   std::vector<HostPortUse>& hostPorts) {
  json out = json::array();
  if (!container.contains("portMappings")) return out;
  for (const auto& raw : container["portMappings"]) {
    auto mapping = pickMembers(raw, portMappingMembers(), "portMappings");
    if (!mapping) return mapping.error();
    json& m = *mapping;
    const bool hasRange = m.contains("containerPortRange");
    if (!m.contains("containerPort") && !hasRange) {
      return errors::client(invalidSetting(name, "Port mappings require a 'containerPort'."));
    }
    const int containerPort = m.value("containerPort", 0);
    if (!hasRange && (containerPort < 1 || containerPort > 65535)) {
      return errors::client(invalidSetting(name, "'containerPort' must be between 1 and 65535."));
    }
    const std::string protocol = m.value("protocol", "tcp");
    if (protocol != "tcp" && protocol != "udp") {
      return errors::client(invalidSetting(name, "Port mapping protocol must be 'tcp' or 'udp'."));
    }
    m["protocol"] = protocol;
    const bool sharesHostNetwork = networkMode == "host" || networkMode == "awsvpc";
    if (!hasRange) {
      if (!m.contains("hostPort")) m["hostPort"] = sharesHostNetwork ? containerPort : 0;
      const int hostPort = m["hostPort"];
      if (hostPort < 0 || hostPort > 65535) {
        return errors::client(invalidSetting(name, "'hostPort' must be between 0 and 65535."));
      }
      if (sharesHostNetwork && hostPort != containerPort) {
        return errors::client("When networkMode=" + networkMode +
                              ", the host port must either be left blank or be the same as the "
                              "container port.");
      }
      if (hostPort != 0) hostPorts.push_back({std::string(name), hostPort, protocol});
    }
    out.push_back(std::move(m));
  }
  return out;
}

Status checkDuplicateHostPorts(const std::vector<HostPortUse>& hostPorts) {
  std::set<std::pair<int, std::string>> seen;
  for (const auto& use : hostPorts) {
    if (!seen.insert({use.port, use.protocol}).second) {
      return errors::client("Host port " + std::to_string(use.port) + "/" + use.protocol +
                            " is used by more than one port mapping. Each host port can be "
                            "mapped only once in a task definition.");
    }
  }
  return {};
}

Status checkMemory(const json& c, std::string_view name, bool taskHasMemory) {
  const bool hasMemory = c.contains("memory");
  const bool hasReservation = c.contains("memoryReservation");
  if (!hasMemory && !hasReservation && !taskHasMemory) {
    return errors::client(
        invalidSetting(name, "At least one of 'memory' or 'memoryReservation' must be specified."));
  }
  for (const char* member : {"memory", "memoryReservation"}) {
    if (c.contains(member) && c[member].get<long>() < kMinContainerMemoryMiB) {
      return errors::client("Invalid '" + std::string(member) + "' setting for container '" +
                            std::string(name) + "'. The minimum is " +
                            std::to_string(kMinContainerMemoryMiB) + " MiB.");
    }
  }
  if (hasMemory && hasReservation && c["memoryReservation"].get<long>() > c["memory"].get<long>()) {
    return errors::client(
        invalidSetting(name, "'memory' must be greater than or equal to 'memoryReservation'."));
  }
  return {};
}

Status checkLinks(const json& containers, const std::string& networkMode) {
  std::set<std::string> names;
  for (const auto& c : containers) names.insert(c["name"].get<std::string>());
  for (const auto& c : containers) {
    if (!c.contains("links")) continue;
    const std::string name = c["name"];
    if (networkMode != "bridge" && !c["links"].empty()) {
      return errors::client("Links are not supported when networkMode=" + networkMode + ".");
    }
    for (const auto& link : c["links"]) {
      const std::string target =
          link.get<std::string>().substr(0, link.get<std::string>().find(':'));
      if (target == name || !names.contains(target)) {
        return errors::client("Invalid link in container '" + name + "': '" +
                              link.get<std::string>() +
                              "' does not name another container of this task definition.");
      }
    }
  }
  return {};
}

// Checks one container and fills in ECS's defaults.
Result<json> normalizeContainer(const json& raw, const std::string& networkMode, bool taskHasMemory,
                                std::vector<HostPortUse>& hostPorts) {
  auto picked = pickMembers(raw, containerMembers(), "containerDefinitions");
  if (!picked) return picked.error();
  json& c = *picked;
  const std::string name = c.value("name", "");
  if (name.empty()) return errors::client("Container.name should not be null or empty.");
  if (!isValidName(name)) {
    return errors::client("Container name '" + name +
                          "' must be 1 to 255 letters, numbers, hyphens and underscores.");
  }
  if (c.value("image", "").empty()) {
    return errors::client("Container.image should not be null or empty.");
  }
  for (const char* list : {"links", "entryPoint", "command", "dnsServers", "dnsSearchDomains",
                           "dockerSecurityOptions"}) {
    if (auto st = requireStringList(c, list, name); !st) return st.error();
  }
  if (auto st = checkMemory(c, name, taskHasMemory); !st) return st.error();
  if (c.value("cpu", 0L) < 0) return errors::client(invalidSetting(name, "'cpu' must be >= 0."));
  auto ports = normalizePortMappings(c, name, networkMode, hostPorts);
  if (!ports) return ports.error();
  c["portMappings"] = std::move(*ports);
  for (const auto& variable : c.value("environment", json::array())) {
    if (!variable.is_object() || !variable.value("name", json()).is_string()) {
      return errors::serialization("Container '" + name +
                                   "' environment entries need a string 'name'");
    }
  }
  // ECS's defaults, as describe-task-definition shows them.
  c.emplace("cpu", 0);
  c.emplace("essential", true);
  c.emplace("environment", json::array());
  c.emplace("mountPoints", json::array());
  c.emplace("volumesFrom", json::array());
  return c;
}

std::optional<double> parseLeadingNumber(std::string_view text, std::string_view& rest) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  if (i == 0) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (ec != std::errc() || end != text.data() + i) return std::nullopt;
  rest = text.substr(i);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return value;
}

std::optional<long> parseUnits(const std::string& value, std::string_view unit, double scale) {
  std::string_view rest;
  const auto number = parseLeadingNumber(value, rest);
  // Beyond any host's size, and beyond what a long converts from safely.
  if (!number || *number > 1e9) return std::nullopt;
  if (rest.empty()) {
    // A bare number counts units and must be whole: "1.5" is not 1.
    if (*number != static_cast<double>(static_cast<long>(*number))) return std::nullopt;
    return static_cast<long>(*number);
  }
  std::string lowered(rest);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), ::tolower);
  if (lowered != unit) return std::nullopt;
  return static_cast<long>(*number * scale);
}

Result<std::optional<long>> taskResource(json& body, const char* member) {
  if (!body.contains(member)) return std::optional<long>();
  const std::string text = body[member];
  const auto units = std::string_view(member) == "cpu" ? parseTaskCpu(text) : parseTaskMemory(text);
  if (!units || *units <= 0) {
    return errors::client("Invalid '" + std::string(member) + "' value: '" + text + "'.");
  }
  body[member] = std::to_string(*units);
  return units;
}

Status checkTaskTotals(const json& containers, std::optional<long> taskCpu,
                       std::optional<long> taskMemory) {
  long cpu = 0;
  long memory = 0;
  for (const auto& c : containers) {
    cpu += c["cpu"].get<long>();
    memory += c.value("memory", c.value("memoryReservation", 0L));
  }
  if (taskCpu && cpu > *taskCpu) {
    return errors::client("The sum of all container cpu values (" + std::to_string(cpu) +
                          ") is greater than the task cpu (" + std::to_string(*taskCpu) + ").");
  }
  if (taskMemory && memory > *taskMemory) {
    return errors::client("The sum of all container memory values (" + std::to_string(memory) +
                          ") is greater than the task memory (" + std::to_string(*taskMemory) +
                          ").");
  }
  return {};
}

// What ECS requires of a definition that asks to run on Fargate.
Status checkFargate(const json& body) {
  const json compatibilities = body.value("requiresCompatibilities", json::array());
  if (std::find(compatibilities.begin(), compatibilities.end(), "FARGATE") ==
      compatibilities.end()) {
    return {};
  }
  if (body.value("networkMode", "") != "awsvpc") {
    return errors::client("Fargate only supports network mode 'awsvpc'.");
  }
  if (!body.contains("cpu")) {
    return errors::client("Fargate requires that 'cpu' be defined at the task level.");
  }
  if (!body.contains("memory")) {
    return errors::client("Fargate requires that 'memory' be defined at the task level.");
  }
  return {};
}

Status checkTaskEnums(const json& body) {
  static const std::set<std::string> networkModes = {"bridge", "host", "awsvpc", "none"};
  static const std::set<std::string> compatibilities = {"EC2", "FARGATE", "EXTERNAL",
                                                        "MANAGED_INSTANCES"};
  if (body.contains("networkMode") && !networkModes.contains(body["networkMode"])) {
    return errors::client("Invalid networkMode: " + body["networkMode"].get<std::string>() +
                          ". Valid values are bridge, host, awsvpc and none.");
  }
  for (const auto& value : body.value("requiresCompatibilities", json::array())) {
    if (!value.is_string() || !compatibilities.contains(value.get<std::string>())) {
      return errors::client("Invalid requiresCompatibilities value: " + value.dump());
    }
  }
  return {};
}

}  // namespace

std::optional<long> parseTaskCpu(const std::string& value) {
  return parseUnits(value, "vcpu", 1024);
}

std::optional<long> parseTaskMemory(const std::string& value) {
  return parseUnits(value, "gb", 1024);
}

Result<json> normalizeTaskDefinition(const json& request) {
  auto picked = pickMembers(request, taskMembers(), "request");
  if (!picked) return picked.error();
  json body = std::move(*picked);
  // Measured as sent, before defaults are filled in: what the user wrote.
  if (const std::size_t length = body.dump().size(); length > quotas::kTaskDefinitionBytes) {
    return errors::client("Actual length: '" + std::to_string(length) +
                          "'. Max allowed length is '" +
                          std::to_string(quotas::kTaskDefinitionBytes) + "' bytes.");
  }
  const std::string family = body.value("family", "");
  if (family.empty()) return errors::client("Family can not be blank.");
  if (!isValidName(family)) {
    return errors::client(
        "Family must be 1 to 255 letters (uppercase and lowercase), numbers, hyphens and "
        "underscores.");
  }
  if (auto st = checkTaskEnums(body); !st) return st.error();
  if (auto st = checkFargate(body); !st) return st.error();
  auto taskCpu = taskResource(body, "cpu");
  if (!taskCpu) return taskCpu.error();
  auto taskMemory = taskResource(body, "memory");
  if (!taskMemory) return taskMemory.error();

  const json& rawContainers = body.value("containerDefinitions", json::array());
  if (rawContainers.empty()) return errors::client("Container list cannot be empty.");
  if (rawContainers.size() > quotas::kContainersPerTaskDefinition) {
    return errors::client("Too many containers.");
  }
  const std::string networkMode = body.value("networkMode", "bridge");
  std::vector<HostPortUse> hostPorts;
  std::set<std::string> names;
  json containers = json::array();
  for (const auto& raw : rawContainers) {
    auto container = normalizeContainer(raw, networkMode, taskMemory->has_value(), hostPorts);
    if (!container) return container.error();
    if (!names.insert((*container)["name"].get<std::string>()).second) {
      return errors::client("Container names must be unique within a task definition: '" +
                            (*container)["name"].get<std::string>() + "' is used twice.");
    }
    containers.push_back(std::move(*container));
  }
  if (std::none_of(containers.begin(), containers.end(),
                   [](const json& c) { return c["essential"].get<bool>(); })) {
    return errors::client("A task definition must have at least one essential container.");
  }
  if (auto st = checkLinks(containers, networkMode); !st) return st.error();
  if (auto st = checkDuplicateHostPorts(hostPorts); !st) return st.error();
  if (auto st = checkTaskTotals(containers, *taskCpu, *taskMemory); !st) return st.error();

  body["containerDefinitions"] = std::move(containers);
  body.emplace("volumes", json::array());
  body.emplace("placementConstraints", json::array());
  json required = json::array();
  for (const auto& name : requiredAttributes(body)) required.push_back({{"name", name}});
  if (!required.empty()) body["requiresAttributes"] = std::move(required);
  return body;
}

std::vector<std::string> requiredAttributes(const json& body) {
  bool healthCheck = false;
  bool ordering = false;
  // Read in place: RunTask asks this of every definition it places.
  for (const auto& container : listMember(body, "containerDefinitions")) {
    healthCheck = healthCheck || member(container, "healthCheck") != nullptr;
    ordering = ordering || !listMember(container, "dependsOn").empty();
  }
  std::vector<std::string> out;
  if (healthCheck) out.emplace_back("com.amazonaws.ecs.capability.container-health-check");
  if (ordering) out.emplace_back("ecs.capability.container-ordering");
  return out;
}

}  // namespace ecsd
