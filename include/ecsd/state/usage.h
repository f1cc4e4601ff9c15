// What the live tasks on one container instance hold. Derived state: the sum
// over its tasks that are not STOPPED, rebuilt on load and kept in step on
// every applied change; `ecsd check` recomputes it from scratch to prove it.
#pragma once

#include <array>
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

// An instance's usage as a write or a placement sees it: the committed
// Usage and the write's changes to it, both borrowed, never copied, and what
// the placement itself adds. Copying them (their port and group maps) for
// each candidate was most of a placement's cost.
class LayeredUsage {
 public:
  LayeredUsage() = default;
  // REQUIRES: the layers (either may be null: nothing) outlive this.
  explicit LayeredUsage(const Usage* committed, const Usage* draft = nullptr)
      : layers_{committed, draft} {}

  std::int64_t cpu() const { return sum([](const Usage& u) { return u.cpu; }); }
  std::int64_t memory() const { return sum([](const Usage& u) { return u.memory; }); }
  int runningTasks() const { return sum([](const Usage& u) { return u.runningTasks; }); }
  int pendingTasks() const { return sum([](const Usage& u) { return u.pendingTasks; }); }
  // Live tasks of the group here.
  int groupCount(const std::string& group) const;
  // Groups with a live task here, in order.
  std::vector<std::string> groups() const;
  // The lowest port >= from that no live task holds (nullopt: none up to 65535).
  std::optional<std::uint16_t> firstUnheld(bool udp, std::uint16_t from) const;
  bool holds(bool udp, std::uint16_t port) const;

  void add(const Task& task, int sign) { own_.add(task, sign); }

 private:
  template <class Field>
  auto sum(Field field) const -> decltype(field(std::declval<const Usage&>())) {
    auto total = field(own_);
    for (const Usage* layer : layers_) {
      if (layer) total += field(*layer);
    }
    return total;
  }

  std::array<const Usage*, 2> layers_{};  // committed, the write's changes
  Usage own_;                             // what placement has added
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
