// ecs-bench: load for an ECS endpoint, as real clients and agents make it.
// See --help and docs/benchmarks.md.
#include <unistd.h>

#include <cstring>
#include <fstream>
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

  --data-dir DIR      ecsd's data directory: endpoint, ca.pem and credentials from it
  --scenario NAME     register | place | lifecycle | read | all (default: all). Every
                      scenario registers the instances first; read also places tasks.
  --instances N       simulated container instances (default: 100)
  --connections N     API connections (default: 8)
  --tasks N           place: tasks to place, RunTask(count=10) at a time (default: 1000)
  --cycles N          lifecycle: run/stop cycles (default: 200)
  --read-seconds N    read: how long to read (default: 5)
  --ecsd-pid PID      report ecsd's CPU seconds and memory (from /proc)
  --json FILE         also write the results as JSON
  --region NAME       signing region (default: us-east-1)
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

void printTable(const nlohmann::json& result) {
  std::cout << "\n== " << result.value("scenario", "?") << " ==\n";
  for (const auto& [name, value] : result.items()) {
    if (name == "scenario") continue;
    if (value.is_object()) {
      for (const auto& [inner, number] : value.items()) {
        std::cout << "  " << std::left << std::setw(36) << (name + "." + inner) << number << "\n";
      }
    } else {
      std::cout << "  " << std::left << std::setw(36) << name << value << "\n";
    }
  }
}

int run(int argc, char** argv) {
  std::map<std::string, std::string> options = {{"scenario", "all"},  {"instances", "100"},
                                                {"connections", "8"}, {"tasks", "1000"},
                                                {"ecsd-pid", "0"},    {"region", "us-east-1"}};
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
  auto endpoint = files::readFile(dir + "/endpoint");
  if (!endpoint) {
    std::cerr << "ecs-bench: " << endpoint.error().message << "\n";
    return 2;
  }
  BenchSettings settings;
  settings.cluster = "bench-" + std::to_string(getpid());
  settings.instances = std::stoul(options["instances"]);
  settings.tasks = std::stoul(options["tasks"]);
  settings.ecsdPid = std::stoi(options["ecsd-pid"]);
  settings.cycles = std::stoul(options["cycles"]);
  settings.readDuration = std::chrono::seconds(std::stoul(options["read-seconds"]));
  const std::string scenario = options["scenario"];
  const auto wanted = [&](const char* name) { return scenario == name || scenario == "all"; };
  if (!wanted("register") && !wanted("place") && !wanted("lifecycle") && !wanted("read")) {
    std::cerr << "ecs-bench: unknown scenario '" << scenario << "'\n";
    return 2;
  }

  LoadClient client(trim(*endpoint), credentialsFrom(dir + "/credentials", options["region"]),
                    agent::TlsOptions{dir + "/ca.pem", true}, std::stoul(options["connections"]));
  nlohmann::json results = nlohmann::json::array();
  std::vector<std::string> instances;
  const auto failed = [&] { return results.back().contains("error"); };
  results.push_back(registerScenario(client, settings, instances));
  if ((wanted("place") || wanted("read")) && !failed()) {
    results.push_back(placeScenario(client, settings));
  }
  if (wanted("read") && !failed()) results.push_back(readScenario(client, settings, instances));
  if (wanted("lifecycle") && !failed()) results.push_back(lifecycleScenario(client, settings));
  int status = 0;
  for (const auto& result : results) {
    printTable(result);
    if (result.contains("error")) status = 1;
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
