// The load generator's network side: N kept-alive HTTPS connections ("lanes")
// making SigV4-signed ECS calls the way the SDKs do, and any number of
// simulated agent sessions (the real WebSocket protocol of
// api/agent-protocol.md: signed upgrade, and frames handled by the agent's own
// AcsSession, so heartbeats and payloads are answered as ecs-agent answers).
// The lanes, timers and every callback run on the thread that calls run(), so
// scenarios need no locks; the sessions run on threads of their own.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent/net/backend.h"
#include "agent/task_spec.h"

namespace ecsd::bench {

struct CallResult {
  int status = 0;  // HTTP status; 0 when there was no answer
  std::string text;  // the answer's body
  std::chrono::nanoseconds latency{0};
  std::string error;  // the AWS error type, or what went wrong on the wire
  bool ok() const { return status == 200; }
  // The body, parsed when first asked for: parsing a 178 KB answer takes
  // milliseconds of the calls' thread, which would delay every other call.
  const nlohmann::json& body() const {
    if (!parsed_) parsed_ = nlohmann::json::parse(text, nullptr, false);
    return *parsed_;
  }
  // What went wrong, for a report: "Operation: ErrorType {answer}".
  std::string failure(const std::string& operation) const {
    return operation + ": " + error + " " + text;
  }

 private:
  mutable std::optional<nlohmann::json> parsed_;
};

class LoadClient {
 public:
  using Reply = std::function<void(CallResult)>;
  // The tasks of a PayloadMessage an agent received (already acknowledged).
  using PayloadHandler =
      std::function<void(std::size_t agent, const std::vector<agent::TaskSpec>& tasks)>;
  using Connected = std::function<void(bool ok, const std::string& error)>;

  LoadClient(std::string endpoint, agent::SigningCredentials credentials, agent::TlsOptions tls,
             std::size_t lanes);
  ~LoadClient();

  // Calls go out on `lane` one at a time, in order.
  void call(std::size_t lane, const std::string& operation, nlohmann::json request, Reply reply);
  // A set-up step: makes one call on lane 0 and serves until it is answered.
  // REQUIRES: not called from a callback.
  CallResult callNow(const std::string& operation, nlohmann::json request);
  // Opens agent session number `agent` for a registered instance.
  void connectAgent(std::size_t agent, const std::string& clusterArn,
                    const std::string& instanceArn, Connected connected);
  void onPayload(PayloadHandler handler);
  // Runs `task` on the loop after `delay`.
  void after(std::chrono::nanoseconds delay, std::function<void()> task);

  void run();   // serves until stop()
  void stop();  // from a callback or another thread
  // After stop(): lets the calls still in flight finish (their callbacks run)
  // and forgets the payload handler, so a scenario leaves nothing behind
  // that refers to it. REQUIRES: the callbacks start no new calls.
  void drain();

  std::size_t lanes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ecsd::bench
