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
  if (!c.reason.empty()) out["reason"] = shortenedReason(c.reason, kMaxContainerReasonLength);
  if (!c.networkBindings.empty()) out["networkBindings"] = bindings(c.networkBindings);
  return out;
}

bool continuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::string shortenedReason(std::string_view reason, std::size_t limit) {
  constexpr std::string_view kElided = " ... ";
  if (reason.size() <= limit) return std::string(reason);
  if (limit < 2 * kElided.size()) {
    std::size_t end = limit;
    while (end > 0 && continuationByte(reason[end])) --end;
    return std::string(reason.substr(0, end));
  }
  // A third for the beginning, the rest for the end, where causes are.
  const std::size_t room = limit - kElided.size();
  std::size_t headEnd = room / 3;
  while (headEnd > 0 && continuationByte(reason[headEnd])) --headEnd;
  std::size_t tailStart = reason.size() - (room - room / 3);
  while (tailStart < reason.size() && continuationByte(reason[tailStart])) ++tailStart;
  return std::string(reason.substr(0, headEnd)).append(kElided).append(reason.substr(tailStart));
}

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
  if (!change.reason.empty()) {
    request["reason"] = shortenedReason(change.reason, kMaxTaskReasonLength);
  }
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
