#include "agent/task_spec.h"

#include <functional>
#include <set>

#include "common/json_member.h"
#include "ecsd/errors.h"

namespace ecsd::agent {
namespace {

using nlohmann::json;

std::vector<std::string> strings(const json& entry, const char* name) {
  std::vector<std::string> out;
  for (const json& item : listMember(entry, name)) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

Result<ContainerSpec> parseContainer(const json& entry) {
  if (!entry.is_object()) return errors::invalidParameter("a container entry is not an object");
  ContainerSpec c;
  c.name = stringMember(entry, "name");
  c.image = stringMember(entry, "image");
  if (c.name.empty() || c.image.empty()) {
    return errors::invalidParameter("a container entry has no name or image");
  }
  c.containerArn = stringMember(entry, "containerArn");
  c.cpu = integerMember(entry, "cpu").value_or(0);
  c.memory = integerMember(entry, "memory");
  c.memoryReservation = integerMember(entry, "memoryReservation");
  c.essential = flagMember(entry, "essential", true);
  c.command = strings(entry, "command");
  c.entryPoint = strings(entry, "entryPoint");
  c.links = strings(entry, "links");
  for (const json& mapping : listMember(entry, "portMappings")) {
    if (!mapping.is_object()) continue;
    const auto containerPort = integerMember(mapping, "containerPort").value_or(0);
    const auto hostPort = integerMember(mapping, "hostPort").value_or(0);
    if (containerPort <= 0 || containerPort > 65535 || hostPort < 0 || hostPort > 65535) {
      return errors::invalidParameter("container " + c.name + " has a port out of range");
    }
    const std::string protocol = stringMember(mapping, "protocol");
    c.portMappings.push_back({static_cast<std::uint16_t>(containerPort),
                              static_cast<std::uint16_t>(hostPort),
                              protocol == "udp" ? "udp" : "tcp"});
  }
  if (const json* environment = member(entry, "environment");
      environment && environment->is_object()) {
    for (const auto& [name, value] : environment->items()) {
      c.environment.emplace_back(name, value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  if (auto timeout = integerMember(entry, "stopTimeout")) c.stopTimeoutSeconds = *timeout;
  c.workingDirectory = stringMember(entry, "workingDirectory");
  c.user = stringMember(entry, "user");
  c.hostname = stringMember(entry, "hostname");
  c.privileged = flagMember(entry, "privileged", false);
  c.readonlyRootFilesystem = flagMember(entry, "readonlyRootFilesystem", false);
  if (const json* labels = member(entry, "dockerLabels"); labels && labels->is_object()) {
    for (const auto& [name, value] : labels->items()) {
      if (value.is_string()) c.dockerLabels[name] = value.get<std::string>();
    }
  }
  return c;
}

// "name:alias" -> "name".
std::string linkTarget(const std::string& link) { return link.substr(0, link.find(':')); }

}  // namespace

std::string TaskSpec::id() const { return arn.substr(arn.find_last_of('/') + 1); }

const ContainerSpec* TaskSpec::container(const std::string& name) const {
  for (const auto& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Result<TaskSpec> parseTaskSpec(const json& entry) {
  if (!entry.is_object()) return errors::invalidParameter("a task entry is not an object");
  TaskSpec task;
  task.arn = stringMember(entry, "arn");
  if (task.arn.find(":task/") == std::string::npos) {
    return errors::invalidParameter("a task entry has no task ARN");
  }
  task.family = stringMember(entry, "family");
  task.version = stringMember(entry, "version");
  task.desiredStatus = stringMember(entry, "desiredStatus");
  if (task.desiredStatus != "RUNNING" && task.desiredStatus != "STOPPED") {
    return errors::invalidParameter("task " + task.arn + " has desiredStatus '" +
                                    task.desiredStatus + "'");
  }
  if (auto mode = stringMember(entry, "networkMode"); !mode.empty()) task.networkMode = mode;
  const json& containers = listMember(entry, "containers");
  if (containers.empty()) {
    return errors::invalidParameter("task " + task.arn + " has no containers");
  }
  std::set<std::string> names;
  for (const json& container : containers) {
    auto parsed = parseContainer(container);
    if (!parsed) return parsed.error();
    if (!names.insert(parsed->name).second) {
      return errors::invalidParameter("task " + task.arn + " names container " + parsed->name +
                                      " twice");
    }
    task.containers.push_back(std::move(*parsed));
  }
  return task;
}

Result<std::vector<const ContainerSpec*>> startOrder(const TaskSpec& task) {
  std::vector<const ContainerSpec*> order;
  std::set<std::string> done, visiting;
  std::optional<Error> failure;
  // Depth-first: a container goes after everything it links to.
  std::function<void(const ContainerSpec&)> visit = [&](const ContainerSpec& c) {
    if (failure || done.count(c.name)) return;
    if (!visiting.insert(c.name).second) {
      failure = errors::invalidParameter("the links of container " + c.name + " form a cycle");
      return;
    }
    for (const auto& link : c.links) {
      const ContainerSpec* target = task.container(linkTarget(link));
      if (target == nullptr) {
        failure = errors::invalidParameter("container " + c.name + " links to " + linkTarget(link) +
                                           ", which is not in the task");
        return;
      }
      visit(*target);
    }
    visiting.erase(c.name);
    done.insert(c.name);
    order.push_back(&c);
  };
  for (const auto& c : task.containers) visit(c);
  if (failure) return *failure;
  return order;
}

}  // namespace ecsd::agent
