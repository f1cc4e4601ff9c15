// How operations reach the agents: who is connected, and delivery of tasks
// once their write has committed.
#pragma once

#include <string>
#include <string_view>

#include "dispatch/payload.h"

namespace ecsd::operations {

class Agents {
 public:
  virtual ~Agents() = default;
  virtual bool connected(const std::string& instanceId) const = 0;
  // Sends PayloadMessage "tasks" entries to the instance's agent (now, or when
  // it connects again). Call only after the change is committed.
  virtual void deliver(const std::string& instanceId, dispatch::PayloadTasks tasks) = 0;
  // The instance is deregistered: drop what waits for its agent and close
  // its session (it must register again).
  virtual void forget(const std::string& instanceId) = 0;
  // DiscoverPollEndpoint's answer: where agents open their session, for an
  // agent that reached ecsd as `host` (its Host header).
  virtual std::string pollEndpoint(std::string_view host) const = 0;
};

}  // namespace ecsd::operations
