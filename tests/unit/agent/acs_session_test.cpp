#include "agent/acs_session.h"

#include <gtest/gtest.h>

#include <deque>
#include <thread>

#include "support/agent_fixtures.h"

namespace ecsd::agent {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test_support::containerEntry;
using test_support::eventually;
using test_support::taskEntry;

const SessionIdentity kIdentity{"arn:aws:ecs:us-east-1:000000000000:cluster/demo",
                                "arn:aws:ecs:us-east-1:000000000000:container-instance/demo/i1",
                                "0.1.0", "ecsd", "DockerVersion: 20.10.24"};

// A connection fed by the test: frames to read, then (optionally) closed.
class FakeConnection final : public WebSocketConnection {
 public:
  struct Shared {
    std::mutex mutex;
    std::deque<std::string> incoming;
    std::vector<std::string> written;
    bool closed = false;
  };
  explicit FakeConnection(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  Result<std::optional<std::string>> read(std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(shared_->mutex);
        if (!shared_->incoming.empty()) {
          std::string frame = std::move(shared_->incoming.front());
          shared_->incoming.pop_front();
          return std::optional<std::string>(std::move(frame));
        }
        if (shared_->closed) return Error{"ConnectionClosed", "closed by the peer", 0};
      }
      std::this_thread::sleep_for(1ms);
    }
    return std::optional<std::string>();
  }
  Status write(const std::string& text) override {
    std::lock_guard lock(shared_->mutex);
    shared_->written.push_back(text);
    return {};
  }
  void close() override {
    std::lock_guard lock(shared_->mutex);
    shared_->closed = true;
  }

 private:
  std::shared_ptr<Shared> shared_;
};

std::string payload(std::int64_t seqNum, std::vector<json> tasks, const std::string& id = "m1") {
  return json{{"type", "PayloadMessage"},
              {"message",
               {{"messageId", id},
                {"clusterArn", kIdentity.clusterArn},
                {"containerInstanceArn", kIdentity.containerInstanceArn},
                {"generatedAt", 1},
                {"seqNum", seqNum},
                {"tasks", tasks}}}}
      .dump();
}

class AcsSessionTest : public ::testing::Test {
 protected:
  AcsSession makeSession(AcsSession::Connector connect, SessionTiming timing = fastTiming()) {
    return AcsSession(
        kIdentity, [] { return std::string("https://127.0.0.1:8443"); }, std::move(connect),
        [this](const std::vector<TaskSpec>& tasks) {
          std::lock_guard lock(mutex_);
          for (const auto& t : tasks) received_.push_back(t.arn + " " + t.desiredStatus);
        },
        timing);
  }
  static SessionTiming fastTiming() {
    SessionTiming timing;
    timing.readSlice = 5ms;
    timing.silenceLimit = 200ms;
    timing.firstRetry = 5ms;
    timing.maxRetry = 20ms;
    return timing;
  }
  std::vector<std::string> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

  std::mutex mutex_;
  std::vector<std::string> received_;
};

TEST_F(AcsSessionTest, PayloadGoesToTheEngineAndIsAcknowledged) {
  auto session = makeSession(nullptr);
  auto answer =
      session.handleFrame(payload(2, {taskEntry("t1", {containerEntry("a", "busybox")})}));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(json::parse(*answer),
            (json{{"type", "AckRequest"},
                  {"message",
                   {{"messageId", "m1"},
                    {"cluster", kIdentity.clusterArn},
                    {"containerInstance", kIdentity.containerInstanceArn}}}}));
  EXPECT_EQ(received(),
            std::vector<std::string>{"arn:aws:ecs:us-east-1:000000000000:task/demo/t1 RUNNING"});
}

TEST_F(AcsSessionTest, AMessageAlreadyHandledIsAcknowledgedOnly) {
  auto session = makeSession(nullptr);
  const auto task = taskEntry("t1", {containerEntry("a", "busybox")});
  EXPECT_TRUE(session.handleFrame(payload(5, {task})));
  EXPECT_TRUE(session.handleFrame(payload(5, {task})));  // a resend
  EXPECT_TRUE(session.handleFrame(payload(4, {task}, "older")));
  EXPECT_EQ(received().size(), 1u);
  EXPECT_NE(session.sessionUrl("https://h:1").find("&seqNum=5"), std::string::npos);
}

