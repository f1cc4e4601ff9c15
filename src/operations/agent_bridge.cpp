#include "operations/agent_bridge.h"

#include <spdlog/spdlog.h>

#include "common/logging.h"
#include "dispatch/payload.h"
#include "ecsd/errors.h"

namespace ecsd::operations {

bool AgentBridge::connected(const std::string& instanceId) const {
  return sessions_ && sessions_->connected(instanceId);
}

void AgentBridge::deliver(const std::string& instanceId, dispatch::PayloadTasks tasks) {
  if (sessions_) sessions_->deliver(instanceId, std::move(tasks));
}

std::string AgentBridge::pollEndpoint(std::string_view host) const {
  if (!anyAddress_ || host.empty()) return pollEndpoint_;
  const std::size_t scheme = pollEndpoint_.find("://");
  return pollEndpoint_.substr(0, scheme + 3) + std::string(host);
}

void AgentBridge::forget(const std::string& instanceId) {
  if (sessions_) sessions_->forget(instanceId);
  if (telemetry_) telemetry_->forget(instanceId);
}

Result<std::string> AgentBridge::instanceForSession(std::string_view clusterArn,
                                                    std::string_view containerInstanceArn) {
  auto cluster = arns_.clusterName(clusterArn);
  if (!cluster) return cluster.error();
  const auto id = arns_.resourceId(containerInstanceArn, "container-instance");
  return state_.read([&](const Data& data) -> Result<std::string> {
    const Cluster* found = data.cluster(*cluster);
    if (!found || found->status != "ACTIVE") return errors::clusterNotFound();
    const ContainerInstance* instance = id ? data.instance(*id) : nullptr;
    if (!instance || instance->cluster != *cluster || instance->status == "INACTIVE") {
      // What api/agent-protocol.md promises the agent (it re-registers then).
      return errors::make("InactiveInstanceException",
                          "Container instance " + std::string(containerInstanceArn) +
                              " is not registered in cluster " + *cluster + ".");
    }
    return instance->id;
  });
}

dispatch::PayloadTasks AgentBridge::tasksFor(const std::string& instanceId) {
  return state_.read([&](const Data& data) {
    dispatch::PayloadTasks tasks;
    for (const auto& id : data.taskIdsOn(instanceId)) {
      const Task& task = *data.task(id);
      if (!task.live()) continue;
      if (const TaskDefinition* definition = data.taskDefinition(task.family, task.revision)) {
        tasks.add(task, *definition);
      }
    }
    return tasks;
  });
}

void AgentBridge::versionReported(const std::string& instanceId,
                                  const dispatch::VersionInfo& version) {
  nlohmann::json info = nlohmann::json::object();
  for (const auto& [name, value] : {std::pair{"agentVersion", &version.agentVersion},
                                    std::pair{"agentHash", &version.agentHash},
                                    std::pair{"dockerVersion", &version.dockerVersion}}) {
    if (!value->empty()) info[name] = *value;
  }
  // Only an instance registered without versions takes them: a registration's
  // own versionInfo is what the agent chose to say.
  const auto lacksVersions = [](const ContainerInstance* instance) {
    return instance != nullptr && instance->status != "INACTIVE" &&
           (!instance->versionInfo.is_object() || instance->versionInfo.empty());
  };
  if (info.empty() ||
      !state_.read([&](const Data& data) { return lacksVersions(data.instance(instanceId)); })) {
    return;
  }
  const auto written = state_.write([&](Draft& draft) -> Status {
    const ContainerInstance* instance = draft.instance(instanceId);
    if (!lacksVersions(instance)) return {};
    ContainerInstance updated = *instance;
    updated.versionInfo = info;
    ++updated.version;
    draft.put(std::move(updated));
    return {};
  });
  if (!written) {
    spdlog::warn("msg=\"cannot record the agent's versions\" container_instance={} error={}",
                 instanceId, logging::quote(written.error().message));
  }
}

void AgentBridge::agentConnectivityChanged(const std::string& instanceId, bool connected) {
  spdlog::info("msg=\"agent connectivity\" container_instance={} connected={}", instanceId,
               connected);
}

}  // namespace ecsd::operations
