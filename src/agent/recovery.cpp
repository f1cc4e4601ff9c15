#include "agent/recovery.h"

#include <spdlog/spdlog.h>

#include <set>

#include "agent/task_runner.h"
#include "common/logging.h"
#include "ecsd/errors.h"

namespace ecsd::agent {
namespace {

using nlohmann::json;

// Runs `attempt` until it succeeds, backing off between tries; nullopt when
// stopped first.
template <class T, class Attempt>
std::optional<T> untilDone(const char* what, const StopSignal& stop, Attempt attempt) {
  Backoff backoff(std::chrono::milliseconds(500), std::chrono::seconds(30));
  return retryUntilDone(backoff, stop, [&](std::chrono::milliseconds delay) -> std::optional<T> {
    Result<T> result = attempt();
    if (result) return std::move(*result);
    spdlog::warn(
        "msg=\"Recovery step failed, retrying\" module=Recovery step={} error={} "
        "message={} retry_in_ms={}",
        what, result.error().type, logging::quote(result.error().message), delay.count());
    return std::nullopt;
  });
}

// The tasks among `arns` that ecsd has not yet seen STOPPED.
Result<std::set<std::string>> liveTasks(ApiTransport& api, const std::string& cluster,
                                        const std::vector<std::string>& arns) {
  std::set<std::string> live;
  for (std::size_t at = 0; at < arns.size(); at += 100) {
    const std::vector<std::string> chunk(
        arns.begin() + static_cast<std::ptrdiff_t>(at),
        arns.begin() + static_cast<std::ptrdiff_t>(std::min(arns.size(), at + 100)));
    auto answer = api.call("DescribeTasks", {{"cluster", cluster}, {"tasks", chunk}});
    if (!answer) return answer.error();
    for (const json& task : answer->value("tasks", json::array())) {
      if (task.value("lastStatus", "") != "STOPPED") live.insert(task.value("taskArn", ""));
    }
  }
  return live;
}

}  // namespace

Result<ContainersByTask> recoverContainers(ContainerRuntime& runtime, ApiTransport& api,
                                           const std::string& cluster,
                                           const std::string& instanceArn,
                                           const std::vector<std::string>& previousArns,
                                           const StopSignal& stop) {
  std::vector<ContainerState> orphans;
  ContainersByTask ours;
  std::vector<std::string> owners = previousArns;
  owners.push_back(instanceArn);
  for (const auto& owner : owners) {
    auto found = untilDone<std::vector<ContainerState>>("list containers", stop, [&] {
      return runtime.listContainers(std::string(labels::kContainerInstance) + "=" + owner);
    });
    if (!found) return errors::server("stopped during recovery");
    for (auto& container : *found) {
      if (owner == instanceArn) {
        ours[container.labels[labels::kTaskArn]].push_back(std::move(container));
      } else {
        orphans.push_back(std::move(container));
      }
    }
  }
  std::vector<std::string> arns;
  for (const auto& [arn, containers] : ours) arns.push_back(arn);
  auto live = untilDone<std::set<std::string>>("describe tasks", stop,
                                               [&] { return liveTasks(api, cluster, arns); });
  if (!live) return errors::server("stopped during recovery");
  for (auto it = ours.begin(); it != ours.end();) {
    if (live->count(it->first)) {
      ++it;
      continue;
    }
    for (auto& container : it->second) orphans.push_back(std::move(container));
    it = ours.erase(it);
  }
  for (const auto& orphan : orphans) {
    auto removed = runtime.removeContainer(orphan.id);
    spdlog::info("msg=\"Removed orphaned container\" module=Recovery id={} task={} ok={}",
                 orphan.id.substr(0, 12),
                 orphan.labels.count(labels::kTaskArn) ? orphan.labels.at(labels::kTaskArn) : "",
                 removed.ok());
  }
  spdlog::info("msg=\"Recovery done\" module=Recovery tasks={} orphans_removed={}", ours.size(),
               orphans.size());
  return ours;
}

}  // namespace ecsd::agent
