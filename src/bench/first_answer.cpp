// first-answer: how long a starting ecsd takes to serve its first request.
// The caller notes the wall clock, starts ecsd and this scenario together;
// ListClusters (signed, cheap) is retried until it is answered.
#include <functional>
#include <optional>

#include "bench/scenarios.h"

namespace ecsd::bench {

using nlohmann::json;

json firstAnswerScenario(LoadClient& client, std::chrono::system_clock::time_point since) {
  constexpr auto kRetryAfter = std::chrono::milliseconds(2);
  constexpr auto kGiveUpAfter = std::chrono::minutes(2);
  std::size_t attempts = 0;
  std::string lastError;
  std::optional<std::chrono::system_clock::time_point> answeredAt;
  std::function<void()> attempt = [&] {
    ++attempts;
    client.call(0, "ListClusters", json::object(), [&](CallResult result) {
      if (result.ok()) {
        answeredAt = std::chrono::system_clock::now();
        return client.stop();
      }
      lastError = result.failure("ListClusters");  // not listening yet, most likely
      if (std::chrono::system_clock::now() - since > kGiveUpAfter) return client.stop();
      client.after(kRetryAfter, attempt);
    });
  };
  attempt();
  client.run();
  client.drain();
  if (!answeredAt) return {{"scenario", "first-answer"}, {"error", "no answer: " + lastError}};
  return {{"scenario", "first-answer"},
          {"seconds", std::chrono::duration<double>(*answeredAt - since).count()},
          {"attempts", attempts}};
}

}  // namespace ecsd::bench
