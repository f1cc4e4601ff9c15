// Delivers state changes to ecsd in the order they happened, each retried
// with backoff until ecsd accepts it (ecsd may be unreachable for minutes).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "agent/backoff.h"
#include "agent/net/api_client.h"
#include "agent/state_change.h"

namespace ecsd::agent {

class StateReporter {
 public:
  struct Timing {
    std::chrono::milliseconds firstRetry{250};
    std::chrono::milliseconds maxRetry{30'000};
  };

  // `api` must outlive the reporter. Starts its thread.
  StateReporter(ApiTransport& api, std::string cluster, Timing timing);
  StateReporter(ApiTransport& api, std::string cluster) : StateReporter(api, cluster, Timing{}) {}
  ~StateReporter();  // stops; what is still queued is dropped (the agent
                     // reports current state again after a restart)

  // Queues the change; never blocks on the network.
  void submit(TaskStateChange change);

  // Waits until everything submitted so far is delivered (or given up on).
  // Returns false on timeout.
  bool waitIdle(std::chrono::milliseconds timeout);

 private:
  void run();
  // Sends one call until it is accepted, refused for good, or the reporter stops.
  void deliver(const std::string& operation, const nlohmann::json& request);

  ApiTransport& api_;
  const std::string cluster_;
  const Timing timing_;
  StopSignal stop_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<TaskStateChange> queue_;
  bool busy_ = false;
  std::thread thread_;
};

}  // namespace ecsd::agent
