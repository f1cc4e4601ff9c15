// Test support for the session tests: a clock to move by hand, the control
// plane and the WebSocket channel as fakes, and upgrades signed as botocore
// signs them.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "dispatch/agent_sessions.h"
#include "ecsd/errors.h"
#include "support/manual_clock.h"

namespace ecsd::dispatch::test_support {

using nlohmann::json;
using namespace std::chrono_literals;
using protocol::HttpRequest;
using TimePoint = std::chrono::system_clock::time_point;

constexpr char kRegion[] = "us-east-1";
constexpr char kKeyId[] = "AKIDAGENT";
constexpr char kSecret[] = "agent-secret";
constexpr char kCluster[] = "arn:aws:ecs:us-east-1:123456789012:cluster/default";
constexpr char kInstanceA[] = "arn:aws:ecs:us-east-1:123456789012:container-instance/default/aaaa";
constexpr char kInstanceB[] = "arn:aws:ecs:us-east-1:123456789012:container-instance/default/bbbb";

const SessionSettings kSettings{10s, 25s, 5s};

using ecsd::test_support::ManualClock;
// When the session tests start.
inline const ManualClock::TimePoint kTestStart =
    std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + 12h;

// Instances "aaaa" and "bbbb" are registered in kCluster; records callbacks.
class FakeControlPlane final : public ControlPlane {
 public:
  Result<std::string> instanceForSession(std::string_view cluster,
                                         std::string_view containerInstance) override {
    if (cluster != kCluster) return errors::clusterNotFound();
    if (containerInstance == kInstanceA) return std::string("aaaa");
    if (containerInstance == kInstanceB) return std::string("bbbb");
    return errors::make("InactiveInstanceException", "Container instance is not registered.");
  }

  PayloadTasks tasksFor(const std::string& instanceId) override {
    std::lock_guard lock(mutex_);
    const auto it = tasks_.find(instanceId);
    return PayloadTasks::of(it == tasks_.end() ? json::array() : it->second);
  }

  void agentConnectivityChanged(const std::string& instanceId, bool connected) override {
    {
      std::lock_guard lock(mutex_);
      events_.emplace_back(instanceId, connected);
    }
    if (onChange) onChange(instanceId, connected);
  }

  void versionReported(const std::string& instanceId, const VersionInfo& version) override {
    std::lock_guard lock(mutex_);
    versions_[instanceId] = version;
  }
  std::optional<VersionInfo> version(const std::string& instanceId) {
    std::lock_guard lock(mutex_);
    const auto it = versions_.find(instanceId);
    return it == versions_.end() ? std::nullopt : std::optional(it->second);
  }

  void setTasks(const std::string& instanceId, json tasks) {
    std::lock_guard lock(mutex_);
    tasks_[instanceId] = std::move(tasks);
  }
  std::vector<std::pair<std::string, bool>> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

  std::function<void(const std::string&, bool)> onChange;

 private:
  std::mutex mutex_;
  std::map<std::string, json> tasks_;
  std::vector<std::pair<std::string, bool>> events_;
  std::map<std::string, VersionInfo> versions_;
};

// The server's channel and the agent's end at once: captures what ecsd sends,
// and lets the test speak as the agent. close() calls the peer back at once,
// which a real server does later; both must work.
class FakeChannel final : public protocol::WebSocketChannel {
 public:
  void sendText(std::string text) override {
    std::lock_guard lock(mutex_);
    frames_.push_back(json::parse(text));
  }

  void close() override { drop(); }

  void attach(std::shared_ptr<protocol::WebSocketPeer> peer) {
    std::lock_guard lock(mutex_);
    peer_ = std::move(peer);
  }

  // The agent's side.
  void say(std::string_view type, json message) {
    peer()->onText(json{{"type", type}, {"message", std::move(message)}}.dump());
  }
  void sayRaw(std::string_view text) { peer()->onText(text); }
  void ack(const json& payload) {
    say("AckRequest", {{"messageId", payload["message"]["messageId"]},
                       {"cluster", kCluster},
                       {"containerInstance", kInstanceA}});
  }
  void drop() {
    std::shared_ptr<protocol::WebSocketPeer> peer;
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
      closed_ = true;
      peer = peer_;
    }
    if (peer) peer->onClose();
  }

  std::vector<json> frames(std::string_view type = "") {
    std::lock_guard lock(mutex_);
    std::vector<json> out;
    for (const json& frame : frames_) {
      if (type.empty() || frame["type"] == type) out.push_back(frame);
    }
    return out;
  }
  std::vector<json> payloads() { return frames("PayloadMessage"); }
  void clear() {
    std::lock_guard lock(mutex_);
    frames_.clear();
  }
  bool closed() {
    std::lock_guard lock(mutex_);
    return closed_;
  }

 private:
  std::shared_ptr<protocol::WebSocketPeer> peer() {
    std::lock_guard lock(mutex_);
    return peer_;
  }

  std::mutex mutex_;
  std::vector<json> frames_;
  std::shared_ptr<protocol::WebSocketPeer> peer_;
  bool closed_ = false;
};

inline std::string encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", c);
      out += escaped;
    }
  }
  return out;
}

inline std::string sessionTarget(std::string_view instance = kInstanceA,
                                 std::string_view extra = "") {
  return "/ws?clusterArn=" + encode(kCluster) + "&containerInstanceArn=" + encode(instance) +
         "&agentVersion=1.0.0&agentHash=abc&dockerVersion=" + encode("DockerVersion: 24.0.7") +
         "&protocolVersion=2&sendCredentials=true" + std::string(extra);
}

inline std::string amzDate(TimePoint time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss clock{seconds - day};
  char out[32];
  std::snprintf(out, sizeof out, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return out;
}

// A WebSocket upgrade signed as botocore's SigV4Auth signs it.
inline HttpRequest signedUpgrade(const std::string& target, TimePoint at,
                                 const std::string& secret = kSecret) {
  const std::string date = amzDate(at);
  HttpRequest request{"GET",
                      target,
                      {{"Host", "ecsd.test:8443"},
                       {"Upgrade", "websocket"},
                       {"Connection", "Upgrade"},
                       {"X-Amz-Date", date}},
                      "",
                      "10.0.0.9:50000"};
  const std::string day = date.substr(0, 8);
  const std::string scope = day + "/" + kRegion + "/ecs/aws4_request";
  const std::string canonical = protocol::sigv4::canonicalRequest(request, "host;x-amz-date",
                                                                  crypto::hex(crypto::sha256("")));
  const std::string signature =
      crypto::hex(crypto::hmacSha256(protocol::sigv4::signingKey(secret, day, kRegion, "ecs"),
                                     protocol::sigv4::stringToSign(date, scope, canonical)));
  request.headers.emplace_back("Authorization",
                               "AWS4-HMAC-SHA256 Credential=" + std::string(kKeyId) + "/" + scope +
                                   ", SignedHeaders=host;x-amz-date, Signature=" + signature);
  return request;
}

}  // namespace ecsd::dispatch::test_support
