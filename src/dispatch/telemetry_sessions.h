// Telemetry sessions (TCS): the second WebSocket Amazon's agent opens, at
// DiscoverPollEndpoint's telemetryEndpoint + "/ws", over which it publishes
// its containers' CPU and memory use, their health and its own status. Every
// frame is a signed header block, a blank line, then the JSON message; each
// is verified, kept and acknowledged, and heartbeats keep the session alive.
// See api/agent-protocol.md, "Telemetry". No Asio here, as for AgentSessions.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dispatch/agent_sessions.h"

namespace ecsd::dispatch {

// Where telemetry sessions live, below the endpoint agents are given.
inline constexpr std::string_view kTelemetryPath = "/tcs";

// One of TCS's StatsSets: what a container used over the agent's last
// publishing interval, summarized by its samples, in the agent's units
// (Amazon's agent samples CPU as a percentage and memory in MiB).
struct StatsSet {
  double min = 0;
  double max = 0;
  double sum = 0;
  std::int64_t sampleCount = 0;
};

struct ContainerTelemetry {
  std::optional<StatsSet> cpu;     // cpuStatsSet
  std::optional<StatsSet> memory;  // memoryStatsSet
  std::string healthStatus;        // HEALTHY | UNHEALTHY | UNKNOWN, when health is reported
};

// The latest an instance's agent reported.
struct InstanceTelemetry {
  // Task ARN -> container name -> its latest report. A task missing from a
  // complete round of metrics (the frames up to "fin") is gone.
  std::map<std::string, std::map<std::string, ContainerTelemetry>> tasks;
  // PublishInstanceStatusRequest: status type (e.g. "ContainerRuntime") ->
  // INITIALIZING | OK | IMPAIRED.
  std::map<std::string, std::string> statuses;
  std::chrono::system_clock::time_point reportedAt;
};

class TelemetrySessions {
 public:
  TelemetrySessions(ControlPlane& controlPlane, const security::KeyRing& keys,
                    protocol::sigv4::Policy policy, const Clock& clock,
                    std::chrono::milliseconds heartbeatInterval);
  ~TelemetrySessions();

  // The acceptor for GET <kTelemetryPath>/ws?cluster=..&containerInstance=..
  // (SigV4-signed, for an ACTIVE or DRAINING instance).
  Result<std::shared_ptr<protocol::WebSocketPeer>> accept(
      const protocol::HttpRequest& upgrade, std::shared_ptr<protocol::WebSocketChannel> channel);

  std::optional<InstanceTelemetry> telemetry(const std::string& instanceId) const;

  // Drops what is kept for a deregistered instance and closes its session.
  void forget(const std::string& instanceId);

  // Sends the heartbeats due. Thread-safe; cheap (visits only those due).
  void beat();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ecsd::dispatch
