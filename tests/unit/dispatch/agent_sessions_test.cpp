#include "dispatch/agent_sessions.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "crypto/crypto.h"
#include "dispatch/session_fakes.h"
#include "ecsd/errors.h"

namespace ecsd::dispatch {
namespace {

using namespace test_support;

json someTasks(std::string_view id, std::string_view desiredStatus = "RUNNING") {
  return json::array(
      {{{"arn", "arn:aws:ecs:us-east-1:123456789012:task/default/" + std::string(id)},
        {"desiredStatus", desiredStatus}}});
}

class AgentSessionsTest : public ::testing::Test {
 protected:
  AgentSessionsTest() { keys_.add({kKeyId, kSecret, "agent"}); }

  Result<std::shared_ptr<protocol::WebSocketPeer>> accept(
      const HttpRequest& upgrade, const std::shared_ptr<FakeChannel>& channel) {
    auto peer = sessions_.accept(upgrade, channel);
    if (peer.ok()) channel->attach(*peer);
    return peer;
  }

  std::shared_ptr<FakeChannel> connect(std::string_view instance = kInstanceA,
                                       std::string_view extra = "") {
    auto channel = std::make_shared<FakeChannel>();
    const auto peer = accept(signedUpgrade(sessionTarget(instance, extra), clock_.now()), channel);
    EXPECT_TRUE(peer.ok()) << peer.error().type << ": " << peer.error().message;
    return channel;
  }

  Error refusal(const HttpRequest& upgrade) {
    auto peer = accept(upgrade, std::make_shared<FakeChannel>());
    EXPECT_FALSE(peer.ok());
    return peer.ok() ? Error{} : peer.error();
  }

  void tickAfter(std::chrono::milliseconds by) {
    clock_.advance(by);
    sessions_.tick();
  }

  using Events = std::vector<std::pair<std::string, bool>>;

