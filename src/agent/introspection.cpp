#include "agent/introspection.h"

#include <nlohmann/json.hpp>

namespace ecsd::agent {
namespace {

using nlohmann::json;
using protocol::HttpResponse;

HttpResponse answer(int status, const json& body) {
  return HttpResponse{status, {{"Content-Type", "application/json"}}, body.dump()};
}

json taskJson(const TaskSnapshot& task) {
  json containers = json::array();
  for (const auto& c : task.containers) {
    json ports = json::array();
    for (const auto& port : c.ports) {
      ports.push_back({{"ContainerPort", port.containerPort},
                       {"Protocol", port.protocol},
                       {"HostPort", port.hostPort}});
    }
    json container = {{"DockerId", c.dockerId}, {"DockerName", c.dockerName}, {"Name", c.name}};
    if (!ports.empty()) container["Ports"] = std::move(ports);
    containers.push_back(std::move(container));
  }
  return {{"Arn", task.arn},
          {"DesiredStatus", task.desiredStatus},
          {"KnownStatus", task.knownStatus},
          {"Family", task.family},
          {"Version", task.version},
          {"Containers", std::move(containers)}};
}

// The value of one query parameter (no percent-decoding: ARNs and ids are
// sent as they are by curl and the ECS tools).
std::string queryValue(const std::string& target, const std::string& name) {
  const auto query = target.find('?');
  if (query == std::string::npos) return "";
  const std::string key = name + "=";
  std::size_t at = query + 1;
  while (at < target.size()) {
    const auto end = std::min(target.find('&', at), target.size());
    if (target.compare(at, key.size(), key) == 0) {
      return target.substr(at + key.size(), end - at - key.size());
    }
    at = end + 1;
  }
  return "";
}

}  // namespace

HttpResponse Introspection::handle(const protocol::HttpRequest& request) const {
  if (request.method != "GET") return answer(405, {{"error", "only GET is served"}});
  const std::string path = request.target.substr(0, request.target.find('?'));
  if (path == "/v1/metadata") {
    return answer(200, {{"Cluster", metadata_.cluster},
                        {"ClusterArn", metadata_.clusterArn},
                        {"ContainerInstanceArn", metadata_.containerInstanceArn},
                        {"Version", metadata_.version}});
  }
  if (path != "/v1/tasks") return answer(404, {{"error", "no such path: " + path}});
  const std::string taskArn = queryValue(request.target, "taskarn");
  const std::string dockerId = queryValue(request.target, "dockerid");
  const auto tasks = tasks_();
  if (taskArn.empty() && dockerId.empty()) {
    json all = json::array();
    for (const auto& task : tasks) all.push_back(taskJson(task));
    return answer(200, {{"Tasks", std::move(all)}});
  }
  for (const auto& task : tasks) {
    if (!taskArn.empty() && task.arn == taskArn) return answer(200, taskJson(task));
    for (const auto& c : task.containers) {
      // A short id prefix is enough, as with docker's own commands.
      if (!dockerId.empty() && !c.dockerId.empty() && c.dockerId.starts_with(dockerId)) {
        return answer(200, taskJson(task));
      }
    }
  }
  return answer(404, {{"error", "no such task"}});
}

}  // namespace ecsd::agent
