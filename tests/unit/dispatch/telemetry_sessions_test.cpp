#include "dispatch/telemetry_sessions.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "dispatch/session_fakes.h"
#include "dispatch/session_refusal.h"
#include "protocol/sigv4.h"

namespace ecsd::dispatch {
namespace {

using namespace test_support;

constexpr char kTask1[] = "arn:aws:ecs:us-east-1:123456789012:task/default/t1";
constexpr char kTask2[] = "arn:aws:ecs:us-east-1:123456789012:task/default/t2";

// The session URL as Amazon's agent dials it, url.Values.Encode()d with "+"
// for a space, or as it signs it, with "%20".
std::string telemetryTarget(std::string_view instance = kInstanceA, std::string_view space = "+") {
  return std::string(kTelemetryPath) +
         "/ws?agentHash=fa4da21a&agentVersion=1.74.1&cluster=" + encode(kCluster) +
         "&containerInstance=" + encode(instance) + "&dockerVersion=20.10.24%2Bdfsg1" +
         std::string(space) + "x";
}

// A frame as the agent writes it: its signed request's header lines, sorted,
// a blank line, then the JSON, the signature covering GET of the session URL.
std::string signedFrame(std::string_view type, const json& message, TimePoint at,
                        const std::string& secret = kSecret) {
  const std::string body = json{{"type", type}, {"message", message}}.dump();
  HttpRequest request{
      "GET", telemetryTarget(kInstanceA, "%20"), {{"Host", "ecsd.test:8443"}}, body, ""};
  protocol::sigv4::sign(request, kKeyId, secret, "", kRegion, "ecs", at);
  std::sort(request.headers.begin(), request.headers.end());
  std::string out;
  for (const auto& [name, value] : request.headers) out += name + ": " + value + "\r\n";
  return out + "\r\n" + body;
}

json metrics(std::vector<std::string> tasks, bool fin, bool idle = false) {
  json taskMetrics = json::array();
  for (const auto& arn : tasks) {
    taskMetrics.push_back(
        {{"taskArn", arn},
         {"taskDefinitionFamily", "web"},
         {"containerMetrics",
          {{{"containerName", "app"},
            {"cpuStatsSet", {{"min", 1.5}, {"max", 9.0}, {"sum", 21.0}, {"sampleCount", 4}}},
            {"memoryStatsSet", {{"min", 30}, {"max", 42}, {"sum", 144}, {"sampleCount", 4}}}}}}});
  }
  json message{{"metadata",
                {{"cluster", kCluster},
                 {"containerInstance", kInstanceA},
                 {"fin", fin},
                 {"idle", idle},
                 {"messageId", "m-1"}}},
               {"timestamp", 1700000000.123}};
  if (!taskMetrics.empty()) message["taskMetrics"] = taskMetrics;
  return message;
}

class TelemetrySessionsTest : public ::testing::Test {
 protected:
  TelemetrySessionsTest() { keys_.add({kKeyId, kSecret, "agent"}); }

  Result<std::shared_ptr<protocol::WebSocketPeer>> accept(
      const HttpRequest& upgrade, const std::shared_ptr<FakeChannel>& channel) {
    auto peer = sessions_.accept(upgrade, channel);
    if (peer.ok()) channel->attach(*peer);
    return peer;
  }

  std::shared_ptr<FakeChannel> connect() {
    auto channel = std::make_shared<FakeChannel>();
    const auto peer = accept(signedUpgrade(telemetryTarget(), clock_.now()), channel);
    EXPECT_TRUE(peer.ok()) << peer.error().type << ": " << peer.error().message;
    return channel;
  }

  void publish(FakeChannel& agent, std::string_view type, const json& message) {
    agent.sayRaw(signedFrame(type, message, clock_.now()));
  }

  security::KeyRing keys_;
  ManualClock clock_{kTestStart};
  FakeControlPlane controlPlane_;
  TelemetrySessions sessions_{controlPlane_, keys_, {kRegion}, clock_, 10s};
};

TEST_F(TelemetrySessionsTest, AcknowledgesSignedMetricsAndKeepsThem) {
  auto agent = connect();
  publish(*agent, "PublishMetricsRequest", metrics({kTask1}, true));

  const auto acks = agent->frames();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0]["type"], "AckPublishMetric");
  EXPECT_TRUE(acks[0]["message"]["message"].is_string());
  const auto kept = sessions_.telemetry("aaaa");
  ASSERT_TRUE(kept.has_value());
  const ContainerTelemetry& app = kept->tasks.at(kTask1).at("app");
  ASSERT_TRUE(app.cpu && app.memory);
  EXPECT_DOUBLE_EQ(app.cpu->sum, 21.0);
  EXPECT_DOUBLE_EQ(app.cpu->max, 9.0);
  EXPECT_EQ(app.cpu->sampleCount, 4);
  EXPECT_DOUBLE_EQ(app.memory->max, 42);
  EXPECT_EQ(kept->reportedAt, clock_.now());
}

