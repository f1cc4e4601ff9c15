// What the live tasks on one container instance hold. Derived state: the sum
// over its tasks that are not STOPPED, rebuilt on load and kept in step on
// every applied change; `ecsd check` recomputes it from scratch to prove it.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "ecsd/domain/container_instance.h"
#include "ecsd/domain/task.h"

namespace ecsd {

struct Usage {
  std::int64_t cpu = 0;
  std::int64_t memory = 0;
  std::map<std::uint16_t, int> tcpPorts;  // port -> live tasks holding it
  std::map<std::uint16_t, int> udpPorts;
  int runningTasks = 0;
  int pendingTasks = 0;
  std::map<std::string, int> groups;  // task group -> live tasks

  // Adds (sign 1) or removes (sign -1) what a live task holds; a STOPPED task
  // holds nothing.
  void add(const Task& task, int sign);
  // Adds a delta (which may hold negative counts).
  void merge(const Usage& delta);
  bool operator==(const Usage& other) const;
};

// What is left of an instance: registered minus used. Ports are the ports in
// use, reserved ones included: ECS's own (surprising) rule for PORTS.
struct Remaining {
  std::int64_t cpu = 0;
  std::int64_t memory = 0;
  PortList tcpPortsInUse;
  PortList udpPortsInUse;
};
Remaining remainingOf(const ContainerInstance& instance, const Usage& usage);

}  // namespace ecsd
