// ecsd's settings: command-line flags, each with an ECSD_* environment twin
// (--data-dir / ECSD_DATA_DIR). A flag wins over its environment variable.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ecsd/result.h"
#include "ecsd/store/sqlite_store.h"
#include "protocol/token_buckets.h"
#include "server/http_server.h"

namespace ecsd {

struct Config {
  std::filesystem::path dataDir = "data";
  std::string listen = "127.0.0.1:8443";  // HTTPS
  std::optional<std::string> httpListen;  // plain HTTP, for local use only
  std::string region = "us-east-1";
  std::string accountId = "000000000000";
  std::optional<std::filesystem::path> tlsCertificate;  // user-supplied chain...
  std::optional<std::filesystem::path> tlsPrivateKey;   // ...and its key
  std::vector<std::string> tlsNames;                    // extra SANs for the generated cert
  std::optional<std::string> accessKeyId;               // an extra key pair to accept
  std::optional<std::string> secretAccessKey;
  std::string logLevel = "info";
  int threads = 0;  // 0: one per core, plus one
  Durability durability = Durability::Full;
  std::chrono::seconds agentHeartbeat{10};    // HeartbeatMessage interval
  std::chrono::seconds taskRetention{3600};  // STOPPED tasks stay describable this long
  server::Limits limits;
  bool throttle = true;  // ECS's token buckets per access key and call class
  // Rates set by --throttle-rate, by class; the others keep
  // api/ecs-throttling.json's.
  std::map<std::string, protocol::Rate, std::less<>> throttleRates;
};

// What parsing asks the caller to do.
struct ParsedArguments {
  Config config;
  bool exitNow = false;  // --help or --version was answered
};

// Errors: a message for the user (unknown flag, bad value).
Result<ParsedArguments> parseArguments(int argc, char** argv);

// Every call class's rate: api/ecs-throttling.json's, or --throttle-rate's.
std::map<std::string, protocol::Rate, std::less<>> throttleRates(const Config& config);

}  // namespace ecsd
