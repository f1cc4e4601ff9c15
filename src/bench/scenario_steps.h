// Steps several scenarios take alike: checking an answer, timing, and agents
// that run the tasks they are sent.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "bench/load_client.h"
#include "bench/stats.h"

namespace ecsd::bench {

using SteadyClock = std::chrono::steady_clock;

inline double secondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// Stops the loop with an error answer when a call fails.
inline bool check(LoadClient& client, const CallResult& result, const char* what,
                  std::string& error) {
  if (result.ok()) return true;
  error = result.failure(what);
  client.stop();
  return false;
}

// The agents run what they are sent: each task of a PayloadMessage reaches its
// desired status (RUNNING or STOPPED) at once, reported with
// SubmitTaskStateChange over `count` lanes from `first` in turn, as real
// agents report over connections of their own. A failed report stops the loop
// with `error` set; each report's latency goes to `latencies` when given. Until
// the client's drain() forgets the handler.
void runSentTasks(LoadClient& client, const std::string& cluster, std::size_t first,
                  std::size_t count, std::string& error, Latencies* latencies = nullptr);

}  // namespace ecsd::bench
