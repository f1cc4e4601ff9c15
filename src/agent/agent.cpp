#include "agent/agent.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "agent/introspection.h"
#include "agent/recovery.h"
#include "agent/registration.h"
#include "agent/saved_state.h"
#include "agent/state_reporter.h"
#include "agent/task_engine.h"
#include "common/logging.h"
#include "ecsd/errors.h"

namespace ecsd::agent {
namespace {

using nlohmann::json;

// The engine's version, waiting for it to come up.
std::optional<std::string> dockerVersion(ContainerRuntime& runtime, const StopSignal& stop) {
  Backoff backoff(std::chrono::milliseconds(500), std::chrono::seconds(30));
  return retryUntilDone(
      backoff, stop, [&](std::chrono::milliseconds delay) -> std::optional<std::string> {
        auto version = runtime.version();
        if (version) return *version;
        spdlog::warn(
            "msg=\"Docker is not answering, retrying\" module=Agent error={} message={} "
            "retry_in_ms={}",
            version.error().type, logging::quote(version.error().message), delay.count());
        return std::nullopt;
      });
}

// DiscoverPollEndpoint's answer, or the configured URL when it has none.
std::string pollEndpoint(ApiTransport& api, const AgentConfig& config,
                         const Registration& registration) {
  auto answer = api.call(
      "DiscoverPollEndpoint",
      {{"cluster", config.cluster}, {"containerInstance", registration.containerInstanceArn}});
  if (answer && answer->value("endpoint", json()).is_string()) return (*answer)["endpoint"];
  return config.backendUrl;
}

// Cleans up stopped tasks every few seconds until stopped.
void cleanUpLoop(TaskEngine& engine, std::chrono::seconds wait, const StopSignal& stop) {
  const auto period = std::clamp<std::chrono::milliseconds>(
      wait / 2, std::chrono::milliseconds(200), std::chrono::seconds(10));
  while (stop.sleepFor(period)) engine.cleanUp();
}

}  // namespace

Status runAgent(const AgentConfig& config, AgentParts parts, const StopSignal& stop) {
  const auto docker = dockerVersion(parts.runtime, stop);
  if (!docker) return {};
  auto saved = loadSavedState(config.dataDir);
  if (!saved) return saved.error();
  std::optional<std::string> previousArn;
  if (*saved && (*saved)->cluster == config.cluster) previousArn = (*saved)->containerInstanceArn;

  auto registration = registerInstance(parts.api, config, "DockerVersion: " + *docker,
                                       parts.version, previousArn, stop);
  if (!registration) return stop.stopped() ? Status{} : Status{registration.error()};
  const std::string& instanceArn = registration->containerInstanceArn;
  if (auto written = saveState(config.dataDir, {config.cluster, instanceArn}); !written) {
    return written;
  }

  std::vector<std::string> previousOwners;
  if (*saved && (*saved)->containerInstanceArn != instanceArn) {
    previousOwners.push_back((*saved)->containerInstanceArn);
  }
  auto recovered = recoverContainers(parts.runtime, parts.api, config.cluster, instanceArn,
                                     previousOwners, stop);
  if (!recovered) return stop.stopped() ? Status{} : Status{recovered.error()};

  StateReporter reporter(parts.api, config.cluster);
  RunnerSettings settings{config.cluster, instanceArn, config.containerStopTimeout};
  auto engine = std::make_unique<TaskEngine>(
      parts.runtime, [&reporter](TaskStateChange change) { reporter.submit(std::move(change)); },
      parts.clock, settings, config.taskCleanupWait);
  engine->recover(std::move(*recovered));

  const Introspection introspection(
      {config.cluster, registration->clusterArn, instanceArn, "ecsd Agent - v" + parts.version},
      [&engine] { return engine->snapshot(); });
  auto server = startLocalHttpServer(config.introspectionAddress, config.introspectionPort,
                                     [&introspection](const protocol::HttpRequest& request) {
                                       return introspection.handle(request);
                                     });
  if (!server) return server.error();
  spdlog::info("msg=\"Introspection API listening\" module=Agent address={}:{}",
               config.introspectionAddress, (*server)->port());

  StopSignal cleanerStop;
  std::thread cleaner([&] { cleanUpLoop(*engine, config.taskCleanupWait, cleanerStop); });

  AcsSession session(
      {registration->clusterArn.empty() ? config.cluster : registration->clusterArn, instanceArn,
       parts.version, "ecsd", "DockerVersion: " + *docker},
      [&] { return pollEndpoint(parts.api, config, *registration); }, parts.connect,
      [&engine](const std::vector<TaskSpec>& tasks) { engine->apply(tasks); }, SessionTiming{});
  Status outcome = session.run(stop);

  spdlog::info("msg=\"Agent stopping\" module=Agent");
  cleanerStop.stop();
  cleaner.join();
  server->reset();
  engine.reset();  // ends the task threads; containers keep running
  reporter.waitIdle(std::chrono::seconds(5));
  return outcome;
}

}  // namespace ecsd::agent
