// Agent sessions: one WebSocket per connected container instance, over which
// ecsd sends tasks (PayloadMessage) and heartbeats, and the agent acknowledges
// them. See api/agent-protocol.md. No Asio here: the server owns sockets and
// timers and calls tick() periodically.
//
// Threads and locks: every method is thread-safe. One internal mutex guards
// the sessions and outboxes and is never held while calling the ControlPlane
// or WebSocketChannel::close(); it is held around WebSocketChannel::sendText()
// so that frames go out in seqNum order (sendText only queues). Connectivity
// callbacks are serialized by a second mutex, taken before the first, so the
// ControlPlane sees true/false in the order they happened; it may call
// deliver(), connected() and forget() from any callback.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "dispatch/payload.h"
#include "ecsd/clock.h"
#include "ecsd/result.h"
#include "protocol/authorizer.h"
#include "protocol/sigv4.h"
#include "protocol/websocket.h"
#include "security/key_ring.h"

namespace ecsd::dispatch {

// What an agent says of itself in its session URL (versionInfo's members).
struct VersionInfo {
  std::string agentVersion;
  std::string agentHash;
  std::string dockerVersion;  // as the agent words it: "DockerVersion: 20.10.24"
};

// What dispatch needs from the control plane.
class ControlPlane {
 public:
  virtual ~ControlPlane() = default;
  // The id of the container instance the session is for, if it is registered
  // (ACTIVE or DRAINING) in that cluster; otherwise the error to refuse with.
  virtual Result<std::string> instanceForSession(std::string_view clusterArn,
                                                 std::string_view containerInstanceArn) = 0;
  // Every task the instance should know about now (assigned to it and not yet
  // STOPPED, whatever its desired status), as PayloadMessage "tasks" entries.
  virtual PayloadTasks tasksFor(const std::string& instanceId) = 0;
  // The instance's agent connected, or is gone (closed, replaced by nothing,
  // or silent). Called on changes only, one call at a time.
  virtual void agentConnectivityChanged(const std::string& instanceId, bool connected) = 0;
  // The versions the agent named when it connected; Amazon's agent registers
  // without versionInfo and gives it only here.
  virtual void versionReported(const std::string& instanceId, const VersionInfo& version) = 0;
};

struct SessionSettings {
  std::chrono::milliseconds heartbeatInterval{10'000};
  // A session that acknowledges nothing for this long is closed as gone.
  std::chrono::milliseconds silenceLimit{25'000};
  // An unacknowledged PayloadMessage is sent again after this long.
  std::chrono::milliseconds resendAfter{5'000};
};

class AgentSessions {
 public:
  AgentSessions(ControlPlane& controlPlane, const security::KeyRing& keys,
                protocol::sigv4::Policy policy, const Clock& clock, SessionSettings settings);
  ~AgentSessions();

  // The server's acceptor for GET /ws?clusterArn=..&containerInstanceArn=..:
  // verifies the SigV4 signature of the upgrade request and the instance, then
  // sends the instance its tasks (a PayloadMessage) and keeps the session.
  Result<std::shared_ptr<protocol::WebSocketPeer>> accept(
      const protocol::HttpRequest& upgrade, std::shared_ptr<protocol::WebSocketChannel> channel);

  // Sends tasks (PayloadMessage "tasks" entries) to the instance's agent, now
  // if it is connected, and again until it acknowledges them, across reconnects.
  void deliver(const std::string& instanceId, PayloadTasks tasks);

  bool connected(const std::string& instanceId) const;

  // Drops what is kept for a deregistered instance and closes its session,
  // without a connectivity callback.
  void forget(const std::string& instanceId);

  // beat(), closes the sessions whose access key is no longer accepted (deactivated or
  // deleted), then resends what waited too long for its ack, visiting only the
  // instances with payloads not yet acknowledged. Thread-safe.
  void tick();
  // Asks authorizer about each session upgrade (ecs:Poll on the instance, with
  // ecs:cluster) once it is signed. Call before the first accept().
  void authorizeWith(const protocol::Authorizer& authorizer);
  // Heartbeats and closing silent sessions: cheap (it visits only the
  // sessions due), so it can run much more often than tick(). Thread-safe.
  void beat();

 private:
  struct Impl;
  // Shared so that a session outliving this object finds it gone, not freed.
  std::shared_ptr<Impl> impl_;
};

}  // namespace ecsd::dispatch
