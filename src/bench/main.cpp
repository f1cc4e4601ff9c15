// ecs-bench: load for an ECS endpoint, as real clients and agents make it.
// See --help and docs/benchmarks.md.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <string>

#include "bench/scenarios.h"
#include "common/files.h"

namespace ecsd::bench {
namespace {

constexpr const char* kUsage = R"(Usage: ecs-bench --data-dir DIR [options]

Drives an ecsd (or any ECS endpoint) the way the SDKs and agents do: SigV4-signed
JSON 1.1 over HTTPS keep-alive connections, and one real agent WebSocket session
per simulated container instance (heartbeats answered, payloads acknowledged).
Prints a table per scenario; exits 1 if a scenario failed.

  --data-dir DIR      ecsd's data directory: endpoint, ca.pem and credentials from it
  --endpoint URL      call URL instead of the one in DIR/endpoint
  --scenario NAME     one of those below, or all (default): every one but first-answer
                      and services, in the order below, on one cluster
  --instances N       simulated container instances (default: 100)
  --connections N     API connections (default: 8)
  --tasks N           place: tasks to place, RunTask(count=10) at a time (default: 1000)
  --cycles N          lifecycle: run/stop cycles (default: 200)
  --services N        services: how many services (default: 1000)
  --desired-per-service N  services: each service's desiredCount (default: 10)
  --idle-seconds N    services: how long each measure of ecsd's idle CPU lasts
                      (default: 10)
  --rate N            read, place-rate, mixed: calls/s offered in total over the
                      connections (open loop). Without it: closed loop, each
                      connection makes its next call when its last is answered.
  --seconds N         read, place-rate, mixed: how long to make calls (default: 5)
  --since-ns NS       first-answer: when ecsd was started, in ns since the epoch
                      (date +%s%N)
  --client-token on|off  RunTask with a clientToken, as the AWS CLI and SDKs send
                      one on every call (ecsd then records each answer; default: off)
  --strategy JSON     RunTask's placementStrategy, as ECS takes it, e.g.
                      '[{"type":"spread","field":"attribute:ecs.availability-zone"},
                        {"type":"binpack","field":"memory"}]' (instances register
                      in three zones; default: none, ecsd's binpack on memory)
  --ecsd-pid PID      report ecsd's CPU seconds and memory (from /proc)
  --json FILE         also write the results as JSON: an array, one object per scenario
  --region NAME       signing region (default: us-east-1)

Scenarios. Each but first-answer first creates the cluster bench-PID, registers the
task definition "bench" (one container, 16 CPU units, 32 MiB) and runs register.
  register      RegisterContainerInstance for every instance over all connections,
                each followed by its agent session; time until every session is up
  place         RunTask(count=10) from every connection until --tasks are placed;
                done when every task has reached its agent
  read          after place: DescribeContainerInstances (100), ListTasks (100),
                DescribeTasks (100), DescribeClusters, in turn
  lifecycle     per connection: RunTask -> the agent reports RUNNING -> DescribeTasks
                shows it -> StopTask -> STOPPED; the agents report over half the
                connections
  place-rate    RunTask(count=1) of "bench". Its tasks stay placed: 256 fit on an
                instance, so size --rate x --seconds to fit (tasks_unplaced says if not)
  mixed         CI jobs, each in turn: RegisterTaskDefinition (a new revision of one of
                four families), RunTask, DescribeTasks, ListTasks (its family),
                DescribeTasks, StopTask; 50 tasks are run before the clock starts.
                The agents acknowledge their tasks but report no state changes.
  first-answer  ListClusters retried every 2 ms until it is answered: the time since
                --since-ns. Start ecsd and this together (scripts/bench.sh does).
  services      not in all (at its defaults it is 10,000 tasks twice over). The agents
                report each task they are sent as RUNNING, or STOPPED when asked to
                stop. ecsd's idle CPU (after a 1 s settle, --ecsd-pid); CreateService
                of --services services svc-0, svc-1, ... of --desired-per-service
                "bench" tasks (no placementStrategy: ECS's default for services,
                spread across zones), time until every one is steady; a new revision
                of "bench", UpdateService of every service to it at once, time until
                every one is steady on it; idle CPU again. Steady: as the AWS CLI's
                services-stable waiter, one deployment and runningCount ==
                desiredCount; DescribeServices (10 a call) of the services not yet
                steady every 250 ms. A phase fails when none of those changed for
                120 s.

Open loop (--rate): call k is due k/rate seconds after the start. It goes out on an
idle connection, or waits for the first one to free up (late_calls counts those). Its
latency runs from when it was due, not from when it went out, so queueing shows in
the percentiles. loop_lag_* is how late ecs-bench's own loop issued calls: when it is
high, the generator held them back, not the server. Every latency is reported as p50,
p99, p99.9 and max, in ms.
)";

std::string trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

// The admin key from ecsd's credentials file (the AWS CLI's format).
agent::SigningCredentials credentialsFrom(const std::string& path, const std::string& region) {
  auto text = files::readFile(path);
  if (!text) throw std::runtime_error(text.error().message);
  agent::SigningCredentials credentials;
  credentials.region = region;
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    const auto equals = line.find('=');
    if (equals == std::string::npos) continue;
    const std::string name = trim(line.substr(0, equals));
    std::string value = line.substr(equals + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (name == "aws_access_key_id") credentials.accessKeyId = trim(value);
    if (name == "aws_secret_access_key") credentials.secretAccessKey = trim(value);
  }
  return credentials;
}

