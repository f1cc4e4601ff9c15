// ecs-agent: runs on each host, joins the host to an ecsd cluster and runs
// the tasks ecsd places on it as Docker containers. Configured like the
// Amazon ECS agent: environment variables, over an optional ecs.config file
// (ECS_CONFIG_FILE, default /etc/ecs/ecs.config). See docs/agent.md.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <iostream>
#include <thread>

#include "agent/agent.h"
#include "agent/runtime/docker_runtime.h"
#include "common/files.h"
#include "common/logging.h"
#include "ecsd/errors.h"

extern char** environ;

namespace ecsd::agent {
namespace {

constexpr const char* kUsage = R"(Usage: ecs-agent [--help] [--version]

Configured by environment variables (and the file ECS_CONFIG_FILE, default
/etc/ecs/ecs.config, holding KEY=VALUE lines); the environment wins:
  ECS_CLUSTER                  cluster to join (default: default); it must exist, except
                               default, which is created when missing
  ECS_BACKEND_HOST             ecsd's URL (default: https://127.0.0.1:8443)
  ECS_BACKEND_PORT             port for an ECS_BACKEND_HOST without one (default: 443)
  AWS_DEFAULT_REGION           region (default: us-east-1)
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN   the key to sign with
  ECSD_CA_BUNDLE               CA certificate (PEM) that ecsd's certificate chains to, ecsd's
                               DATA_DIR/ca.pem (default: AWS_CA_BUNDLE, else the system's CAs)
  ECS_RESERVED_PORTS           host ports never given to tasks (default: [22, 2375, 2376, 51678, 51679])
  ECS_RESERVED_PORTS_UDP       the same for UDP (default: [])
  ECS_RESERVED_MEMORY          MiB kept back from tasks (default: 0)
  ECS_DATADIR                  state kept across restarts (default: /var/lib/ecs/data)
  ECS_LOGLEVEL                 crit, error, warn, info, debug (default: info)
  ECS_LOGFILE                  log to this file instead of stdout
  ECS_CONTAINER_STOP_TIMEOUT   time a container gets to stop before SIGKILL (default: 30s)
  ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION  how long a stopped task's containers stay (default: 3h)
  ECS_INSTANCE_ATTRIBUTES      custom attributes, a JSON object ({"stack": "prod"})
  DOCKER_HOST                  Docker's socket (default: unix:///var/run/docker.sock)
  ECSD_INTROSPECTION_ADDRESS   introspection API address (default: 127.0.0.1)
  ECSD_INTROSPECTION_PORT      introspection API port (default: 51678)
  ECSD_CPU_UNITS, ECSD_MEMORY_MIB   report these instead of the host's cores x 1024 and memory
)";

Settings environmentSettings() {
  Settings settings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const char* equals = std::strchr(*entry, '=');
    if (equals != nullptr)
      settings[std::string(*entry, static_cast<std::size_t>(equals - *entry))] = equals + 1;
  }
  return settings;
}

Result<Settings> fileSettings(const Settings& environment) {
  const auto named = environment.find("ECS_CONFIG_FILE");
  const std::string path =
      named != environment.end() ? named->second : std::string("/etc/ecs/ecs.config");
  auto exists = files::fileExists(path);
  if (!exists || !*exists) {
    // The default file is optional; one named explicitly is not.
    if (named == environment.end()) return Settings{};
    return errors::invalidParameter("ECS_CONFIG_FILE " + path + " cannot be read.");
  }
  auto text = files::readFile(path);
  if (!text) return text.error();
  return parseConfigFile(*text);
}

// SIGTERM and SIGINT stop the agent (its containers keep running).
void stopOnSignals(StopSignal& stop) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by every thread started later
  std::thread([signals, &stop] {
    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("msg=\"Signal received\" module=Agent signal={}", received);
    stop.stop();
  }).detach();
}

int run() {
  const Settings environment = environmentSettings();
  auto file = fileSettings(environment);
  if (!file) {
    std::cerr << "ecs-agent: " << file.error().message << "\n";
    return 2;
  }
  auto config = loadConfig(environment, *file);
  if (!config) {
    std::cerr << "ecs-agent: " << config.error().message << "\n";
    return 2;
  }
  // Checked here: the clients would otherwise retry a CA bundle that cannot work forever.
  if (!config->caBundle.empty()) {
    if (auto exists = files::fileExists(config->caBundle); !exists || !*exists) {
      std::cerr << "ecs-agent: the CA bundle " << config->caBundle
                << " (ECSD_CA_BUNDLE, or AWS_CA_BUNDLE) cannot be read\n";
      return 2;
    }
  }
  if (!logging::configure(config->logLevel, logging::Console::Stdout, config->logFile)) {
    std::cerr << "ecs-agent: unknown ECS_LOGLEVEL '" << config->logLevel << "'\n";
    return 2;
  }
  static StopSignal stop;
  stopOnSignals(stop);
  auto runtime = makeDockerRuntime(config->dockerHost);
  if (!runtime) {
    spdlog::critical("msg=\"Cannot use Docker\" module=Agent message={}",
                     logging::quote(runtime.error().message));
    return 1;
  }
  const SigningCredentials credentials{config->accessKeyId, config->secretAccessKey,
                                       config->sessionToken, config->region, "ecs"};
  const TlsOptions tls{config->caBundle, config->tlsVerify};
  auto api = makeApiClient(config->backendUrl, credentials, tls, std::chrono::seconds(30));
  const SystemClock clock;
  spdlog::info("msg=\"Starting agent\" module=Agent version={} cluster={} backend={} data_dir={}",
               ECSD_VERSION, config->cluster, config->backendUrl, logging::quote(config->dataDir));
  AgentParts parts{*api, **runtime,
                   [&](const std::string& url) {
                     return connectWebSocket(url, credentials, tls, std::chrono::seconds(30));
                   },
                   clock, ECSD_VERSION};
  const Status outcome = runAgent(*config, std::move(parts), stop);
  if (!outcome) {
    spdlog::critical("msg=\"Agent failed\" module=Agent error={} message={}", outcome.error().type,
                     logging::quote(outcome.error().message));
    spdlog::shutdown();
    return 1;
  }
  spdlog::info("msg=stopped module=Agent");
  spdlog::shutdown();
  return 0;
}

}  // namespace
}  // namespace ecsd::agent

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << ecsd::agent::kUsage;
      return 0;
    }
    if (arg == "--version") {
      std::cout << "ecs-agent " << ECSD_VERSION << "\n";
      return 0;
    }
    std::cerr << "ecs-agent: unknown argument '" << arg << "' (see --help)\n";
    return 2;
  }
  return ecsd::agent::run();
}
