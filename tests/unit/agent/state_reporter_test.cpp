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
