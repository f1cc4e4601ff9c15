#include "agent/state_reporter.h"

#include <gtest/gtest.h>

#include "support/agent_fixtures.h"
#include "support/fake_api.h"

namespace ecsd::agent {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test_support::FakeApi;

const StateReporter::Timing kFast{1ms, 5ms};

TaskStateChange stopped(const std::string& task) {
  TaskStateChange change{task, "STOPPED", "Essential container in task exited", {}, {}, {}, 12.5};
  change.containers.push_back({"app", "abc123", "STOPPED", 3, "", {{80, 32768, "tcp"}}});
  return change;
}

TEST(StateReporterTest, TaskChangesBecomeSubmitTaskStateChange) {
  FakeApi api;
  StateReporter reporter(api, "demo", kFast);
  reporter.submit(stopped("t1"));
  ASSERT_TRUE(reporter.waitIdle(5s));
  const auto calls = api.callsOf("SubmitTaskStateChange");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], json::parse(R"({
    "cluster": "demo", "task": "t1", "status": "STOPPED",
    "reason": "Essential container in task exited", "executionStoppedAt": 12.5,
    "containers": [{"containerName": "app", "runtimeId": "abc123", "status": "STOPPED",
                    "exitCode": 3, "networkBindings": [{"bindIP": "0.0.0.0", "containerPort": 80,
                    "hostPort": 32768, "protocol": "tcp"}]}]})"));
}

TEST(StateReporterTest, ContainerOnlyChangesBecomeSubmitContainerStateChange) {
  FakeApi api;
  StateReporter reporter(api, "demo", kFast);
  TaskStateChange change{"t1", std::nullopt, "", {}, {}, {}, {}};
  change.containers.push_back({"init", "", "STOPPED", 0, "", {}});
  reporter.submit(change);
  ASSERT_TRUE(reporter.waitIdle(5s));
  const auto calls = api.callsOf("SubmitContainerStateChange");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], json::parse(R"({"cluster": "demo", "task": "t1", "containerName": "init",
                                      "status": "STOPPED", "exitCode": 0})"));
}

// Docker's answer when a host port is taken by a process outside Docker.
const std::string kBindError =
    "CannotStartContainerError: Error response from daemon: driver failed programming external "
    "connectivity on endpoint ecs-busy-1-app-c2a4e8f0b1d3a5c7e9f1 "
    "(6f1c3b2a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b): Error starting "
    "userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use";

TEST(StateChangeTest, ReasonsAsLongAsTheAmazonAgentsAreSentWhole) {
  ASSERT_GT(kBindError.size(), 255u);  // what the old limit cut to "bind: a"
  TaskStateChange change{"t1", "STOPPED", kBindError, {}, {}, {}, {}};
  change.containers.push_back({"app", "abc123", "STOPPED", {}, kBindError, {}});
  const auto calls = stateChangeCalls("demo", change);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].second["reason"], kBindError);
  EXPECT_EQ(calls[0].second["containers"][0]["reason"], kBindError);

  change.status.reset();  // a container's own change
  const auto container = stateChangeCalls("demo", change);
  ASSERT_EQ(container.size(), 1u);
  EXPECT_EQ(container[0].first, "SubmitContainerStateChange");
  EXPECT_EQ(container[0].second["reason"], kBindError);
}

TEST(StateChangeTest, ALongerReasonKeepsItsTypeAndItsCause) {
  const std::string padding(3000, 'x');
  const std::string reason = "CannotStartContainerError: " + padding + ": " + kBindError;
  TaskStateChange change{"t1", "STOPPED", reason, {}, {}, {}, {}};
  change.containers.push_back({"app", "abc123", "STOPPED", {}, reason, {}});
  const auto request = stateChangeCalls("demo", change).at(0).second;
  for (const std::string sent : {request["reason"], request["containers"][0]["reason"]}) {
    EXPECT_LE(sent.size(), 1024u);
    EXPECT_GT(sent.size(), 1000u);
    EXPECT_TRUE(sent.starts_with("CannotStartContainerError: xxx")) << sent;
    EXPECT_TRUE(sent.ends_with("listen tcp4 0.0.0.0:8080: bind: address already in use")) << sent;
    EXPECT_NE(sent.find(" ... "), std::string::npos);
  }
}

TEST(StateChangeTest, ShortenedReasonsNeverCutACharacter) {
  std::string reason;
  for (int i = 0; i < 600; ++i) reason += "\u00e9";  // 2 bytes each
  const std::string shortened = shortenedReason(reason, 1024);
  EXPECT_LE(shortened.size(), 1024u);
  const auto elided = shortened.find(" ... ");
  ASSERT_NE(elided, std::string::npos);
  EXPECT_EQ(elided % 2, 0u);
  EXPECT_EQ((shortened.size() - elided - 5) % 2, 0u);
  EXPECT_EQ(shortenedReason("short", 1024), "short");
  EXPECT_EQ(shortenedReason("abcdef", 4), "abcd");
}

TEST(StateChangeTest, ContainersCarryTheirDockerIdAsRuntimeId) {
  TaskStateChange running{"t1", "RUNNING", "", {}, {}, {}, {}};
  running.containers.push_back({"app", std::string(64, 'a'), "RUNNING", {}, "", {}});
  EXPECT_EQ(stateChangeCalls("demo", running).at(0).second["containers"][0]["runtimeId"],
            std::string(64, 'a'));
  TaskStateChange exited{"t1", std::nullopt, "", {}, {}, {}, {}};
  exited.containers.push_back({"init", std::string(64, 'b'), "STOPPED", 0, "", {}});
  EXPECT_EQ(stateChangeCalls("demo", exited).at(0).second["runtimeId"], std::string(64, 'b'));
}

TEST(StateReporterTest, RetriesUntilAcceptedAndKeepsTheOrder) {
  FakeApi api;
  api.failNext(4);  // ecsd unreachable for a while
  StateReporter reporter(api, "demo", kFast);
  reporter.submit(TaskStateChange{"t1", "RUNNING", "", {}, {}, {}, {}});
  reporter.submit(stopped("t1"));
  ASSERT_TRUE(reporter.waitIdle(5s));
  const auto calls = api.calls();
  ASSERT_EQ(calls.size(), 6u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(calls[i].second["status"], "RUNNING");
  EXPECT_EQ(calls[5].second["status"], "STOPPED");
}

TEST(StateReporterTest, ServerFaultsAreRetriedAndClientErrorsDropped) {
  FakeApi api;
  api.failNext(2, "ServerException", 500);
  StateReporter reporter(api, "demo", kFast);
  reporter.submit(stopped("t1"));
  ASSERT_TRUE(reporter.waitIdle(5s));
  EXPECT_EQ(api.calls().size(), 3u);

  api.failNext(1, "InvalidParameterException", 400);  // e.g. a task ecsd purged
  reporter.submit(stopped("t2"));
  reporter.submit(stopped("t3"));
  ASSERT_TRUE(reporter.waitIdle(5s));
  const auto calls = api.calls();
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls[3].second["task"], "t2");
  EXPECT_EQ(calls[4].second["task"], "t3");
}

TEST(StateReporterTest, StopsPromptlyWhileRetrying) {
  FakeApi api;
  api.failNext(1'000'000);
  const auto start = std::chrono::steady_clock::now();
  {
    StateReporter reporter(api, "demo", StateReporter::Timing{10s, 10s});
    reporter.submit(stopped("t1"));
    ASSERT_TRUE(test_support::eventually([&] { return !api.calls().empty(); }));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
}  // namespace ecsd::agent