// One line per figure; an object's members as "name.member", at any depth.
void printFigures(const std::string& prefix, const nlohmann::json& figures) {
  for (const auto& [name, value] : figures.items()) {
    if (value.is_object()) {
      printFigures(prefix + name + ".", value);
    } else {
      std::cout << "  " << std::left << std::setw(36) << (prefix + name) << value << "\n";
    }
  }
}

void printTable(nlohmann::json result) {
  std::cout << "\n== " << result.value("scenario", "?") << " ==\n";
  result.erase("scenario");
  printFigures("", result);
}

int run(int argc, char** argv) {
  std::map<std::string, std::string> options = {
      {"scenario", "all"},     {"instances", "100"}, {"connections", "8"},
      {"tasks", "1000"},       {"cycles", "200"},    {"rate", "0"},
      {"seconds", "5"},        {"ecsd-pid", "0"},    {"region", "us-east-1"},
      {"client-token", "off"}, {"services", "1000"}, {"desired-per-service", "10"},
      {"idle-seconds", "10"}};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (!arg.starts_with("--") || i + 1 >= argc) {
      std::cerr << "ecs-bench: bad argument '" << arg << "' (see --help)\n";
      return 2;
    }
    options[arg.substr(2)] = argv[++i];
  }
  if (!options.count("data-dir")) {
    std::cerr << "ecs-bench: --data-dir is required (see --help)\n";
    return 2;
  }
  const std::string dir = options["data-dir"];
  if (!options.count("endpoint")) {
    auto endpoint = files::readFile(dir + "/endpoint");
    if (!endpoint) {
      std::cerr << "ecs-bench: " << endpoint.error().message << "\n";
      return 2;
    }
    options["endpoint"] = trim(*endpoint);
  }
  BenchSettings settings;
  settings.cluster = "bench-" + std::to_string(getpid());
  settings.instances = std::stoul(options["instances"]);
  settings.tasks = std::stoul(options["tasks"]);
  settings.ecsdPid = std::stoi(options["ecsd-pid"]);
  if (options["client-token"] != "on" && options["client-token"] != "off") {
    std::cerr << "ecs-bench: --client-token is on or off\n";
    return 2;
  }
  settings.clientTokens = options["client-token"] == "on";
  if (options.count("strategy")) {
    settings.placementStrategy = nlohmann::json::parse(options["strategy"], nullptr, false);
    if (!settings.placementStrategy.is_array()) {
      std::cerr << "ecs-bench: --strategy is a JSON array of {type, field}\n";
      return 2;
    }
  }
  settings.cycles = std::stoul(options["cycles"]);
  settings.services = std::stoul(options["services"]);
  settings.desiredPerService = std::stoul(options["desired-per-service"]);
  if (settings.services == 0) {
    std::cerr << "ecs-bench: --services is at least 1\n";
    return 2;
  }
  settings.idle =
      std::chrono::milliseconds(std::llround(std::stod(options["idle-seconds"]) * 1000));
  settings.rate = std::stod(options["rate"]);
  settings.duration = std::chrono::milliseconds(std::llround(std::stod(options["seconds"]) * 1000));
  const std::string scenario = options["scenario"];
  const auto wanted = [&](const char* name) { return scenario == name || scenario == "all"; };
  const bool firstAnswer = scenario == "first-answer";
  const bool services = scenario == "services";
  if (!firstAnswer && !services && !wanted("register") && !wanted("place") && !wanted("read") &&
      !wanted("lifecycle") && !wanted("place-rate") && !wanted("mixed")) {
    std::cerr << "ecs-bench: unknown scenario '" << scenario << "' (see --help)\n";
    return 2;
  }
  if (firstAnswer && !options.count("since-ns")) {
    std::cerr << "ecs-bench: first-answer needs --since-ns (see --help)\n";
    return 2;
  }

  // The agents' sessions log what ecs-agent logs (a line per payload): noise
  // and CPU when thousands of them run here.
  spdlog::set_level(spdlog::level::warn);
  LoadClient client(options["endpoint"], credentialsFrom(dir + "/credentials", options["region"]),
                    agent::TlsOptions{dir + "/ca.pem", true}, std::stoul(options["connections"]));
  std::vector<std::string> instances;
  // The scenarios to run, in order; each runs only if those before it succeeded.
  const std::vector<std::pair<bool, std::function<nlohmann::json()>>> steps = {
      {firstAnswer,
       [&] {
         const std::chrono::nanoseconds since(std::stoll(options["since-ns"]));
         return firstAnswerScenario(
             client, std::chrono::system_clock::time_point(
                         std::chrono::duration_cast<std::chrono::system_clock::duration>(since)));
       }},
      {!firstAnswer, [&] { return registerScenario(client, settings, instances); }},
      {wanted("place") || wanted("read"), [&] { return placeScenario(client, settings); }},
      {wanted("read"), [&] { return readScenario(client, settings, instances); }},
      {wanted("lifecycle"), [&] { return lifecycleScenario(client, settings); }},
      {wanted("place-rate"), [&] { return placeRateScenario(client, settings); }},
      {wanted("mixed"), [&] { return mixedScenario(client, settings); }},
      {services, [&] { return servicesScenario(client, settings); }}};
  nlohmann::json results = nlohmann::json::array();
  int status = 0;
  for (const auto& [wantedStep, step] : steps) {
    if (!wantedStep) continue;
    results.push_back(step());
    printTable(results.back());
    if (results.back().contains("error")) {
      status = 1;
      break;
    }
  }
  if (options.count("json")) std::ofstream(options["json"]) << results.dump(2) << "\n";
  return status;
}

}  // namespace
}  // namespace ecsd::bench

int main(int argc, char** argv) {
  try {
    return ecsd::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "ecs-bench: " << e.what() << "\n";
    return 1;
  }
}
