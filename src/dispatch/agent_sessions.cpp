#include "dispatch/agent_sessions.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "common/json_member.h"
#include "common/json_writer.h"
#include "common/logging.h"
#include "crypto/crypto.h"
#include "dispatch/session_peer.h"
#include "ecsd/errors.h"
#include "protocol/percent_encoding.h"

namespace ecsd::dispatch {
namespace {

using nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;

constexpr std::string_view kProtocolVersion = "2";

std::int64_t epochMillis(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// What the session URL says (api/agent-protocol.md, "Opening the session").
struct SessionQuery {
  std::string clusterArn;
  std::string containerInstanceArn;
  VersionInfo version;
  std::int64_t seqNum = 0;  // the highest the agent has processed
  std::string accessKeyId = {};  // the key the upgrade was signed with
};

Result<std::int64_t> parseSeqNum(const std::string& text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return errors::invalidParameter("seqNum must be a non-negative integer, not '" + text + "'.");
  }
  return value;
}

Result<SessionQuery> readQuery(const protocol::HttpRequest& upgrade) {
  const auto parameters = protocol::queryParameters(upgrade.target);
  const auto get = [&](std::string_view name) -> std::string {
    const auto it = parameters.find(name);
    return it == parameters.end() ? "" : it->second;
  };
  SessionQuery query{get("clusterArn"),
                     get("containerInstanceArn"),
                     {get("agentVersion"), get("agentHash"), get("dockerVersion")}};
  for (const auto& [name, value] :
       {std::pair{"clusterArn", &query.clusterArn},
        std::pair{"containerInstanceArn", &query.containerInstanceArn}}) {
    if (value->empty()) {
      return errors::invalidParameter(std::string("The ") + name + " query parameter is required.");
    }
  }
  if (parameters.contains("protocolVersion") && get("protocolVersion") != kProtocolVersion) {
    return errors::invalidParameter("Unsupported protocolVersion '" + get("protocolVersion") +
                                    "': ecsd speaks version 2.");
  }
  if (parameters.contains("seqNum")) {
    auto seqNum = parseSeqNum(get("seqNum"));
    if (!seqNum) return seqNum.error();
    query.seqNum = *seqNum;
  }
  return query;
}

// A PayloadMessage kept until the agent acknowledges it.
struct Pending {
  std::string messageId;
  std::int64_t seqNum = 0;
  std::int64_t generatedAt = 0;  // ms since the epoch
  PayloadTasks tasks;            // written once: resends send the same text
  std::optional<TimePoint> lastSent;
};

struct Session {
  std::uint64_t id = 0;
  std::shared_ptr<protocol::WebSocketChannel> channel;
  std::string clusterArn;  // as the URL gave them, echoed in PayloadMessages
  std::string containerInstanceArn;
  TimePoint lastHeard;  // any frame from the agent
  std::string accessKeyId;  // closed once the key is no longer accepted
};

struct Instance {
  std::optional<Session> session;  // the current one, if connected
  std::list<Pending> outbox;       // in seqNum order; a list: an empty deque holds 512 bytes
  std::int64_t lastSeqNum = 0;
  bool reported = false;  // the connectivity the control plane last heard
};

std::string payloadFrame(const Session& session, const Pending& pending) {
  JsonWriter out(pending.tasks.text().size() + 512);
  out.beginObject().member("type", "PayloadMessage").key("message").beginObject();
  out.member("messageId", pending.messageId).member("clusterArn", session.clusterArn);
  out.member("containerInstanceArn", session.containerInstanceArn);
  out.member("generatedAt", pending.generatedAt).member("seqNum", pending.seqNum);
  out.key("tasks").raw(pending.tasks.text());
  out.endObject().endObject();
  return out.take();
}

std::string heartbeatFrame() {
  return sessionFrame("HeartbeatMessage", {{"messageId", crypto::uuid4()}, {"healthy", true}});
}

}  // namespace

struct AgentSessions::Impl : std::enable_shared_from_this<Impl> {
  Impl(ControlPlane& controlPlane, const security::KeyRing& keys, protocol::sigv4::Policy policy,
       const Clock& clock, SessionSettings settings)
      : controlPlane(controlPlane),
        keys(keys),
        policy(std::move(policy)),
        clock(clock),
        settings(settings) {}

