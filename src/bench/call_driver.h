// Keeps every lane of a LoadClient busy with calls for a while, either at a
// fixed offered rate (open loop) or each lane's next call as soon as its last
// is answered (closed loop), and records each operation's latency.
//
// Open loop: call k is due at start + k / rate, whatever the answers so far.
// It goes out at once on an idle lane; when every lane is busy it waits in one
// queue for the first lane to free up, as a call waits for a connection of a
// client's pool, and counts as late. Its latency runs from when it was due,
// not from when it went out, so a slow answer that holds up the calls behind
// it shows in theirs too (no coordinated omission).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/load_client.h"
#include "bench/stats.h"

namespace ecsd::bench {

// One call to make: what to send, and what to do with the answer (which
// carries its latency from the due time).
struct PlannedCall {
  std::string operation;
  nlohmann::json request;
  std::function<void(const CallResult&)> answered;  // may be empty
};

struct DriveSettings {
  double rate = 0;  // calls/s offered over all lanes; 0: closed loop
  std::chrono::nanoseconds duration{std::chrono::seconds(5)};
};

class CallDriver {
 public:
  using Next = std::function<PlannedCall()>;

  CallDriver(LoadClient& client, DriveSettings settings, Next next);

  // Makes calls until the duration is over and every call made is answered,
  // or until a call fails. Returns the failure ("" when none); after one, the
  // next tick may still be queued on the loop, so the client is not to be run
  // again. REQUIRES: nothing else uses the client's lanes meanwhile.
  std::string run();

  // The figures of the run: mode, calls, seconds, offered and achieved rates,
  // late calls, the generator's own lag, and per operation the latency
  // percentiles.
  nlohmann::json report();

 private:
  struct Due {
    PlannedCall call;
    std::chrono::steady_clock::time_point at;
  };

  void tick();  // open loop: makes the calls now due, then waits for the next
  void issue(std::chrono::steady_clock::time_point due);
  void send(std::size_t lane, Due due);
  void answered(std::size_t lane, const Due& due, CallResult result);
  bool over() const;

  LoadClient& client_;
  const DriveSettings settings_;
  const Next next_;
  std::chrono::steady_clock::time_point start_, end_, lastAnswer_;
  std::size_t made_ = 0, answered_ = 0, late_ = 0;
  bool issuing_ = true;            // open loop: calls still to come
  std::vector<std::size_t> idle_;  // lanes with no call out
  std::deque<Due> waiting_;        // open loop: due calls no lane could take yet
  std::map<std::string, Latencies> latencies_;
  Latencies loopLag_;  // open loop: from when each call was due to when it was issued
  std::string error_;
};

}  // namespace ecsd::bench
