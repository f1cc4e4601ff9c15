#include "agent/state_change.h"

namespace ecsd::agent {
namespace {

using nlohmann::json;

json bindings(const std::vector<PortBinding>& ports) {
  json out = json::array();
  for (const auto& port : ports) {
    out.push_back({{"bindIP", "0.0.0.0"},
                   {"containerPort", port.containerPort},
                   {"hostPort", port.hostPort},
                   {"protocol", port.protocol}});
  }
  return out;
}

// The members a container change has in both calls.
json containerMembers(const ContainerStateChange& c) {
  json out = {{"containerName", c.containerName}, {"status", c.status}};
  if (!c.runtimeId.empty()) out["runtimeId"] = c.runtimeId;
  if (c.exitCode) out["exitCode"] = *c.exitCode;
  if (!c.reason.empty()) out["reason"] = c.reason.substr(0, 255);  // ECS's limit
  if (!c.networkBindings.empty()) out["networkBindings"] = bindings(c.networkBindings);
  return out;
}

}  // namespace

std::vector<std::pair<std::string, json>> stateChangeCalls(const std::string& cluster,
                                                           const TaskStateChange& change) {
  std::vector<std::pair<std::string, json>> calls;
  if (!change.status) {
    for (const auto& container : change.containers) {
      json request = containerMembers(container);
      request["cluster"] = cluster;
      request["task"] = change.taskArn;
      calls.emplace_back("SubmitContainerStateChange", std::move(request));
    }
    return calls;
  }
  json request = {{"cluster", cluster}, {"task", change.taskArn}, {"status", *change.status}};
  if (!change.reason.empty()) request["reason"] = change.reason.substr(0, 255);
  json containers = json::array();
  for (const auto& container : change.containers) containers.push_back(containerMembers(container));
  if (!containers.empty()) request["containers"] = std::move(containers);
  if (change.pullStartedAt) request["pullStartedAt"] = *change.pullStartedAt;
  if (change.pullStoppedAt) request["pullStoppedAt"] = *change.pullStoppedAt;
  if (change.executionStoppedAt) request["executionStoppedAt"] = *change.executionStoppedAt;
  calls.emplace_back("SubmitTaskStateChange", std::move(request));
  return calls;
}

}  // namespace ecsd::agent
