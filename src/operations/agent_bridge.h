// Joins the control plane and the agent sessions: operations ask it who is
// connected and hand it tasks to deliver; sessions ask it which instance a
// session is for and what tasks to send on connect.
#pragma once

#include <atomic>
#include <string>

#include "dispatch/agent_sessions.h"
#include "dispatch/telemetry_sessions.h"
#include "ecsd/domain/arn.h"
#include "ecsd/state/state.h"
#include "operations/agents.h"

namespace ecsd::operations {

class AgentBridge final : public Agents, public dispatch::ControlPlane {
 public:
  AgentBridge(State& state, const ArnFactory& arns) : state_(state), arns_(arns) {}

  // Set once during start-up, before requests are served. `url` is the
  // listener's; on an unspecified address (0.0.0.0, [::]) agents are told
  // the name they reached ecsd by instead, which they can reach again.
  void attach(dispatch::AgentSessions& sessions, dispatch::TelemetrySessions& telemetry) {
    sessions_ = &sessions;
    telemetry_ = &telemetry;
  }
  void setPollEndpoint(std::string url, bool anyAddress) {
    pollEndpoint_ = std::move(url);
    anyAddress_ = anyAddress;
  }

  // Agents
  bool connected(const std::string& instanceId) const override;
  void deliver(const std::string& instanceId, dispatch::PayloadTasks tasks) override;
  void forget(const std::string& instanceId) override;
  std::string pollEndpoint(std::string_view host) const override;

  // dispatch::ControlPlane
  Result<std::string> instanceForSession(std::string_view clusterArn,
                                         std::string_view containerInstanceArn) override;
  dispatch::PayloadTasks tasksFor(const std::string& instanceId) override;
  void agentConnectivityChanged(const std::string& instanceId, bool connected) override;
  void versionReported(const std::string& instanceId,
                       const dispatch::VersionInfo& version) override;

 private:
  State& state_;
  const ArnFactory& arns_;
  dispatch::AgentSessions* sessions_ = nullptr;
  dispatch::TelemetrySessions* telemetry_ = nullptr;
  std::string pollEndpoint_;
  bool anyAddress_ = false;
};

}  // namespace ecsd::operations
