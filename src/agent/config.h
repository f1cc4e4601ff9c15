// The agent's configuration, the Amazon ECS agent's way: environment
// variables, with an optional ecs.config file (KEY=VALUE lines) under them.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ecsd/result.h"

namespace ecsd::agent {

struct AgentConfig {
  std::string cluster = "default";   // ECS_CLUSTER
  std::string backendUrl;            // ECS_BACKEND_HOST (+ ECS_BACKEND_PORT)
  std::string region = "us-east-1";  // AWS_DEFAULT_REGION / AWS_REGION
  std::string accessKeyId;           // AWS_ACCESS_KEY_ID
  std::string secretAccessKey;       // AWS_SECRET_ACCESS_KEY
  std::string sessionToken;          // AWS_SESSION_TOKEN
  std::string caBundle;              // ECSD_CA_BUNDLE, else AWS_CA_BUNDLE: PEM to verify ecsd with
  bool tlsVerify = true;             // ECSD_TLS_VERIFY=false to skip (tests only)
  std::vector<std::uint16_t> reservedPorts = {22, 2375, 2376, 51678, 51679};  // ECS_RESERVED_PORTS
  std::vector<std::uint16_t> reservedUdpPorts;             // ECS_RESERVED_PORTS_UDP
  std::int64_t reservedMemoryMiB = 0;                      // ECS_RESERVED_MEMORY
  std::string dataDir = "/var/lib/ecs/data";               // ECS_DATADIR
  std::string logLevel = "info";                           // ECS_LOGLEVEL
  std::string logFile;                                     // ECS_LOGFILE
  std::chrono::seconds containerStopTimeout{30};           // ECS_CONTAINER_STOP_TIMEOUT
  std::chrono::seconds taskCleanupWait{3 * 60 * 60};       // ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION
  std::map<std::string, std::string> instanceAttributes;   // ECS_INSTANCE_ATTRIBUTES (JSON object)
  std::string dockerHost = "unix:///var/run/docker.sock";  // DOCKER_HOST
  std::string introspectionAddress = "127.0.0.1";          // ECSD_INTROSPECTION_ADDRESS
  std::uint16_t introspectionPort = 51678;                 // ECSD_INTROSPECTION_PORT
  std::optional<int> cpuUnits;            // ECSD_CPU_UNITS: report this instead of cores x 1024
  std::optional<std::int64_t> memoryMiB;  // ECSD_MEMORY_MIB: report this instead of the host's
};

// Variable name -> value, as the environment or the file gives them.
using Settings = std::map<std::string, std::string>;

// KEY=VALUE lines; blank lines and '#' comments skipped, "export " and
// surrounding quotes allowed. Errors: a line without '=' (naming its number).
Result<Settings> parseConfigFile(const std::string& text);

// The configuration from `file` overridden by `environment`. Errors: a value
// that does not parse (InvalidParameterException naming the variable).
Result<AgentConfig> loadConfig(const Settings& environment, const Settings& file);

// "1m30s", "45s", "500ms", "3h", or a bare number of seconds.
std::optional<std::chrono::milliseconds> parseDuration(const std::string& text);

}  // namespace ecsd::agent
