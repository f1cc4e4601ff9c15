#include "ecsd/state/usage.h"

#include <algorithm>

namespace ecsd {

namespace {

void addPorts(std::map<std::uint16_t, int>& counts, const PortList& ports, int sign) {
  for (auto port : ports) {
    if ((counts[port] += sign) == 0) counts.erase(port);
  }
}

template <class Key>
void mergeCounts(std::map<Key, int>& into, const std::map<Key, int>& delta) {
  for (const auto& [key, count] : delta) {
    if ((into[key] += count) == 0) into.erase(key);
  }
}

PortList inUse(const PortList& reserved, const std::map<std::uint16_t, int>& held) {
  PortList ports = reserved;
  for (const auto& [port, count] : held) {
    if (count > 0) ports.push_back(port);
  }
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  return ports;
}

}  // namespace

void Usage::add(const Task& task, int sign) {
  if (!task.live()) return;
  cpu += sign * task.held.cpu;
  memory += sign * task.held.memory;
  addPorts(tcpPorts, task.held.tcpPorts, sign);
  addPorts(udpPorts, task.held.udpPorts, sign);
  (task.lastStatus == "RUNNING" ? runningTasks : pendingTasks) += sign;
  if ((groups[task.group] += sign) == 0) groups.erase(task.group);
}

void Usage::merge(const Usage& delta) {
  cpu += delta.cpu;
  memory += delta.memory;
  mergeCounts(tcpPorts, delta.tcpPorts);
  mergeCounts(udpPorts, delta.udpPorts);
  runningTasks += delta.runningTasks;
  pendingTasks += delta.pendingTasks;
  mergeCounts(groups, delta.groups);
}

bool Usage::operator==(const Usage& other) const {
  return cpu == other.cpu && memory == other.memory && tcpPorts == other.tcpPorts &&
         udpPorts == other.udpPorts && runningTasks == other.runningTasks &&
         pendingTasks == other.pendingTasks && groups == other.groups;
}

namespace {

int countIn(const std::map<std::uint16_t, int>& counts, std::uint16_t port) {
  const auto it = counts.find(port);
  return it == counts.end() ? 0 : it->second;
}

}  // namespace

int LayeredUsage::groupCount(const std::string& group) const {
  int count = 0;
  if (committed_) {
    if (const auto it = committed_->groups.find(group); it != committed_->groups.end()) {
      count += it->second;
    }
  }
  if (const auto it = changes_.groups.find(group); it != changes_.groups.end()) count += it->second;
  return count;
}

std::vector<std::string> LayeredUsage::groups() const {
  std::map<std::string, int> counts = changes_.groups;
  if (committed_) mergeCounts(counts, committed_->groups);
  std::vector<std::string> out;
  for (const auto& [group, count] : counts) {
    if (count > 0) out.push_back(group);
  }
  return out;
}

bool LayeredUsage::holds(bool udp, std::uint16_t port) const {
  const auto& changed = udp ? changes_.udpPorts : changes_.tcpPorts;
  const int committed = committed_ ? countIn(udp ? committed_->udpPorts : committed_->tcpPorts, port)
                                   : 0;
  return committed + countIn(changed, port) > 0;
}

std::optional<std::uint16_t> LayeredUsage::firstUnheld(bool udp, std::uint16_t from) const {
  static const std::map<std::uint16_t, int> kNone;
  const auto& committed = committed_ ? (udp ? committed_->udpPorts : committed_->tcpPorts) : kNone;
  const auto& changed = udp ? changes_.udpPorts : changes_.tcpPorts;
  // Held ports are mostly a run upwards from `from`: walk the committed map
  // along with the candidate port instead of looking each one up.
  auto next = committed.lower_bound(from);
  for (unsigned port = from; port <= 65535; ++port) {
    while (next != committed.end() && next->first < port) ++next;
    const int held = (next != committed.end() && next->first == port ? next->second : 0) +
                     (changed.empty() ? 0 : countIn(changed, static_cast<std::uint16_t>(port)));
    if (held <= 0) return static_cast<std::uint16_t>(port);
  }
  return std::nullopt;
}

Usage LayeredUsage::merged() const {
  Usage out = committed_ ? *committed_ : Usage{};
  out.merge(changes_);
  return out;
}

Remaining remainingOf(const ContainerInstance& instance, const Usage& usage) {
  return Remaining{instance.registered.cpu - usage.cpu, instance.registered.memory - usage.memory,
                   inUse(instance.registered.tcpPorts, usage.tcpPorts),
                   inUse(instance.registered.udpPorts, usage.udpPorts)};
}

}  // namespace ecsd
