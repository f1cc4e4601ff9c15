#include "agent/registration.h"

#include <spdlog/spdlog.h>

#include "agent/host_resources.h"
#include "common/logging.h"
#include "ecsd/errors.h"

namespace ecsd::agent {
namespace {

using nlohmann::json;

json portSet(const std::vector<std::uint16_t>& ports) {
  json values = json::array();
  for (auto port : ports) values.push_back(std::to_string(port));
  return values;
}

json resource(const char* name, std::int64_t value) {
  return {{"name", name}, {"type", "INTEGER"}, {"integerValue", value}};
}

// The capabilities this agent registers: only what it implements (the
// scheduler places tasks that need a capability only where it is listed).
// Docker Engine API 1.41 is the version it speaks. Not listed because not
// implemented: container-health-check, container-ordering (dependsOn), task
// IAM roles, log drivers, volumes, awsvpc.
constexpr const char* kCapabilities[] = {"com.amazonaws.ecs.capability.docker-remote-api.1.41"};

constexpr const char* kDefaultCluster = "default";

constexpr const char* kCertificateHint =
    "set ECSD_CA_BUNDLE (or AWS_CA_BUNDLE) to ecsd's CA, e.g. DATA_DIR/ca.pem, and make sure "
    "the host in ECS_BACKEND_HOST is one its certificate names (ecsd --tls-name)";

bool retryable(const Error& error) {
  return error.httpStatus == 0 || error.httpStatus >= 500 || error.httpStatus == 429 ||
         error.type == "ThrottlingException";
}

}  // namespace

std::string clusterArnOf(const std::string& containerInstanceArn) {
  const auto kind = containerInstanceArn.find(":container-instance/");
  if (kind == std::string::npos) return "";
  const auto name = kind + std::string_view(":container-instance/").size();
  const auto slash = containerInstanceArn.find('/', name);
  if (slash == std::string::npos) return "";  // the old short form names no cluster
  return containerInstanceArn.substr(0, kind) + ":cluster/" +
         containerInstanceArn.substr(name, slash - name);
}

json registrationRequest(const AgentConfig& config, std::int64_t cpuUnits, std::int64_t memoryMiB,
                         const std::string& dockerVersion, const std::string& agentVersion,
                         const std::optional<std::string>& previousArn) {
  json attributes = json::array();
  for (const auto& [name, value] : config.instanceAttributes) {
    attributes.push_back({{"name", name}, {"value", value}});
  }
  for (const char* capability : kCapabilities) attributes.push_back({{"name", capability}});
  json request = {
      {"cluster", config.cluster},
      {"totalResources",
       {resource("CPU", cpuUnits),
        resource("MEMORY", memoryMiB),
        {{"name", "PORTS"},
         {"type", "STRINGSET"},
         {"stringSetValue", portSet(config.reservedPorts)}},
        {{"name", "PORTS_UDP"},
         {"type", "STRINGSET"},
         {"stringSetValue", portSet(config.reservedUdpPorts)}}}},
      {"versionInfo",
       {{"agentVersion", agentVersion}, {"agentHash", "ecsd"}, {"dockerVersion", dockerVersion}}},
      {"attributes", std::move(attributes)}};
  if (previousArn) request["containerInstanceArn"] = *previousArn;
  return request;
}

Result<Registration> registerInstance(ApiTransport& api, const AgentConfig& config,
                                      const std::string& dockerVersion,
                                      const std::string& agentVersion,
                                      std::optional<std::string> previousArn,
                                      const StopSignal& stop) {
  const std::int64_t cpu = config.cpuUnits.value_or(hostCpuUnits());
  const std::int64_t memory = config.memoryMiB.value_or(hostMemoryMiB()) - config.reservedMemoryMiB;
  if (memory <= 0) {
    return errors::invalidParameter("ECS_RESERVED_MEMORY leaves no memory for tasks.");
  }
  Backoff backoff(std::chrono::milliseconds(500), std::chrono::seconds(60));
  while (!stop.stopped()) {
    auto answer = api.call(
        "RegisterContainerInstance",
        registrationRequest(config, cpu, memory, dockerVersion, agentVersion, previousArn));
    if (answer) {
      const std::string arn =
          answer->value("containerInstance", json::object()).value("containerInstanceArn", "");
      spdlog::info(
          "msg=\"Registered container instance\" module=Agent instance={} cluster={} "
          "cpu={} memory={} reregistered={}",
          arn, config.cluster, cpu, memory, previousArn.has_value());
      return Registration{arn, clusterArnOf(arn), cpu, memory};
    }
    const Error& error = answer.error();
    if (error.type == "ClusterNotFoundException" && config.cluster != kDefaultCluster) {
      // As the Amazon ECS agent: a cluster named by mistake is not created.
      Error missing = errors::clusterNotFound(
          "Cluster " + config.cluster +
          " does not exist: create it with `aws ecs create-cluster --cluster-name " +
          config.cluster + "` (ECS_CLUSTER names it; only the cluster named " + kDefaultCluster +
          " is created by the agent).");
      spdlog::error("msg=\"Cluster not found\" module=Agent cluster={} message={}", config.cluster,
                    logging::quote(missing.message));
      return missing;
    }
    if (error.type == "ClusterNotFoundException") {
      spdlog::info("msg=\"Creating cluster\" module=Agent cluster={}", config.cluster);
      auto created = api.call("CreateCluster", {{"clusterName", config.cluster}});
      if (created) continue;
      if (!retryable(created.error())) {
        spdlog::error("msg=\"Cannot create cluster\" module=Agent error={} message={}",
                      created.error().type, logging::quote(created.error().message));
        return created.error();
      }
    } else if (previousArn && error.type == "InvalidParameterException") {
      spdlog::warn(
          "msg=\"Saved instance is no longer registered; registering a new one\" "
          "module=Agent instance={} message={}",
          *previousArn, logging::quote(error.message));
      previousArn.reset();
      continue;
    } else if (!retryable(error)) {
      spdlog::error("msg=\"Registration refused\" module=Agent error={} message={}", error.type,
                    logging::quote(error.message));
      return error;
    }
    const auto delay = backoff.next();
    if (error.type == transport_errors::kCertificateRejected) {
      // Retried all the same: the operator may fix the certificate on ecsd's side.
      spdlog::error(
          "msg=\"Cannot register: ecsd's certificate is not trusted, retrying\" module=Agent "
          "hint={} backend={} ca_bundle={} message={} retry_in_ms={}",
          logging::quote(kCertificateHint), config.backendUrl,
          logging::quote(config.caBundle.empty() ? "(system CAs)" : config.caBundle),
          logging::quote(error.message), delay.count());
    } else {
      spdlog::warn(
          "msg=\"Cannot register, retrying\" module=Agent error={} message={} "
          "retry_in_ms={}",
          error.type, logging::quote(error.message), delay.count());
    }
    stop.sleepFor(delay);
  }
  return errors::server("stopped before registering");
}

}  // namespace ecsd::agent
