#include "dispatch/telemetry_sessions.h"

#include <spdlog/spdlog.h>

#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "common/json_member.h"
#include "common/logging.h"
#include "dispatch/session_peer.h"
#include "ecsd/errors.h"
#include "protocol/percent_encoding.h"

namespace ecsd::dispatch {
namespace {

using nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;

// A frame as the request it was signed as: GET of the session's URL, with the
// frame's header lines (each "Name: value\r\n") and its JSON as the body.
std::optional<protocol::HttpRequest> signedFrame(const std::string& target,
                                                 const std::string& remote, std::string_view text) {
  const std::size_t end = text.find("\r\n\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  protocol::HttpRequest request{"GET", target, {}, std::string(text.substr(end + 4)), remote};
  std::string_view headers = text.substr(0, end + 2);
  while (!headers.empty()) {
    const std::string_view line = headers.substr(0, headers.find("\r\n"));
    headers.remove_prefix(std::min(headers.size(), line.size() + 2));
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view value = line.substr(colon + 1);
    while (value.starts_with(' ')) value.remove_prefix(1);
    request.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return request;
}

std::optional<StatsSet> statsSet(const json& object, std::string_view name) {
  const json* set = member(object, name);
  if (set == nullptr || !set->is_object()) return std::nullopt;
  const auto number = [&](std::string_view key) {
    const json* value = member(*set, key);
    return value != nullptr && value->is_number() ? value->get<double>() : 0.0;
  };
  return StatsSet{number("min"), number("max"), number("sum"),
                  integerMember(*set, "sampleCount").value_or(0)};
}

struct Session {
  std::uint64_t id = 0;
  std::shared_ptr<protocol::WebSocketChannel> channel;
  std::string target;  // the session URL's path and query: each frame's signature covers it
  std::string remote;
};

struct Instance {
  std::optional<Session> session;
  InstanceTelemetry telemetry;
  std::set<std::string> round;  // tasks seen in this round of metrics, until "fin"
};

}  // namespace

struct TelemetrySessions::Impl : std::enable_shared_from_this<Impl> {
  Impl(ControlPlane& controlPlane, const security::KeyRing& keys, protocol::sigv4::Policy policy,
       const Clock& clock, std::chrono::milliseconds heartbeatInterval)
      : controlPlane(controlPlane),
        keys(keys),
        policy(std::move(policy)),
        clock(clock),
        heartbeatInterval(heartbeatInterval) {}

  Result<std::shared_ptr<protocol::WebSocketPeer>> accept(
      const protocol::HttpRequest& upgrade, std::shared_ptr<protocol::WebSocketChannel> channel);
  void received(const std::string& id, std::uint64_t sessionId, std::string_view text);
  void closed(const std::string& id, std::uint64_t sessionId);
  // REQUIRES: mutex held. Keeps what the message says; returns the ack's type.
  std::string keep(Instance& instance, std::string_view type, const json& message, TimePoint now);

  ControlPlane& controlPlane;
  const security::KeyRing& keys;
  const protocol::sigv4::Policy policy;
  const Clock& clock;
  const std::chrono::milliseconds heartbeatInterval;

  mutable std::mutex mutex;
  std::map<std::string, Instance, std::less<>> instances;
  // When each session's next heartbeat is due (instance id, session id).
  std::multimap<TimePoint, std::pair<std::string, std::uint64_t>> dues;
  std::uint64_t lastSessionId = 0;
};

Result<std::shared_ptr<protocol::WebSocketPeer>> TelemetrySessions::Impl::accept(
    const protocol::HttpRequest& upgrade, std::shared_ptr<protocol::WebSocketChannel> channel) {
  const auto refuse = [&](const Error& error) -> Result<std::shared_ptr<protocol::WebSocketPeer>> {
    spdlog::info("msg=\"telemetry session refused\" remote={} status={} error={} {}reason={}",
                 upgrade.remote, error.httpStatus, error.type, logging::detail(error),
                 logging::quote(error.message));
    return error;
  };
  if (auto key = protocol::sigv4::verify(upgrade, keys, policy, clock.now()); !key) {
    return refuse(key.error());
  }
  const auto query = protocol::queryParameters(upgrade.target);
  const auto get = [&](std::string_view name) {
    const auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  };
  for (const char* name : {"cluster", "containerInstance"}) {
    if (get(name).empty()) {
      return refuse(
          errors::invalidParameter(std::string("The ") + name + " query parameter is required."));
    }
  }
  auto id = controlPlane.instanceForSession(get("cluster"), get("containerInstance"));
  if (!id) return refuse(id.error());
  std::shared_ptr<protocol::WebSocketChannel> replaced;
  std::uint64_t sessionId = 0;
  {
    std::lock_guard lock(mutex);
    Instance& instance = instances[*id];
    if (instance.session) replaced = std::move(instance.session->channel);
    sessionId = ++lastSessionId;
    instance.session = Session{sessionId, std::move(channel), upgrade.target, upgrade.remote};
    dues.emplace(clock.now() + heartbeatInterval, std::pair{*id, sessionId});
  }
  spdlog::info("msg=\"telemetry session opened\" instance={} agent_version={} remote={}", *id,
               logging::quote(get("agentVersion")), upgrade.remote);
  if (replaced) replaced->close();
  return std::shared_ptr<protocol::WebSocketPeer>(
      std::make_shared<SessionPeer<Impl>>(weak_from_this(), *id, sessionId));
}

std::string TelemetrySessions::Impl::keep(Instance& instance, std::string_view type,
                                          const json& message, TimePoint now) {
  InstanceTelemetry& kept = instance.telemetry;
  const json* metadata = member(message, "metadata");
  const auto flag = [&](std::string_view name) {
    return metadata != nullptr && flagMember(*metadata, name, false);
  };
  if (type == "PublishMetricsRequest") {
    for (const json& task : listMember(message, "taskMetrics")) {
      const std::string arn = stringMember(task, "taskArn");
      if (arn.empty()) continue;
      auto& containers = kept.tasks[arn];
      for (const json& container : listMember(task, "containerMetrics")) {
        ContainerTelemetry& entry = containers[stringMember(container, "containerName")];
        entry.cpu = statsSet(container, "cpuStatsSet");
        entry.memory = statsSet(container, "memoryStatsSet");
      }
      instance.round.insert(arn);
    }
    if (flag("idle")) instance.round.clear();
    if (flag("fin") || flag("idle")) {
      std::erase_if(kept.tasks,
                    [&](const auto& task) { return !instance.round.contains(task.first); });
      instance.round.clear();
    }
    kept.reportedAt = now;
    return "AckPublishMetric";
  }
  if (type == "PublishHealthRequest") {
    for (const json& task : listMember(message, "tasks")) {
      const std::string arn = stringMember(task, "taskArn");
      if (arn.empty()) continue;
      auto& containers = kept.tasks[arn];
      for (const json& container : listMember(task, "containers")) {
        containers[stringMember(container, "containerName")].healthStatus =
            stringMember(container, "healthStatus");
      }
    }
    kept.reportedAt = now;
    return "AckPublishHealth";
  }
  if (type == "PublishInstanceStatusRequest") {
    for (const json& status : listMember(message, "statuses")) {
      kept.statuses[stringMember(status, "type")] = stringMember(status, "status");
    }
    kept.reportedAt = now;
    return "AckPublishInstanceStatus";
  }
  return "";
}

void TelemetrySessions::Impl::received(const std::string& id, std::uint64_t sessionId,
                                       std::string_view text) {
  std::shared_ptr<protocol::WebSocketChannel> channel;
  std::optional<protocol::HttpRequest> request;
  {
    std::lock_guard lock(mutex);
    const auto it = instances.find(id);
    if (it == instances.end() || !it->second.session || it->second.session->id != sessionId) {
      return;
    }
    channel = it->second.session->channel;
    request = signedFrame(it->second.session->target, it->second.session->remote, text);
  }
  // Verified outside the lock: it is the costly part.
  if (!request) {
    spdlog::warn("msg=\"telemetry frame without its signed header block, ignored\" instance={}",
                 id);
    return;
  }
  if (auto key = protocol::sigv4::verify(*request, keys, policy, clock.now()); !key) {
    spdlog::warn("msg=\"telemetry frame refused\" instance={} error={} {}reason={}", id,
                 key.error().type, logging::detail(key), logging::quote(key.error().message));
    return;
  }
  const json parsed = json::parse(request->body, nullptr, false);
  const std::string type = stringMember(parsed, "type");
  const json* message = member(parsed, "message");
  std::string ack;
  {
    std::lock_guard lock(mutex);
    const auto it = instances.find(id);
    if (it == instances.end() || message == nullptr || !message->is_object()) return;
    ack = keep(it->second, type, *message, clock.now());
  }
  if (ack.empty()) {
    spdlog::debug("msg=\"telemetry frame ignored\" instance={} type={}", id, logging::quote(type));
    return;
  }
  spdlog::debug("msg=\"telemetry kept\" instance={} type={}", id, type);
  channel->sendText(sessionFrame(ack, {{"message", "ack"}}));
}

void TelemetrySessions::Impl::closed(const std::string& id, std::uint64_t sessionId) {
  std::lock_guard lock(mutex);
  const auto it = instances.find(id);
  if (it == instances.end() || !it->second.session || it->second.session->id != sessionId) return;
  it->second.session.reset();
  spdlog::info("msg=\"telemetry session closed\" instance={}", id);
}

TelemetrySessions::TelemetrySessions(ControlPlane& controlPlane, const security::KeyRing& keys,
                                     protocol::sigv4::Policy policy, const Clock& clock,
                                     std::chrono::milliseconds heartbeatInterval)
    : impl_(std::make_shared<Impl>(controlPlane, keys, std::move(policy), clock,
                                   heartbeatInterval)) {}

TelemetrySessions::~TelemetrySessions() {
  std::vector<std::shared_ptr<protocol::WebSocketChannel>> open;
  {
    std::lock_guard lock(impl_->mutex);
    open = endAll(impl_->instances);
  }
  for (const auto& channel : open) channel->close();
}

Result<std::shared_ptr<protocol::WebSocketPeer>> TelemetrySessions::accept(
    const protocol::HttpRequest& upgrade, std::shared_ptr<protocol::WebSocketChannel> channel) {
  return impl_->accept(upgrade, std::move(channel));
}

std::optional<InstanceTelemetry> TelemetrySessions::telemetry(const std::string& instanceId) const {
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->instances.find(instanceId);
  if (it == impl_->instances.end()) return std::nullopt;
  return it->second.telemetry;
}

void TelemetrySessions::forget(const std::string& instanceId) {
  std::shared_ptr<protocol::WebSocketChannel> channel;
  {
    std::lock_guard lock(impl_->mutex);
    channel = erase(impl_->instances, instanceId);
  }
  if (channel) channel->close();
}

void TelemetrySessions::beat() {
  std::vector<std::shared_ptr<protocol::WebSocketChannel>> beating;
  {
    std::lock_guard lock(impl_->mutex);
    const TimePoint now = impl_->clock.now();
    auto& dues = impl_->dues;
    while (!dues.empty() && dues.begin()->first <= now) {
      auto due = dues.extract(dues.begin());
      const auto& [instanceId, sessionId] = due.mapped();
      const auto it = impl_->instances.find(instanceId);
      if (it == impl_->instances.end() || !it->second.session ||
          it->second.session->id != sessionId) {
        continue;  // that session is over
      }
      beating.push_back(it->second.session->channel);
      due.key() = now + impl_->heartbeatInterval;
      dues.insert(std::move(due));
    }
  }
  for (const auto& channel : beating)
    channel->sendText(sessionFrame("HeartbeatMessage", {{"healthy", true}}));
}

}  // namespace ecsd::dispatch
