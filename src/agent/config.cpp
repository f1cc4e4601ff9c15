#include "agent/config.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ecsd/errors.h"

namespace ecsd::agent {
namespace {

using nlohmann::json;

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

std::string unquote(std::string value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

template <class Integer>
std::optional<Integer> parseInteger(const std::string& text) {
  Integer value{};
  const auto* end = text.data() + text.size();
  const auto [rest, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || rest != end) return std::nullopt;
  return value;
}

Error badValue(const std::string& name, const std::string& value, const std::string& expected) {
  return errors::invalidParameter(name + "=" + value + " is not valid: expected " + expected + ".");
}

// "[22, 2375]" (the ECS agent's JSON list) or "22,2375".
std::optional<std::vector<std::uint16_t>> parsePorts(std::string text) {
  text = trim(text);
  if (text.starts_with('[') && text.ends_with(']')) text = text.substr(1, text.size() - 2);
  std::vector<std::uint16_t> ports;
  std::stringstream items(text);
  for (std::string item; std::getline(items, item, ',');) {
    item = trim(item);
    if (item.empty()) continue;
    const auto port = parseInteger<int>(item);
    if (!port || *port < 1 || *port > 65535) return std::nullopt;
    ports.push_back(static_cast<std::uint16_t>(*port));
  }
  return ports;
}

// "https://host:port", "host:port" or "host" (then https and port 443, or
// ECS_BACKEND_PORT).
std::string backendUrl(std::string host, const std::string& port) {
  if (host.empty()) return "https://127.0.0.1:8443";
  while (host.ends_with('/')) host.pop_back();
  if (host.find("://") == std::string::npos) host = "https://" + host;
  const auto authority = host.find("://") + 3;
  if (host.find(':', authority) == std::string::npos) host += ":" + (port.empty() ? "443" : port);
  return host;
}

}  // namespace

std::optional<std::chrono::milliseconds> parseDuration(const std::string& text) {
  if (const auto seconds = parseInteger<std::int64_t>(text)) {
    if (*seconds < 0) return std::nullopt;
    return std::chrono::seconds(*seconds);
  }
  static const std::pair<const char*, std::int64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};
  std::chrono::milliseconds total{0};
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t digits = at;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
      ++digits;
    }
    if (digits == at) return std::nullopt;
    const auto amount = parseInteger<std::int64_t>(text.substr(at, digits - at));
    if (!amount) return std::nullopt;
    std::size_t unitEnd = digits;
    while (unitEnd < text.size() && std::isalpha(static_cast<unsigned char>(text[unitEnd]))) {
      ++unitEnd;
    }
    const std::string unit = text.substr(digits, unitEnd - digits);
    bool known = false;
    for (const auto& [name, milliseconds] : kUnits) {
      if (unit == name) {
        total += std::chrono::milliseconds(*amount * milliseconds);
        known = true;
      }
    }
    if (!known) return std::nullopt;
    at = unitEnd;
  }
  if (text.empty()) return std::nullopt;
  return total;
}

Result<Settings> parseConfigFile(const std::string& text) {
  Settings settings;
  std::stringstream lines(text);
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    line = trim(line);
    if (line.empty() || line.starts_with('#')) continue;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    const auto equals = line.find('=');
    if (equals == std::string::npos || equals == 0) {
      return errors::invalidParameter("ecs.config line " + std::to_string(number) +
                                      " is not KEY=VALUE: " + line);
    }
    settings[trim(line.substr(0, equals))] = unquote(trim(line.substr(equals + 1)));
  }
  return settings;
}