  Result<std::shared_ptr<protocol::WebSocketPeer>> accept(
      const protocol::HttpRequest& upgrade, std::shared_ptr<protocol::WebSocketChannel> channel);
  Result<std::string> admit(const protocol::HttpRequest& upgrade, SessionQuery& query);
  struct Opened {
    std::uint64_t sessionId = 0;
    std::shared_ptr<protocol::WebSocketChannel> replaced;  // for the caller to close
  };
  // Makes a new session current and sends it the outbox.
  Opened open(const std::string& id, const SessionQuery& query,
              std::shared_ptr<protocol::WebSocketChannel> channel, PayloadTasks tasks);
  void deliver(const std::string& id, PayloadTasks tasks);
  void received(const std::string& id, std::uint64_t sessionId, std::string_view text);
  void closed(const std::string& id, std::uint64_t sessionId);
  void tick();
  void beat();
  // Closes the sessions whose key was deactivated or deleted since the last
  // look (it looks only when the ring has lost a key).
  void closeRevoked();
  // Tells the control plane the instance's connectivity if it changed.
  void settle(const std::string& id);

  // REQUIRES: mutex held.
  Pending& enqueue(const std::string& id, Instance& instance, PayloadTasks tasks, TimePoint now);
  void send(Instance& instance, Pending& pending, TimePoint now);
  // Resends what waited too long for its ack.
  void resend(const std::string& id, Instance& instance, TimePoint now);

  ControlPlane& controlPlane;
  const security::KeyRing& keys;
  const protocol::sigv4::Policy policy;
  const Clock& clock;
  const SessionSettings settings;
  std::atomic<const protocol::Authorizer*> authorizer{nullptr};
  std::atomic<std::uint64_t> seenRemovals{0};

