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
  return sum([&](const Usage& u) {
    const auto it = u.groups.find(group);
    return it == u.groups.end() ? 0 : it->second;
  });
}

std::vector<std::string> LayeredUsage::groups() const {
  std::map<std::string, int> counts = own_.groups;
  for (const Usage* layer : layers_) {
    if (layer) mergeCounts(counts, layer->groups);
  }
  std::vector<std::string> out;
  for (const auto& [group, count] : counts) {
    if (count > 0) out.push_back(group);
  }
  return out;
}

bool LayeredUsage::holds(bool udp, std::uint16_t port) const {
  return sum([&](const Usage& u) { return countIn(udp ? u.udpPorts : u.tcpPorts, port); }) > 0;
}

std::optional<std::uint16_t> LayeredUsage::firstUnheld(bool udp, std::uint16_t from) const {
  static const std::map<std::uint16_t, int> kNone;
  const Usage* committed = layers_[0];
  const auto& held = committed ? (udp ? committed->udpPorts : committed->tcpPorts) : kNone;
  // Held ports are mostly a run upwards from `from` in the committed layer:
  // walk its map along with the candidate port instead of looking each one
  // up; the thin layers above are looked up.
  const auto above = [&](std::uint16_t port) {
    int count = countIn(udp ? own_.udpPorts : own_.tcpPorts, port);
    if (const Usage* draft = layers_[1]) count += countIn(udp ? draft->udpPorts : draft->tcpPorts, port);
    return count;
  };
  auto next = held.lower_bound(from);
  for (unsigned port = from; port <= 65535; ++port) {
    while (next != held.end() && next->first < port) ++next;
    const auto candidate = static_cast<std::uint16_t>(port);
    const int count = (next != held.end() && next->first == port ? next->second : 0) + above(candidate);
    if (count <= 0) return candidate;
  }
  return std::nullopt;
}

Remaining remainingOf(const ContainerInstance& instance, const Usage& usage) {
  return Remaining{instance.registered.cpu - usage.cpu, instance.registered.memory - usage.memory,
                   inUse(instance.registered.tcpPorts, usage.tcpPorts),
                   inUse(instance.registered.udpPorts, usage.udpPorts)};
}

}  // namespace ecsd