TEST_F(TelemetrySessionsTest, ATaskMissingFromACompleteRoundIsGone) {
  auto agent = connect();
  publish(*agent, "PublishMetricsRequest", metrics({kTask1}, false));
  publish(*agent, "PublishMetricsRequest", metrics({kTask2}, true));
  EXPECT_EQ(sessions_.telemetry("aaaa")->tasks.size(), 2u);
  publish(*agent, "PublishMetricsRequest", metrics({kTask2}, true));
  EXPECT_EQ(sessions_.telemetry("aaaa")->tasks.count(kTask1), 0u);
  EXPECT_EQ(sessions_.telemetry("aaaa")->tasks.count(kTask2), 1u);
  publish(*agent, "PublishMetricsRequest", metrics({}, true, true));  // idle
  EXPECT_TRUE(sessions_.telemetry("aaaa")->tasks.empty());
  EXPECT_EQ(agent->frames("AckPublishMetric").size(), 4u);
}

TEST_F(TelemetrySessionsTest, KeepsHealthAndInstanceStatus) {
  auto agent = connect();
  publish(*agent, "PublishHealthRequest",
          {{"metadata", {{"cluster", kCluster}, {"containerInstance", kInstanceA}, {"fin", true}}},
           {"tasks",
            {{{"taskArn", kTask1},
              {"containers", {{{"containerName", "app"}, {"healthStatus", "UNHEALTHY"}}}}}}},
           {"timestamp", 1700000000.5}});
  publish(*agent, "PublishInstanceStatusRequest",
          {{"metadata", {{"cluster", kCluster}, {"requestId", "r-1"}}},
           {"statuses", {{{"type", "ContainerRuntime"}, {"status", "OK"}}}},
           {"timestamp", 1700000000.5}});

  EXPECT_EQ(agent->frames("AckPublishHealth").size(), 1u);
  EXPECT_EQ(agent->frames("AckPublishInstanceStatus").size(), 1u);
  const auto kept = sessions_.telemetry("aaaa");
  EXPECT_EQ(kept->tasks.at(kTask1).at("app").healthStatus, "UNHEALTHY");
  EXPECT_EQ(kept->statuses.at("ContainerRuntime"), "OK");
}

TEST_F(TelemetrySessionsTest, IgnoresFramesNotSignedRight) {
  auto agent = connect();
  // Bare JSON, as ACS frames are: TCS frames carry their signature.
  agent->sayRaw(
      json{{"type", "PublishMetricsRequest"}, {"message", metrics({kTask1}, true)}}.dump());
  // Signed with another secret.
  agent->sayRaw(
      signedFrame("PublishMetricsRequest", metrics({kTask1}, true), clock_.now(), "wrong-secret"));
  // Signed, then its body changed.
  std::string tampered =
      signedFrame("PublishMetricsRequest", metrics({kTask1}, true), clock_.now());
  tampered.replace(tampered.find("21.0"), 4, "99.0");
  agent->sayRaw(tampered);

  EXPECT_TRUE(agent->frames().empty());
  EXPECT_TRUE(sessions_.telemetry("aaaa")->tasks.empty());
}

TEST_F(TelemetrySessionsTest, SendsHeartbeatsAsTheyFallDue) {
  auto agent = connect();
  clock_.advance(9s);
  sessions_.beat();
  EXPECT_TRUE(agent->frames("HeartbeatMessage").empty());
  clock_.advance(1s);
  sessions_.beat();
  const auto beats = agent->frames("HeartbeatMessage");
  ASSERT_EQ(beats.size(), 1u);
  EXPECT_EQ(beats[0]["message"]["healthy"], true);
  clock_.advance(10s);
  sessions_.beat();
  EXPECT_EQ(agent->frames("HeartbeatMessage").size(), 2u);
  agent->drop();
  clock_.advance(10s);
  sessions_.beat();
  EXPECT_EQ(agent->frames("HeartbeatMessage").size(), 2u);
}

TEST_F(TelemetrySessionsTest, RefusesWhatTheAgentSessionRefuses) {
  const auto refused = [&](const HttpRequest& upgrade) {
    auto peer = accept(upgrade, std::make_shared<FakeChannel>());
    return peer.ok() ? std::string("accepted") : peer.error().type;
  };
  EXPECT_EQ(refused(signedUpgrade(telemetryTarget(), clock_.now(), "wrong-secret")),
            "InvalidSignatureException");
  EXPECT_EQ(refused(signedUpgrade(telemetryTarget(kInstanceA + std::string("x")), clock_.now())),
            "InactiveInstanceException");
  EXPECT_EQ(refused(signedUpgrade(std::string(kTelemetryPath) + "/ws?cluster=" + encode(kCluster),
                                  clock_.now())),
            "InvalidParameterException");
}

TEST_F(TelemetrySessionsTest, ForgetClosesTheSessionAndDropsWhatWasKept) {
  auto agent = connect();
  publish(*agent, "PublishMetricsRequest", metrics({kTask1}, true));
  sessions_.forget("aaaa");
  EXPECT_TRUE(agent->closed());
  EXPECT_FALSE(sessions_.telemetry("aaaa").has_value());
}

TEST(SessionRefusalTest, IsABodyAmazonsAgentDecodes) {
  const auto response = sessionRefusal(400, "InactiveInstanceException", "Instance is gone.");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json::parse(response.body), (json{{"type", "InactiveInstanceException"},
                                              {"message", {{"message", "Instance is gone."}}}}));
  // The agent reads 1 KiB of it: a long message is cut, the type kept.
  const auto longer = sessionRefusal(403, "AccessDeniedException", std::string(5000, '"'));
  EXPECT_LE(longer.body.size(), 1024u);
  EXPECT_EQ(json::parse(longer.body)["type"], "AccessDeniedException");
}

}  // namespace
}  // namespace ecsd::dispatch