Result<AgentConfig> loadConfig(const Settings& environment, const Settings& file) {
  Settings all = file;
  for (const auto& [name, value] : environment) all[name] = value;
  const auto get = [&](const std::string& name) -> std::optional<std::string> {
    const auto it = all.find(name);
    if (it == all.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };

  AgentConfig config;
  if (auto v = get("ECS_CLUSTER")) config.cluster = *v;
  config.backendUrl =
      backendUrl(get("ECS_BACKEND_HOST").value_or(""), get("ECS_BACKEND_PORT").value_or(""));
  if (auto v = get("AWS_DEFAULT_REGION").value_or(get("AWS_REGION").value_or("")); !v.empty()) {
    config.region = v;
  }
  config.accessKeyId = get("AWS_ACCESS_KEY_ID").value_or("");
  config.secretAccessKey = get("AWS_SECRET_ACCESS_KEY").value_or("");
  config.sessionToken = get("AWS_SESSION_TOKEN").value_or("");
  // AWS_CA_BUNDLE as the AWS CLI uses it: the shell that talks to ecsd has it set already.
  config.caBundle = get("ECSD_CA_BUNDLE").value_or(get("AWS_CA_BUNDLE").value_or(""));
  if (auto v = get("ECSD_TLS_VERIFY")) config.tlsVerify = *v != "false" && *v != "0";
  for (auto [name, ports] : {std::pair{"ECS_RESERVED_PORTS", &config.reservedPorts},
                             std::pair{"ECS_RESERVED_PORTS_UDP", &config.reservedUdpPorts}}) {
    if (auto v = get(name)) {
      auto parsed = parsePorts(*v);
      if (!parsed) return badValue(name, *v, "a list of ports such as [22, 2375]");
      *ports = std::move(*parsed);
    }
  }
  if (auto v = get("ECS_RESERVED_MEMORY")) {
    auto parsed = parseInteger<std::int64_t>(*v);
    if (!parsed || *parsed < 0) return badValue("ECS_RESERVED_MEMORY", *v, "MiB, 0 or more");
    config.reservedMemoryMiB = *parsed;
  }
  if (auto v = get("ECS_DATADIR")) config.dataDir = *v;
  if (auto v = get("ECS_LOGLEVEL")) config.logLevel = *v;
  if (auto v = get("ECS_LOGFILE")) config.logFile = *v;
  for (auto [name, target] :
       {std::pair{"ECS_CONTAINER_STOP_TIMEOUT", &config.containerStopTimeout},
        std::pair{"ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION", &config.taskCleanupWait}}) {
    if (auto v = get(name)) {
      auto parsed = parseDuration(*v);
      if (!parsed) return badValue(name, *v, "a duration such as 30s or 1m30s");
      *target = std::chrono::duration_cast<std::chrono::seconds>(*parsed);
    }
  }
  if (auto v = get("ECS_INSTANCE_ATTRIBUTES")) {
    const json parsed = json::parse(*v, nullptr, false);
    if (!parsed.is_object()) {
      return badValue("ECS_INSTANCE_ATTRIBUTES", *v, "a JSON object of strings");
    }
    for (const auto& [name, value] : parsed.items()) {
      if (!value.is_string()) {
        return badValue("ECS_INSTANCE_ATTRIBUTES", *v, "a JSON object of strings");
      }
      config.instanceAttributes[name] = value.get<std::string>();
    }
  }
  if (auto v = get("DOCKER_HOST")) config.dockerHost = *v;
  if (auto v = get("ECSD_INTROSPECTION_ADDRESS")) config.introspectionAddress = *v;
  if (auto v = get("ECSD_INTROSPECTION_PORT")) {
    auto parsed = parseInteger<int>(*v);
    if (!parsed || *parsed < 0 || *parsed > 65535) {
      return badValue("ECSD_INTROSPECTION_PORT", *v, "a port number");
    }
    config.introspectionPort = static_cast<std::uint16_t>(*parsed);
  }
  if (auto v = get("ECSD_CPU_UNITS")) {
    auto parsed = parseInteger<int>(*v);
    if (!parsed || *parsed <= 0) return badValue("ECSD_CPU_UNITS", *v, "a positive integer");
    config.cpuUnits = *parsed;
  }
  if (auto v = get("ECSD_MEMORY_MIB")) {
    auto parsed = parseInteger<std::int64_t>(*v);
    if (!parsed || *parsed <= 0) return badValue("ECSD_MEMORY_MIB", *v, "a positive integer");
    config.memoryMiB = *parsed;
  }
  if (config.accessKeyId.empty() || config.secretAccessKey.empty()) {
    return errors::invalidParameter(
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (the key the agent signs with).");
  }
  return config;
}

}  // namespace ecsd::agent