  std::mutex notifyMutex;  // taken before `mutex`; serializes settle()
  mutable std::mutex mutex;
  std::map<std::string, Instance, std::less<>> instances;
  // When each session's next heartbeat and silence check are due: beat()
  // visits only those due, so it can run often (a few at a time, not bursts
  // that hold up every other call) without walking every session each time.
  enum class Duty { kHeartbeat, kSilenceCheck };
  struct Due {
    std::string instanceId;
    std::uint64_t sessionId = 0;
    Duty duty = Duty::kHeartbeat;
  };
  std::multimap<TimePoint, Due> dues;
  // Instances with payloads not yet acknowledged: all that tick() resends.
  std::set<std::string, std::less<>> unacknowledged;
  std::uint64_t lastSessionId = 0;
};

Result<std::string> AgentSessions::Impl::admit(const protocol::HttpRequest& upgrade,
                                               SessionQuery& query) {
  auto key = protocol::sigv4::verify(upgrade, keys, policy, clock.now());
  if (!key) return key.error();
  auto parsed = readQuery(upgrade);
  if (!parsed) return parsed.error();
  query = std::move(*parsed);
  query.accessKeyId = (*key)->accessKeyId;
  if (const protocol::Authorizer* check = authorizer.load()) {
    // The session is ECS's Poll, on the instance, in its cluster.
    const protocol::OperationDescriptor poll{
        "Poll", "ecs:Poll", protocol::Access::kRead, [&](const protocol::Call&) {
          return std::vector<std::string>{query.clusterArn, query.containerInstanceArn};
        }};
    const protocol::Call call{"Poll", nlohmann::json::object()};
    const protocol::CallContext context{crypto::uuid4(), **key, upgrade.header("Host"),
                                        upgrade.remote, upgrade.secure};
    if (auto refusal = check->refuse(poll, call, context)) return std::move(*refusal);
  }
  return controlPlane.instanceForSession(query.clusterArn, query.containerInstanceArn);
}

Result<std::shared_ptr<protocol::WebSocketPeer>> AgentSessions::Impl::accept(
    const protocol::HttpRequest& upgrade, std::shared_ptr<protocol::WebSocketChannel> channel) {
  SessionQuery query;
  auto id = admit(upgrade, query);
  if (!id) {
    spdlog::info("msg=\"agent session refused\" remote={} status={} error={} {}reason={}",
                 upgrade.remote, id.error().httpStatus, id.error().type, logging::detail(id),
                 logging::quote(id.error().message));
    return id.error();
  }
  auto [sessionId, replaced] = open(*id, query, std::move(channel), controlPlane.tasksFor(*id));
  spdlog::info(
      "msg=\"agent connected\" instance={} container_instance={} cluster={} agent_version={} "
      "remote={} replaced={}",
      *id, logging::quote(query.containerInstanceArn), logging::quote(query.clusterArn),
      logging::quote(query.version.agentVersion), upgrade.remote, replaced != nullptr);
  if (replaced) replaced->close();
  settle(*id);
  controlPlane.versionReported(*id, query.version);
  return std::shared_ptr<protocol::WebSocketPeer>(
      std::make_shared<SessionPeer<Impl>>(weak_from_this(), *id, sessionId));
}

AgentSessions::Impl::Opened AgentSessions::Impl::open(
    const std::string& id, const SessionQuery& query,
    std::shared_ptr<protocol::WebSocketChannel> channel, PayloadTasks tasks) {
  std::lock_guard lock(mutex);
  Instance& instance = instances[id];
  Opened opened{++lastSessionId, instance.session ? std::move(instance.session->channel) : nullptr};
  const TimePoint now = clock.now();
  instance.session = Session{opened.sessionId, std::move(channel), query.clusterArn,
                             query.containerInstanceArn, now, query.accessKeyId};
  dues.emplace(now + settings.heartbeatInterval, Due{id, opened.sessionId, Duty::kHeartbeat});
  dues.emplace(now + settings.silenceLimit, Due{id, opened.sessionId, Duty::kSilenceCheck});
  instance.lastSeqNum = std::max(instance.lastSeqNum, query.seqNum);
  if (!tasks.empty()) enqueue(id, instance, std::move(tasks), now);
  for (Pending& pending : instance.outbox) send(instance, pending, now);
  return opened;
}

Pending& AgentSessions::Impl::enqueue(const std::string& id, Instance& instance, PayloadTasks tasks,
                                      TimePoint now) {
  unacknowledged.insert(id);
  return instance.outbox.emplace_back(
      Pending{crypto::uuid4(), ++instance.lastSeqNum, epochMillis(now), std::move(tasks), {}});
}

void AgentSessions::Impl::send(Instance& instance, Pending& pending, TimePoint now) {
  instance.session->channel->sendText(payloadFrame(*instance.session, pending));
  pending.lastSent = now;
}

void AgentSessions::Impl::deliver(const std::string& id, PayloadTasks tasks) {
  if (tasks.empty()) return;
  std::lock_guard lock(mutex);
  Instance& instance = instances[id];
  const TimePoint now = clock.now();
  Pending& pending = enqueue(id, instance, std::move(tasks), now);
  if (instance.session) send(instance, pending, now);
  spdlog::debug("msg=\"payload queued\" instance={} message_id={} seq_num={} tasks={} sent={}", id,
                pending.messageId, pending.seqNum, pending.tasks.size(),
                instance.session.has_value());
}

void AgentSessions::Impl::received(const std::string& id, std::uint64_t sessionId,
                                   std::string_view text) {
  const json frame = json::parse(text, nullptr, false);
  const std::string type = stringMember(frame, "type");
  const json* message = member(frame, "message");
  const std::string messageId = message != nullptr ? stringMember(*message, "messageId") : "";
  std::lock_guard lock(mutex);
  const auto it = instances.find(id);
  if (it == instances.end()) return;
  Instance& instance = it->second;
  if (instance.session && instance.session->id == sessionId) {
    instance.session->lastHeard = clock.now();
  }
  if (type == "AckRequest") {
    const auto acked = std::ranges::find(instance.outbox, messageId, &Pending::messageId);
    spdlog::debug("msg=\"payload acknowledged\" instance={} message_id={} known={}", id,
                  logging::quote(messageId), acked != instance.outbox.end());
    if (acked != instance.outbox.end()) instance.outbox.erase(acked);
    if (instance.outbox.empty()) unacknowledged.erase(id);
  } else if (type != "HeartbeatAckRequest") {
    spdlog::debug("msg=\"agent frame ignored\" instance={} type={}", id, logging::quote(type));
  }
}

void AgentSessions::Impl::closed(const std::string& id, std::uint64_t sessionId) {
  bool current = false;
  {
    std::lock_guard lock(mutex);
    const auto it = instances.find(id);
    current = it != instances.end() && it->second.session && it->second.session->id == sessionId;
    if (current) it->second.session.reset();
  }
  if (!current) return;
  spdlog::info("msg=\"agent disconnected\" instance={}", id);
  settle(id);
}

void AgentSessions::Impl::closeRevoked() {
  const std::uint64_t removals = keys.removals();
  if (removals == seenRemovals.exchange(removals)) return;
  std::vector<std::shared_ptr<protocol::WebSocketChannel>> revoked;
  std::vector<std::string> gone;
  {
    std::lock_guard lock(mutex);
    for (auto& [id, instance] : instances) {
      if (!instance.session || keys.find(instance.session->accessKeyId) != nullptr) continue;
      spdlog::warn("msg=\"access key no longer accepted, closing its session\" instance={} "
                   "access_key_id={}",
                   id, instance.session->accessKeyId);
      revoked.push_back(std::move(instance.session->channel));
      gone.push_back(id);
      instance.session.reset();
    }
  }
  for (const auto& channel : revoked) channel->close();
  for (const auto& id : gone) settle(id);
}

void AgentSessions::Impl::tick() {
  beat();
  closeRevoked();
  std::lock_guard lock(mutex);
  const TimePoint now = clock.now();
  for (auto it = unacknowledged.begin(); it != unacknowledged.end();) {
    const auto instance = instances.find(*it);
    if (instance == instances.end() || instance->second.outbox.empty()) {
      it = unacknowledged.erase(it);
      continue;
    }
    if (instance->second.session) resend(*it, instance->second, now);
    ++it;
  }
}

void AgentSessions::Impl::beat() {
  std::vector<std::shared_ptr<protocol::WebSocketChannel>> beating, silent;
  std::vector<std::string> gone;
  {
    std::lock_guard lock(mutex);
    const TimePoint now = clock.now();
    while (!dues.empty() && dues.begin()->first <= now) {
      auto due = dues.extract(dues.begin());
      const Due& what = due.mapped();
      const auto it = instances.find(what.instanceId);
      if (it == instances.end() || !it->second.session ||
          it->second.session->id != what.sessionId) {
        continue;  // that session is over, and so are its duties
      }
      Session& session = *it->second.session;
      if (what.duty == Duty::kHeartbeat) {
        beating.push_back(session.channel);
        due.key() = now + settings.heartbeatInterval;
      } else if (now - session.lastHeard < settings.silenceLimit) {
        due.key() = session.lastHeard + settings.silenceLimit;  // heard since: look again then
      } else {
        spdlog::warn(
            "msg=\"agent silent, closing its session\" instance={} silent_ms={}", what.instanceId,
            std::chrono::duration_cast<std::chrono::milliseconds>(now - session.lastHeard).count());
        silent.push_back(std::move(session.channel));
        gone.push_back(what.instanceId);
        it->second.session.reset();
        continue;
      }
      dues.insert(std::move(due));
    }
  }
  // Made and sent outside the lock, which deliveries and acks wait for.
  for (const auto& channel : beating) channel->sendText(heartbeatFrame());
  for (const auto& channel : silent) channel->close();
  for (const auto& id : gone) settle(id);
}

void AgentSessions::Impl::resend(const std::string& id, Instance& instance, TimePoint now) {
  for (Pending& pending : instance.outbox) {
    if (pending.lastSent && now - *pending.lastSent < settings.resendAfter) continue;
    spdlog::debug("msg=\"payload resent\" instance={} message_id={} seq_num={}", id,
                  pending.messageId, pending.seqNum);
    send(instance, pending, now);
  }
}

void AgentSessions::Impl::settle(const std::string& id) {
  std::lock_guard notifyLock(notifyMutex);
  bool connected = false;
  {
    std::lock_guard lock(mutex);
    const auto it = instances.find(id);
    if (it == instances.end()) return;
    connected = it->second.session.has_value();
    if (connected == it->second.reported) return;
    it->second.reported = connected;
  }
  controlPlane.agentConnectivityChanged(id, connected);
}

AgentSessions::AgentSessions(ControlPlane& controlPlane, const security::KeyRing& keys,
                             protocol::sigv4::Policy policy, const Clock& clock,
                             SessionSettings settings)
    : impl_(std::make_shared<Impl>(controlPlane, keys, std::move(policy), clock, settings)) {}

AgentSessions::~AgentSessions() {
  std::vector<std::shared_ptr<protocol::WebSocketChannel>> open;
  {
    std::lock_guard lock(impl_->mutex);
    open = endAll(impl_->instances);
  }
  for (const auto& channel : open) channel->close();
}

Result<std::shared_ptr<protocol::WebSocketPeer>> AgentSessions::accept(
    const protocol::HttpRequest& upgrade, std::shared_ptr<protocol::WebSocketChannel> channel) {
  return impl_->accept(upgrade, std::move(channel));
}

void AgentSessions::deliver(const std::string& instanceId, PayloadTasks tasks) {
  impl_->deliver(instanceId, std::move(tasks));
}

bool AgentSessions::connected(const std::string& instanceId) const {
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->instances.find(instanceId);
  return it != impl_->instances.end() && it->second.session.has_value();
}

void AgentSessions::forget(const std::string& instanceId) {
  std::shared_ptr<protocol::WebSocketChannel> channel;
  {
    std::lock_guard lock(impl_->mutex);
    channel = erase(impl_->instances, instanceId);
  }
  if (channel) channel->close();
}

void AgentSessions::tick() { impl_->tick(); }

void AgentSessions::authorizeWith(const protocol::Authorizer& authorizer) {
  impl_->authorizer = &authorizer;
}

void AgentSessions::beat() { impl_->beat(); }

}  // namespace ecsd::dispatch
