// Feasibility: can this instance take this task, and if not, why (the reason
// RunTask's failures show).
#include <algorithm>

#include "ecsd/scheduler/placement.h"
#include "scheduler/instance_target.h"

namespace ecsd::scheduler {

namespace {

bool taken(std::uint16_t port, const PortList& reserved, const PortList& chosen) {
  return std::binary_search(reserved.begin(), reserved.end(), port) ||
         std::find(chosen.begin(), chosen.end(), port) != chosen.end();
}

// Chooses the host ports of the task: static ones must be free, dynamic ones
// get the lowest free port of the ephemeral range. nullopt: they do not fit.
std::optional<Resources> assignPorts(const Candidate& c, const TaskDemand& demand) {
  Resources held{demand.cpu, demand.memory, {}, {}};
  for (const auto& port : demand.ports) {
    PortList& chosen = port.udp ? held.udpPorts : held.tcpPorts;
    const PortList& reserved =
        port.udp ? c.instance->registered.udpPorts : c.instance->registered.tcpPorts;
    std::optional<std::uint16_t> free;
    if (port.hostPort != 0) {
      if (!taken(port.hostPort, reserved, chosen) && !c.usage.holds(port.udp, port.hostPort)) {
        free = port.hostPort;
      }
    } else {
      free = c.usage.firstUnheld(port.udp, kEphemeralPortFirst);
      while (free && taken(*free, reserved, chosen)) {
        free = *free == kEphemeralPortLast
                   ? std::nullopt
                   : c.usage.firstUnheld(port.udp, static_cast<std::uint16_t>(*free + 1));
      }
    }
    if (!free) return std::nullopt;
    chosen.push_back(*free);
  }
  std::sort(held.tcpPorts.begin(), held.tcpPorts.end());
  std::sort(held.udpPorts.begin(), held.udpPorts.end());
  return held;
}

std::optional<std::string> constraintRejection(const Candidate& c, const TaskDemand& demand,
                                               const std::vector<Constraint>& constraints) {
  for (const auto& constraint : constraints) {
    if (constraint.type == Constraint::Type::DistinctInstance) {
      if (c.usage.groupCount(demand.group) > 0) {
        return "DistinctInstance placement constraint unsatisfied";
      }
    } else if (!constraint.expression->matches(
                   InstanceTarget(*c.instance, c.agentConnected, c.usage))) {
      return "MemberOf placement constraint unsatisfied";
    }
  }
  return std::nullopt;
}

bool hasRequiredAttributes(const ContainerInstance& instance, const TaskDemand& demand) {
  return std::all_of(demand.requiredAttributes.begin(), demand.requiredAttributes.end(),
                     [&](const std::string& name) {
                       return std::any_of(instance.attributes.begin(), instance.attributes.end(),
                                          [&](const Attribute& a) { return a.name == name; });
                     });
}

}  // namespace

Fit fit(const Candidate& c, const TaskDemand& demand, const std::vector<Constraint>& constraints) {
  const ContainerInstance& instance = *c.instance;
  if (instance.status != "ACTIVE") return {instance.status, {}};  // DRAINING takes no new tasks
  if (!c.agentConnected) return {"AGENT", {}};
  if (!hasRequiredAttributes(instance, demand)) return {"ATTRIBUTE", {}};
  if (instance.registered.cpu - c.usage.cpu() < demand.cpu) return {"RESOURCE:CPU", {}};
  if (instance.registered.memory - c.usage.memory() < demand.memory) {
    return {"RESOURCE:MEMORY", {}};
  }
  auto held = assignPorts(c, demand);
  if (!held) return {"RESOURCE:PORTS", {}};
  if (auto rejection = constraintRejection(c, demand, constraints)) return {rejection, {}};
  return {std::nullopt, std::move(*held)};
}

bool admits(const Candidate& c, const TaskDemand& demand,
            const std::vector<Constraint>& constraints) {
  if (c.instance->status != "ACTIVE" || !hasRequiredAttributes(*c.instance, demand)) return false;
  return std::all_of(constraints.begin(), constraints.end(), [&](const Constraint& constraint) {
    return constraint.type != Constraint::Type::MemberOf ||
           constraint.expression->matches(InstanceTarget(*c.instance, c.agentConnected, c.usage));
  });
}

}  // namespace ecsd::scheduler