  security::KeyRing keys_;
  ManualClock clock_{kTestStart};
  FakeControlPlane controlPlane_;
  AgentSessions sessions_{controlPlane_, keys_, {kRegion}, clock_, kSettings};
};

TEST_F(AgentSessionsTest, AcceptsASignedUpgradeAndSendsTheInstanceItsTasks) {
  controlPlane_.setTasks("aaaa", someTasks("t1"));
  auto agent = connect();

  EXPECT_TRUE(sessions_.connected("aaaa"));
  EXPECT_EQ(controlPlane_.events(), (Events{{"aaaa", true}}));
  const auto frames = agent->frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["type"], "PayloadMessage");
  const json& message = frames[0]["message"];
  EXPECT_EQ(message["clusterArn"], kCluster);
  EXPECT_EQ(message["containerInstanceArn"], kInstanceA);
  EXPECT_EQ(message["seqNum"], 1);
  EXPECT_EQ(message["tasks"], someTasks("t1"));
  EXPECT_EQ(message["generatedAt"],
            std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
                .count());
  EXPECT_EQ(message["messageId"].get<std::string>().size(), 36u);
}

TEST_F(AgentSessionsTest, TellsTheControlPlaneTheVersionsTheAgentNamed) {
  connect();
  const auto version = controlPlane_.version("aaaa");
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(version->agentVersion, "1.0.0");
  EXPECT_EQ(version->agentHash, "abc");
  EXPECT_EQ(version->dockerVersion, "DockerVersion: 24.0.7");
}

TEST_F(AgentSessionsTest, SendsNoPayloadWhenTheInstanceHasNoTasks) {
  auto agent = connect();
  EXPECT_TRUE(sessions_.connected("aaaa"));
  EXPECT_TRUE(agent->frames().empty());
  EXPECT_FALSE(sessions_.connected("bbbb"));
}

TEST_F(AgentSessionsTest, RefusesUpgradesThatAreNotSignedRight) {
  const std::string target = sessionTarget();
  EXPECT_EQ(refusal(signedUpgrade(target, clock_.now(), "wrong-secret")).type,
            "InvalidSignatureException");

  HttpRequest notSigned = signedUpgrade(target, clock_.now());
  notSigned.headers.pop_back();
  EXPECT_EQ(refusal(notSigned).type, "MissingAuthenticationTokenException");

  HttpRequest otherInstance = signedUpgrade(target, clock_.now());
  otherInstance.target = sessionTarget(kInstanceB);  // the query is signed
  const Error tampered = refusal(otherInstance);
  EXPECT_EQ(tampered.type, "InvalidSignatureException");
  EXPECT_EQ(tampered.httpStatus, 403);

  EXPECT_EQ(refusal(signedUpgrade(target, clock_.now() - 20min)).type, "InvalidSignatureException");
  EXPECT_TRUE(controlPlane_.events().empty());
  EXPECT_FALSE(sessions_.connected("aaaa"));
}

TEST_F(AgentSessionsTest, RefusesMissingOrMalformedParameters) {
  const auto refused = [&](const std::string& target) {
    return refusal(signedUpgrade(target, clock_.now()));
  };
  const Error noCluster = refused("/ws?containerInstanceArn=" + encode(kInstanceA));
  EXPECT_EQ(noCluster.type, "InvalidParameterException");
  EXPECT_EQ(noCluster.httpStatus, 400);
  EXPECT_EQ(noCluster.message, "The clusterArn query parameter is required.");
  EXPECT_EQ(refused("/ws?clusterArn=" + encode(kCluster) + "&containerInstanceArn=").message,
            "The containerInstanceArn query parameter is required.");
  EXPECT_EQ(refused("/ws").type, "InvalidParameterException");
  EXPECT_EQ(refused("/ws?clusterArn=" + encode(kCluster) +
                    "&containerInstanceArn=" + encode(kInstanceA) + "&protocolVersion=1")
                .message,
            "Unsupported protocolVersion '1': ecsd speaks version 2.");
  EXPECT_EQ(refused(sessionTarget(kInstanceA, "&seqNum=-1")).type, "InvalidParameterException");
  EXPECT_EQ(refused(sessionTarget(kInstanceA, "&seqNum=7x")).type, "InvalidParameterException");
}

TEST_F(AgentSessionsTest, RefusesWithTheControlPlanesErrorForUnknownInstances) {
  const Error unknown = refusal(signedUpgrade(
      sessionTarget("arn:aws:ecs:us-east-1:123456789012:container-instance/default/zzzz"),
      clock_.now()));
  EXPECT_EQ(unknown.type, "InactiveInstanceException");
  EXPECT_EQ(unknown.httpStatus, 400);

  const Error noCluster = refusal(signedUpgrade(
      "/ws?clusterArn=elsewhere&containerInstanceArn=" + encode(kInstanceA), clock_.now()));
  EXPECT_EQ(noCluster.type, "ClusterNotFoundException");
  EXPECT_TRUE(controlPlane_.events().empty());
}

TEST_F(AgentSessionsTest, DeliversAtOnceAndResendsUntilAcknowledged) {
  auto agent = connect();
  sessions_.deliver("aaaa", PayloadTasks::of(someTasks("t1")));
  auto payloads = agent->payloads();
  ASSERT_EQ(payloads.size(), 1u);
  EXPECT_EQ(payloads[0]["message"]["tasks"], someTasks("t1"));

  tickAfter(4s);
  EXPECT_EQ(agent->payloads().size(), 1u);
  tickAfter(1s);
  payloads = agent->payloads();
  ASSERT_EQ(payloads.size(), 2u);
  EXPECT_EQ(payloads[1], payloads[0]);  // same messageId, seqNum and body

  agent->ack(payloads[0]);
  tickAfter(5s);
  tickAfter(5s);
  EXPECT_EQ(agent->payloads().size(), 2u);
}

TEST_F(AgentSessionsTest, IgnoresEmptyDeliveries) {
  auto agent = connect();
  sessions_.deliver("aaaa", PayloadTasks::of(json::array()));
  EXPECT_TRUE(agent->frames().empty());
}

TEST_F(AgentSessionsTest, WhatIsDeliveredWhileAwayIsSentOnReconnectBeforeTheSnapshot) {
  controlPlane_.setTasks("aaaa", someTasks("t1"));
  auto first = connect();
  const json unacknowledged = first->payloads().at(0);
  first->drop();
  EXPECT_FALSE(sessions_.connected("aaaa"));
  EXPECT_EQ(controlPlane_.events(), (Events{{"aaaa", true}, {"aaaa", false}}));

  sessions_.deliver("aaaa", PayloadTasks::of(someTasks("t1", "STOPPED")));  // a stop while away
  tickAfter(30s);
  EXPECT_EQ(first->payloads().size(), 1u);

  controlPlane_.setTasks("aaaa", someTasks("t1", "STOPPED"));
  auto second = connect();
  const auto payloads = second->payloads();
  ASSERT_EQ(payloads.size(), 3u);
  EXPECT_EQ(payloads[0], unacknowledged);
  EXPECT_EQ(payloads[1]["message"]["seqNum"], 2);
  EXPECT_EQ(payloads[1]["message"]["tasks"], someTasks("t1", "STOPPED"));
  EXPECT_EQ(payloads[2]["message"]["seqNum"], 3);  // the snapshot, newest
  EXPECT_EQ(payloads[2]["message"]["tasks"], someTasks("t1", "STOPPED"));
  EXPECT_EQ(controlPlane_.events().back(), (std::pair<std::string, bool>{"aaaa", true}));

  for (const json& payload : payloads) second->ack(payload);
  tickAfter(5s);
  EXPECT_EQ(second->payloads().size(), 3u);
  second->drop();
  EXPECT_TRUE(connect()->payloads().at(0)["message"]["tasks"] == someTasks("t1", "STOPPED"));
}

TEST_F(AgentSessionsTest, HeartbeatsEveryInterval) {
  auto agent = connect();
  const auto answerHeartbeats = [&] {
    for (const json& heartbeat : agent->frames("HeartbeatMessage")) {
      agent->say("HeartbeatAckRequest", {{"messageId", heartbeat["message"]["messageId"]}});
    }
  };
  tickAfter(9s);
  EXPECT_TRUE(agent->frames("HeartbeatMessage").empty());
  tickAfter(1s);
  auto heartbeats = agent->frames("HeartbeatMessage");
  ASSERT_EQ(heartbeats.size(), 1u);
  EXPECT_EQ(heartbeats[0]["message"]["healthy"], true);
  EXPECT_EQ(heartbeats[0]["message"]["messageId"].get<std::string>().size(), 36u);
  answerHeartbeats();
  tickAfter(5s);
  EXPECT_EQ(agent->frames("HeartbeatMessage").size(), 1u);
  for (int i = 0; i < 6; ++i) {
    tickAfter(5s);
    answerHeartbeats();
  }
  heartbeats = agent->frames("HeartbeatMessage");
  EXPECT_EQ(heartbeats.size(), 4u);  // at 10, 20, 30 and 40 s
  EXPECT_NE(heartbeats[0]["message"]["messageId"], heartbeats[1]["message"]["messageId"]);
  EXPECT_TRUE(sessions_.connected("aaaa"));
}

// beat() sends each session its heartbeat when that session's falls due,
// and nothing to a session that is over.
TEST_F(AgentSessionsTest, BeatSendsOnlyTheHeartbeatsDue) {
  auto a = connect(kInstanceA);
  clock_.advance(4s);
  auto b = connect(kInstanceB);
  clock_.advance(6s);
  sessions_.beat();  // a's is due (10 s after it connected), b's is not yet
  EXPECT_EQ(a->frames("HeartbeatMessage").size(), 1u);
  EXPECT_TRUE(b->frames("HeartbeatMessage").empty());
  clock_.advance(4s);
  sessions_.beat();
  EXPECT_EQ(a->frames("HeartbeatMessage").size(), 1u);
  EXPECT_EQ(b->frames("HeartbeatMessage").size(), 1u);
  auto a2 = connect(kInstanceA);  // replaces a's session, which beats no more
  clock_.advance(10s);
  sessions_.beat();
  EXPECT_EQ(a->frames("HeartbeatMessage").size(), 1u);
  EXPECT_EQ(a2->frames("HeartbeatMessage").size(), 1u);
  EXPECT_EQ(b->frames("HeartbeatMessage").size(), 2u);
}

TEST_F(AgentSessionsTest, SilentSessionsAreClosedAndCountAsDisconnected) {
  auto agent = connect();
  tickAfter(20s);
  agent->sayRaw("not json");  // still a sign of life
  tickAfter(24s);
  EXPECT_TRUE(sessions_.connected("aaaa"));
  EXPECT_FALSE(agent->closed());

  tickAfter(1s);
  EXPECT_TRUE(agent->closed());
  EXPECT_FALSE(sessions_.connected("aaaa"));
  EXPECT_EQ(controlPlane_.events(), (Events{{"aaaa", true}, {"aaaa", false}}));
  tickAfter(30s);
  EXPECT_EQ(controlPlane_.events().size(), 2u);
}

// Silence is found from each session's own due time, not by walking every
// session on each tick.
TEST_F(AgentSessionsTest, BeatClosesASilentSessionWhenItsLimitIsReached) {
  auto agent = connect();
  clock_.advance(24s);
  sessions_.beat();
  EXPECT_FALSE(agent->closed());
  clock_.advance(1s);
  sessions_.beat();
  EXPECT_TRUE(agent->closed());
  EXPECT_FALSE(sessions_.connected("aaaa"));
}

TEST_F(AgentSessionsTest, ANewerSessionReplacesTheOlder) {
  auto older = connect();
  sessions_.deliver("aaaa", PayloadTasks::of(someTasks("t1")));
  const json delivered = older->payloads().at(0);

  auto newer = connect();
  EXPECT_TRUE(older->closed());
  EXPECT_FALSE(newer->closed());
  EXPECT_TRUE(sessions_.connected("aaaa"));
  EXPECT_EQ(controlPlane_.events(), (Events{{"aaaa", true}}));
  ASSERT_EQ(newer->payloads().size(), 1u);
  EXPECT_EQ(newer->payloads()[0], delivered);  // unacknowledged, so sent again

  older->ack(delivered);  // acks from the older session still count
  sessions_.deliver("aaaa", PayloadTasks::of(someTasks("t2")));
  tickAfter(5s);
  EXPECT_EQ(older->payloads().size(), 1u);
  const auto payloads = newer->payloads();
  ASSERT_EQ(payloads.size(), 3u);
  EXPECT_EQ(payloads[1]["message"]["tasks"], someTasks("t2"));
  EXPECT_EQ(payloads[2], payloads[1]);  // only t2 is resent
}

TEST_F(AgentSessionsTest, SeqNumCountsPerInstanceAboveTheAgentsOwn) {
  auto a = connect(kInstanceA);
  auto b = connect(kInstanceB);
  sessions_.deliver("aaaa", PayloadTasks::of(someTasks("t1")));
  sessions_.deliver("aaaa", PayloadTasks::of(someTasks("t2")));
  sessions_.deliver("bbbb", PayloadTasks::of(someTasks("t3")));
  EXPECT_EQ(a->payloads().at(0)["message"]["seqNum"], 1);
  EXPECT_EQ(a->payloads().at(1)["message"]["seqNum"], 2);
  EXPECT_EQ(b->payloads().at(0)["message"]["seqNum"], 1);
  tickAfter(5s);
  EXPECT_EQ(a->payloads().at(2)["message"]["seqNum"], 1);  // a resend keeps its number
  for (const json& payload : a->payloads()) a->ack(payload);

  auto again = connect(kInstanceA, "&seqNum=10");
  sessions_.deliver("aaaa", PayloadTasks::of(someTasks("t4")));
  EXPECT_EQ(again->payloads().at(0)["message"]["seqNum"], 11);
  auto lower = connect(kInstanceA, "&seqNum=3");
  sessions_.deliver("aaaa", PayloadTasks::of(someTasks("t5")));
  EXPECT_EQ(lower->payloads().back()["message"]["seqNum"], 12);
}

TEST_F(AgentSessionsTest, ForgetDropsTheOutboxAndClosesWithoutACallback) {
  auto agent = connect();
  sessions_.deliver("aaaa", PayloadTasks::of(someTasks("t1")));
  sessions_.forget("aaaa");
  EXPECT_TRUE(agent->closed());
  EXPECT_FALSE(sessions_.connected("aaaa"));
  EXPECT_EQ(controlPlane_.events(), (Events{{"aaaa", true}}));
  EXPECT_TRUE(connect()->payloads().empty());
}

TEST_F(AgentSessionsTest, TheControlPlaneMayCallBackFromItsCallback) {
  controlPlane_.onChange = [&](const std::string& id, bool connected) {
    EXPECT_EQ(sessions_.connected(id), connected);
    if (connected) sessions_.deliver(id, PayloadTasks::of(someTasks("welcome")));
  };
  auto agent = connect();
  EXPECT_EQ(agent->payloads().at(0)["message"]["tasks"], someTasks("welcome"));
  agent->drop();
  EXPECT_EQ(controlPlane_.events(), (Events{{"aaaa", true}, {"aaaa", false}}));
}

TEST_F(AgentSessionsTest, DestructionClosesItsSessionsAndOutlivingPeersAreHarmless) {
  auto agent = connect();
  auto channel = std::make_shared<FakeChannel>();
  std::shared_ptr<protocol::WebSocketPeer> peer;
  {
    AgentSessions other(controlPlane_, keys_, {kRegion}, clock_, kSettings);
    auto accepted = other.accept(signedUpgrade(sessionTarget(kInstanceB), clock_.now()), channel);
    ASSERT_TRUE(accepted.ok());
    peer = *accepted;
  }
  EXPECT_TRUE(channel->closed());
  peer->onText(R"({"type": "HeartbeatAckRequest", "message": {"messageId": "x"}})");
  peer->onClose();
  EXPECT_FALSE(agent->closed());
  EXPECT_EQ(controlPlane_.events(), (Events{{"aaaa", true}, {"bbbb", true}}));
}

TEST_F(AgentSessionsTest, IsSafeUnderConcurrentUse) {
  std::vector<std::shared_ptr<FakeChannel>> agents = {connect(kInstanceA), connect(kInstanceB)};
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    for (int i = 0; i < 300; ++i)
      sessions_.deliver(i % 2 ? "aaaa" : "bbbb", PayloadTasks::of(someTasks("t")));
  });
  threads.emplace_back([&] {
    for (int i = 0; i < 300; ++i) {
      clock_.advance(100ms);
      sessions_.tick();
    }
  });
  threads.emplace_back([&] {
    for (int i = 0; i < 30; ++i) {
      agents.front()->drop();
      agents.front() = connect(kInstanceA);
      for (const json& payload : agents.front()->payloads()) agents.front()->ack(payload);
    }
  });
  for (auto& thread : threads) thread.join();
  // Per instance, the callbacks alternate and end where the session is.
  std::map<std::string, bool> last;
  for (const auto& [id, connected] : controlPlane_.events()) {
    if (last.contains(id)) {
      EXPECT_NE(last[id], connected) << id;
    }
    last[id] = connected;
  }
  EXPECT_EQ(last["aaaa"], sessions_.connected("aaaa"));
  EXPECT_EQ(last["bbbb"], sessions_.connected("bbbb"));
}

}  // namespace
}  // namespace ecsd::dispatch
