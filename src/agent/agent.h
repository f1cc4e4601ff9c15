// ecs-agent from start to stop: registers the host, adopts what a previous
// run left, serves the introspection API, runs the session with ecsd, and
// cleans up stopped tasks' containers.
#pragma once

#include <memory>

#include "agent/acs_session.h"
#include "agent/config.h"
#include "agent/net/api_client.h"
#include "agent/net/local_http_server.h"
#include "agent/runtime/container_runtime.h"
#include "ecsd/clock.h"

namespace ecsd::agent {

struct AgentParts {
  ApiTransport& api;
  ContainerRuntime& runtime;
  AcsSession::Connector connect;
  const Clock& clock;
  std::string version;  // e.g. "0.1.0"
};

// Runs until `stop`. Errors: a refusal that retrying cannot mend (bad
// credentials, the instance deregistered, the introspection port taken).
Status runAgent(const AgentConfig& config, AgentParts parts, const StopSignal& stop);

}  // namespace ecsd::agent
