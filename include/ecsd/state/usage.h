// What the live tasks on one container instance hold. Derived state: the sum
// over its tasks that are not STOPPED, rebuilt on load and kept in step on
// every applied change; `ecsd check` recomputes it from scratch to prove it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

// An instance's usage as a write or a placement sees it: the committed Usage,
// shared and never copied, with what the write and the placement have changed
// laid over it. Copying the committed Usage (its port and group maps) for each
// candidate was most of a placement's cost.
class LayeredUsage {
 public:
  LayeredUsage() = default;
  // REQUIRES: `committed` (may be null: nothing used) outlives this.
  explicit LayeredUsage(const Usage* committed, Usage changes = {})
      : committed_(committed), changes_(std::move(changes)) {}

  std::int64_t cpu() const { return (committed_ ? committed_->cpu : 0) + changes_.cpu; }
  std::int64_t memory() const { return (committed_ ? committed_->memory : 0) + changes_.memory; }
  int runningTasks() const {
    return (committed_ ? committed_->runningTasks : 0) + changes_.runningTasks;
  }
  int pendingTasks() const {
    return (committed_ ? committed_->pendingTasks : 0) + changes_.pendingTasks;
  }
  // Live tasks of the group here.
  int groupCount(const std::string& group) const;
  // Groups with a live task here, in order.
  std::vector<std::string> groups() const;
  // The lowest port >= from that no live task holds (nullopt: none up to 65535).
  std::optional<std::uint16_t> firstUnheld(bool udp, std::uint16_t from) const;
  bool holds(bool udp, std::uint16_t port) const;

  void add(const Task& task, int sign) { changes_.add(task, sign); }
  // What is laid over the committed usage.
  const Usage& changes() const { return changes_; }
  Usage merged() const;

 private:
  const Usage* committed_ = nullptr;
  Usage changes_;
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
