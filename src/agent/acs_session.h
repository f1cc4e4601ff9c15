// The agent's end of the session with ecsd (api/agent-protocol.md): one
// WebSocket kept open, PayloadMessages handed to the task engine and
// acknowledged, heartbeats answered, and reconnection with backoff.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/backoff.h"
#include "agent/net/websocket_client.h"
#include "agent/task_spec.h"
#include "ecsd/result.h"

namespace ecsd::agent {

struct SessionIdentity {
  std::string clusterArn;
  std::string containerInstanceArn;
  std::string agentVersion;
  std::string agentHash;
  std::string dockerVersion;  // "DockerVersion: 20.10.24"
};

struct SessionTiming {
  std::chrono::milliseconds readSlice{1000};       // how often the loop looks up from reading
  std::chrono::milliseconds silenceLimit{30'000};  // nothing heard this long: reconnect
  std::chrono::milliseconds firstRetry{250};
  std::chrono::milliseconds maxRetry{60'000};
};

class AcsSession {
 public:
  using Connector =
      std::function<Result<std::unique_ptr<WebSocketConnection>>(const std::string& url)>;
  using TaskSink = std::function<void(const std::vector<TaskSpec>&)>;
  // The base URL to connect to ("https://host:port"), asked before each
  // attempt (DiscoverPollEndpoint).
  using EndpointSource = std::function<std::string()>;

  AcsSession(SessionIdentity identity, EndpointSource endpoint, Connector connect, TaskSink tasks,
             SessionTiming timing);

  // Connects and serves sessions until `stop`; reconnects after every drop.
  // Returns an error only for a refusal that retrying cannot mend: the
  // instance is no longer registered (InactiveInstanceException), the
  // cluster is gone, or ecsd rejects the request itself.
  Status run(const StopSignal& stop);

  // One frame from ecsd; returns the frame to answer with, if any.
  std::optional<std::string> handleFrame(std::string_view text);

  // The session URL for a base endpoint (https -> wss, http -> ws).
  std::string sessionUrl(const std::string& endpoint) const;

 private:
  // Serves one open connection until it drops, goes silent, or stop.
  void serve(WebSocketConnection& connection, const StopSignal& stop);

  const SessionIdentity identity_;
  const EndpointSource endpoint_;
  const Connector connect_;
  const TaskSink tasks_;
  const SessionTiming timing_;
  std::int64_t highestSeqNum_ = 0;  // the highest PayloadMessage seqNum handled
};

}  // namespace ecsd::agent