TEST_F(AcsSessionTest, ABadTaskEntryIsSkippedAndTheRestTaken) {
  auto session = makeSession(nullptr);
  EXPECT_TRUE(session.handleFrame(
      payload(1, {json{{"arn", "nonsense"}}, taskEntry("t2", {containerEntry("a", "busybox")})})));
  EXPECT_EQ(received().size(), 1u);
}

TEST_F(AcsSessionTest, HeartbeatsAreAnsweredAndUnknownFramesIgnored) {
  auto session = makeSession(nullptr);
  auto answer = session.handleFrame(
      R"({"type":"HeartbeatMessage","message":{"messageId":"h1","healthy":true}})");
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(json::parse(*answer),
            (json{{"type", "HeartbeatAckRequest"}, {"message", {{"messageId", "h1"}}}}));
  EXPECT_FALSE(session.handleFrame(R"({"type":"TaskManifestMessage","message":{}})"));
  EXPECT_FALSE(session.handleFrame("not json"));
  EXPECT_FALSE(session.handleFrame(R"({"type":"PayloadMessage"})"));
}

TEST_F(AcsSessionTest, SessionUrlIsTheProtocolsWithValuesEncoded) {
  auto session = makeSession(nullptr);
  EXPECT_EQ(session.sessionUrl("https://127.0.0.1:8443/"),
            "wss://127.0.0.1:8443/"
            "ws?clusterArn=arn%3Aaws%3Aecs%3Aus-east-1%3A000000000000%3Acluster%2Fdemo"
            "&containerInstanceArn=arn%3Aaws%3Aecs%3Aus-east-1%3A000000000000%3Acontainer-instance%"
            "2Fdemo%2Fi1"
            "&agentVersion=0.1.0&agentHash=ecsd&dockerVersion=DockerVersion%3A%2020.10.24"
            "&protocolVersion=2&sendCredentials=true&seqNum=1");
  EXPECT_EQ(session.sessionUrl("http://h:80").substr(0, 12), "ws://h:80/ws");
}

TEST_F(AcsSessionTest, ReconnectsAfterDropsAndUnreachableAndStopsOnSignal) {
  std::atomic<int> attempts = 0;
  std::vector<std::shared_ptr<FakeConnection::Shared>> connections;
  std::mutex connectionsMutex;
  auto session =
      makeSession([&](const std::string&) -> Result<std::unique_ptr<WebSocketConnection>> {
        if (++attempts == 1) return Error{"EndpointUnreachable", "connection refused", 0};
        auto shared = std::make_shared<FakeConnection::Shared>();
        const std::string n = std::to_string(attempts.load());
        shared->incoming.push_back(payload(
            attempts, {taskEntry(std::string("t").append(n), {containerEntry("a", "busybox")})},
            std::string("m").append(n)));
        if (attempts == 2) shared->closed = true;  // dropped right after the payload
        std::lock_guard lock(connectionsMutex);
        connections.push_back(shared);
        return std::unique_ptr<WebSocketConnection>(std::make_unique<FakeConnection>(shared));
      });
  StopSignal stop;
  std::thread runner([&] { EXPECT_TRUE(session.run(stop).ok()); });
  ASSERT_TRUE(eventually([&] { return received().size() >= 2; }));
  stop.stop();
  runner.join();
  EXPECT_GE(attempts.load(), 3);
  std::lock_guard lock(connectionsMutex);
  for (const auto& c : connections) {
    ASSERT_EQ(c->written.size(), 1u);  // each payload acknowledged on its own connection
    EXPECT_EQ(json::parse(c->written[0])["type"], "AckRequest");
  }
}

TEST_F(AcsSessionTest, ASilentSessionIsReplaced) {
  std::atomic<int> attempts = 0;
  auto session =
      makeSession([&](const std::string&) -> Result<std::unique_ptr<WebSocketConnection>> {
        ++attempts;
        return std::unique_ptr<WebSocketConnection>(
            std::make_unique<FakeConnection>(std::make_shared<FakeConnection::Shared>()));
      });
  StopSignal stop;
  std::thread runner([&] { (void)session.run(stop); });
  ASSERT_TRUE(eventually([&] { return attempts >= 2; }));
  stop.stop();
  runner.join();
}

TEST_F(AcsSessionTest, ADeregisteredInstanceEndsTheSession) {
  auto session =
      makeSession([](const std::string&) -> Result<std::unique_ptr<WebSocketConnection>> {
        return Error{"InactiveInstanceException", "not registered", 400};
      });
  StopSignal stop;
  auto outcome = session.run(stop);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().type, "InactiveInstanceException");
}

}  // namespace
}  // namespace ecsd::agent
