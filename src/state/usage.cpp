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

Remaining remainingOf(const ContainerInstance& instance, const Usage& usage) {
  return Remaining{instance.registered.cpu - usage.cpu, instance.registered.memory - usage.memory,
                   inUse(instance.registered.tcpPorts, usage.tcpPorts),
                   inUse(instance.registered.udpPorts, usage.udpPorts)};
}

}  // namespace ecsd
