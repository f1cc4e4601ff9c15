// What the two kinds of agent session (AgentSessions, TelemetrySessions)
// share: the frame envelope, the server's end of one session, and taking
// channels out of the instances so that they are closed outside the
// sessions' lock.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/websocket.h"

namespace ecsd::dispatch {

// One frame as both sessions send them: {"type": ..., "message": {...}}.
inline std::string sessionFrame(std::string_view type, nlohmann::json message) {
  return nlohmann::json{{"type", type}, {"message", std::move(message)}}.dump();
}

// Forwards a session's frames and its close to the sessions' Impl while it
// exists: a connection may outlive it. Impl has received(instanceId,
// sessionId, text) and closed(instanceId, sessionId).
template <class Impl>
class SessionPeer final : public protocol::WebSocketPeer {
 public:
  SessionPeer(std::weak_ptr<Impl> impl, std::string instanceId, std::uint64_t sessionId)
      : impl_(std::move(impl)), instanceId_(std::move(instanceId)), sessionId_(sessionId) {}

  void onText(std::string_view text) override {
    if (auto impl = impl_.lock()) impl->received(instanceId_, sessionId_, text);
  }
  void onClose() override {
    if (auto impl = impl_.lock()) impl->closed(instanceId_, sessionId_);
  }

 private:
  std::weak_ptr<Impl> impl_;
  const std::string instanceId_;
  const std::uint64_t sessionId_;
};

// Ends every instance's session (Instance::session, an optional with a
// channel), returning their channels to close. REQUIRES: the lock held.
template <class Instances>
std::vector<std::shared_ptr<protocol::WebSocketChannel>> endAll(Instances& instances) {
  std::vector<std::shared_ptr<protocol::WebSocketChannel>> open;
  for (auto& [id, instance] : instances) {
    if (instance.session) open.push_back(std::move(instance.session->channel));
    instance.session.reset();
  }
  return open;
}

// Forgets the instance, returning its session's channel to close (null when
// it had none). REQUIRES: the lock held.
template <class Instances>
std::shared_ptr<protocol::WebSocketChannel> erase(Instances& instances, std::string_view id) {
  const auto it = instances.find(id);
  if (it == instances.end()) return nullptr;
  std::shared_ptr<protocol::WebSocketChannel> channel;
  if (it->second.session) channel = std::move(it->second.session->channel);
  instances.erase(it);
  return channel;
}

}  // namespace ecsd::dispatch
