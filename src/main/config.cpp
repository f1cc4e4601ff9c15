#include "main/config.h"

#include <boost/program_options.hpp>
#include <iostream>
#include <thread>

#include "ecsd/errors.h"
#include "operations/api_contract.h"

namespace ecsd {

namespace po = boost::program_options;

namespace {

po::options_description describeOptions() {
  po::options_description options(
      "Usage: ecsd [flags]\n\n"
      "An Amazon ECS compatible control plane. Every flag can also be set by an\n"
      "environment variable: --data-dir is ECSD_DATA_DIR, and so on.\n\nFlags");
  // One flag a line reads better than the formatter's chains.
  // clang-format off
  options.add_options()
      ("help,h", "print this help and exit")
      ("version", "print the version and exit")
      ("data-dir", po::value<std::string>()->default_value("data"),
       "where the database, TLS material, credentials and endpoint file live")
      ("listen", po::value<std::string>()->default_value("127.0.0.1:8443"),
       "HTTPS address as host:port (port 0 picks a free port; the URL is written to "
       "DATA_DIR/endpoint once serving)")
      ("http-listen", po::value<std::string>(),
       "also serve plain HTTP on host:port (for local use; requests are still signed)")
      ("region", po::value<std::string>()->default_value("us-east-1"),
       "the region ecsd serves: in ARNs and in the SigV4 credential scope")
      ("account-id", po::value<std::string>()->default_value("000000000000"),
       "the 12-digit account id in ARNs")
      ("tls-cert", po::value<std::string>(),
       "PEM certificate chain to serve instead of the generated one (needs --tls-key)")
      ("tls-key", po::value<std::string>(), "PEM private key for --tls-cert")
      ("tls-name", po::value<std::vector<std::string>>()->composing(),
       "extra DNS name or IP for the generated certificate (repeatable; comma-separated in "
       "ECSD_TLS_NAME)")
      ("access-key-id", po::value<std::string>(),
       "an access key id to accept besides the generated admin key (needs "
       "--secret-access-key)")
      ("secret-access-key", po::value<std::string>(),
       "the secret of --access-key-id (prefer ECSD_SECRET_ACCESS_KEY: flags show in ps)")
      ("log-level", po::value<std::string>()->default_value("info"),
       "trace, debug, info, warn, error, critical or off")
      ("threads", po::value<int>()->default_value(0),
       "server threads (0: one per core, and one more for a write waiting on the disk)")
      ("durability", po::value<std::string>()->default_value("full"),
       "full: a write is on disk before it is acknowledged (survives power loss); normal: "
       "survives a crash of ecsd but maybe not of the machine")
      ("max-body-bytes", po::value<std::size_t>()->default_value(2 * 1024 * 1024),
       "largest request body accepted")
      ("max-header-bytes", po::value<std::size_t>()->default_value(16 * 1024),
       "largest request header block accepted")
      ("idle-timeout", po::value<int>()->default_value(60),
       "seconds a keep-alive connection may sit idle")
      ("request-timeout", po::value<int>()->default_value(30),
       "seconds to receive one whole request")
      ("max-connections", po::value<std::size_t>()->default_value(32768),
       "connections held at once (lowered to fit the open-files limit); one more is closed "
       "as it is accepted")
      ("max-connections-per-address", po::value<std::size_t>()->default_value(16384),
       "connections held at once from one client address")
      ("agent-heartbeat", po::value<int>()->default_value(10),
       "seconds between heartbeats to agents; an agent silent for 2.5 heartbeats is "
       "disconnected (agentConnected false)")
      ("task-retention", po::value<int>()->default_value(3600),
       "seconds a STOPPED task stays describable")
      ("throttle", po::value<std::string>()->default_value("on"),
       "on: each access key's calls are throttled per call class as ECS does "
       "(ThrottlingException); off: never")
      ("throttle-rate", po::value<std::vector<std::string>>()->composing(),
       "CLASS=BURST/REFILL: a call class's bucket size and refill per second, e.g. "
       "task-write=200/80 (repeatable; comma-separated in ECSD_THROTTLE_RATE; classes and "
       "defaults in docs/operations.md)");
  // clang-format on
  return options;
}

// ECSD_DATA_DIR -> data-dir, for the flags that exist; everything else in
// the environment is ignored.
std::string environmentName(const po::options_description& options, const std::string& variable) {
  if (!variable.starts_with("ECSD_")) return {};
  std::string name = variable.substr(5);
  for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(c));
  return options.find_nothrow(name, false) ? name : std::string();
}

std::vector<std::string> splitNames(const std::vector<std::string>& values) {
  std::vector<std::string> names;
  for (const auto& value : values) {
    std::size_t start = 0;
    while (start <= value.size()) {
      const auto comma = value.find(',', start);
      const auto name = value.substr(start, comma - start);
      if (!name.empty()) names.push_back(name);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return names;
}

// "task-write=200/80" -> {"task-write", {200, 80}}.
Result<std::pair<std::string, protocol::Rate>> parseThrottleRate(const std::string& value) {
  const auto refused = [&] {
    return errors::client("--throttle-rate " + value +
                          ": expected CLASS=BURST/REFILL with BURST >= 1 and REFILL > 0");
  };
  const auto equals = value.find('=');
  const auto slash = value.find('/', equals == std::string::npos ? 0 : equals);
  if (equals == std::string::npos || slash == std::string::npos) return refused();
  std::string name = value.substr(0, equals);
  if (!operations::callClasses().contains(name)) {
    std::string known;
    for (const auto& [className, callClass] : operations::callClasses()) {
      known += (known.empty() ? "" : ", ") + className;
    }
    return errors::client("--throttle-rate: no call class " + name + " (the classes: " + known +
                          ")");
  }
  protocol::Rate rate;
  try {
    std::size_t burstEnd = 0;
    std::size_t refillEnd = 0;
    const std::string burst = value.substr(equals + 1, slash - equals - 1);
    const std::string refill = value.substr(slash + 1);
    rate = {std::stod(burst, &burstEnd), std::stod(refill, &refillEnd)};
    if (burstEnd != burst.size() || refillEnd != refill.size()) return refused();
  } catch (const std::exception&) {
    return refused();
  }
  if (!(rate.burst >= 1) || !(rate.refill > 0)) return refused();
  return std::pair{std::move(name), rate};
}

template <class T>
std::optional<T> optional(const po::variables_map& vm, const char* name) {
  return vm.count(name) ? std::optional<T>(vm[name].as<T>()) : std::nullopt;
}

Result<Config> toConfig(const po::variables_map& vm) {
  Config c;
  c.dataDir = vm["data-dir"].as<std::string>();
  c.listen = vm["listen"].as<std::string>();
  c.httpListen = optional<std::string>(vm, "http-listen");
  c.region = vm["region"].as<std::string>();
  c.accountId = vm["account-id"].as<std::string>();
  c.tlsCertificate = optional<std::string>(vm, "tls-cert");
  c.tlsPrivateKey = optional<std::string>(vm, "tls-key");
  if (vm.count("tls-name")) c.tlsNames = splitNames(vm["tls-name"].as<std::vector<std::string>>());
  c.accessKeyId = optional<std::string>(vm, "access-key-id");
  c.secretAccessKey = optional<std::string>(vm, "secret-access-key");
  c.logLevel = vm["log-level"].as<std::string>();
  c.threads = vm["threads"].as<int>();
  // Writes wait for their commit without a thread (but a leading one, which
  // syncs the disk on its own), so threads beyond the cores only add
  // hand-offs between them: at 10,000 instances, 3 threads on 2 cores halved
  // the reads' p50 of 8 threads (docs/benchmarks.md).
  if (c.threads <= 0) {
    c.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) + 1;
  }
  const std::string durability = vm["durability"].as<std::string>();
  if (durability != "full" && durability != "normal") {
    return errors::client("--durability must be full or normal");
  }
  c.durability = durability == "full" ? Durability::Full : Durability::Normal;
  c.limits.maxBodyBytes = vm["max-body-bytes"].as<std::size_t>();
  c.limits.maxHeaderBytes = vm["max-header-bytes"].as<std::size_t>();
  c.limits.idleTimeout = std::chrono::seconds(vm["idle-timeout"].as<int>());
  c.limits.requestTimeout = std::chrono::seconds(vm["request-timeout"].as<int>());
  c.limits.maxConnections = vm["max-connections"].as<std::size_t>();
  c.limits.maxConnectionsPerAddress = vm["max-connections-per-address"].as<std::size_t>();
  if (c.limits.maxConnections == 0 || c.limits.maxConnectionsPerAddress == 0) {
    return errors::client("--max-connections and --max-connections-per-address must be at least 1");
  }
  c.agentHeartbeat = std::chrono::seconds(std::max(1, vm["agent-heartbeat"].as<int>()));
  c.taskRetention = std::chrono::seconds(std::max(0, vm["task-retention"].as<int>()));
  const std::string throttle = vm["throttle"].as<std::string>();
  if (throttle != "on" && throttle != "off") return errors::client("--throttle must be on or off");
  c.throttle = throttle == "on";
  if (vm.count("throttle-rate")) {
    for (const auto& value : splitNames(vm["throttle-rate"].as<std::vector<std::string>>())) {
      auto rate = parseThrottleRate(value);
      if (!rate) return rate.error();
      c.throttleRates.insert_or_assign(rate->first, rate->second);
    }
  }
  if (c.tlsCertificate.has_value() != c.tlsPrivateKey.has_value()) {
    return errors::client("--tls-cert and --tls-key go together");
  }
  if (c.accessKeyId.has_value() != c.secretAccessKey.has_value()) {
    return errors::client("--access-key-id and --secret-access-key go together");
  }
  if (c.accountId.size() != 12 ||
      c.accountId.find_first_not_of("0123456789") != std::string::npos) {
    return errors::client("--account-id must be 12 digits");
  }
  return c;
}

}  // namespace

Result<ParsedArguments> parseArguments(int argc, char** argv) {
  const auto options = describeOptions();
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::store(po::parse_environment(
                  options,
                  [&](const std::string& variable) { return environmentName(options, variable); }),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return errors::client(std::string(e.what()) + " (see ecsd --help)");
  }
  ParsedArguments parsed;
  if (vm.count("help")) {
    std::cout << options << "\n";
    parsed.exitNow = true;
    return parsed;
  }
  if (vm.count("version")) {
    std::cout << "ecsd " << ECSD_VERSION << "\n";
    parsed.exitNow = true;
    return parsed;
  }
  auto config = toConfig(vm);
  if (!config) return config.error();
  parsed.config = std::move(*config);
  return parsed;
}

std::map<std::string, protocol::Rate, std::less<>> throttleRates(const Config& config) {
  std::map<std::string, protocol::Rate, std::less<>> rates;
  for (const auto& [name, callClass] : operations::callClasses()) {
    const auto set = config.throttleRates.find(name);
    rates.emplace(name, set == config.throttleRates.end() ? callClass.rate : set->second);
  }
  return rates;
}

}  // namespace ecsd
