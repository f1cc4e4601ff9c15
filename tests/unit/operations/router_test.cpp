#include "operations/router.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "ecsd/errors.h"
#include "operations/api_contract.h"
#include "support/fake_agents.h"
#include "support/manual_clock.h"

namespace ecsd::operations {
namespace {

using nlohmann::json;

class NullStore final : public Store {
 public:
  Result<StoredState> load() override { return StoredState{}; }
  Status commit(const ChangeSet&) override { return {}; }
};

class RouterTest : public testing::Test {
 protected:
  RouterTest() : state_(State::load(store_).value()) {}

  Services services() { return {*state_, arns_, clock_, agents_}; }
  Result<json> dispatch(const Router& router, const std::string& operation,
                        json input = json::object()) {
    auto answer = router.dispatch({operation, std::move(input)}, context_);
    if (!answer) return answer.error();
    return answer->document();
  }

  NullStore store_;
  std::unique_ptr<State> state_;
  ArnFactory arns_{"us-east-1", "123456789012"};
  test_support::ManualClock clock_{
      test_support::ManualClock::TimePoint(std::chrono::milliseconds(1700000000000))};
  test_support::FakeAgents agents_;
  security::AccessKey principal_{"AKIAEXAMPLE", "secret", "admin"};
  protocol::CallContext context_{"req-1", principal_};
};

TEST_F(RouterTest, ContractListsEveryOperationWithAKnownStatus) {
  const auto& contract = apiContract();
  EXPECT_GT(contract.size(), 50u);
  for (const auto& [name, entry] : contract) {
    EXPECT_TRUE(entry.status == "implemented" || entry.status == "planned" ||
                entry.status == "not-implemented")
        << name << ": " << entry.status;
  }
  for (const char* name : {"CreateCluster", "RunTask", "CreateService", "TagResource"}) {
    EXPECT_TRUE(contract.contains(name)) << name;
  }
}

TEST_F(RouterTest, HandlersAreExactlyTheImplementedOperations) {
  std::set<std::string> implemented;
  for (const auto& [name, entry] : apiContract()) {
    if (entry.status == "implemented") implemented.insert(name);
  }
  const auto names = makeRouter(services()).operations();
  const std::set<std::string> handled(names.begin(), names.end());
  EXPECT_EQ(handled.size(), names.size());
  EXPECT_FALSE(handled.empty());
  for (const auto& name : implemented) {
    EXPECT_TRUE(handled.contains(name)) << name << " is implemented but has no handler";
  }
  for (const auto& name : handled) {
    EXPECT_TRUE(implemented.contains(name)) << name << " has a handler but is not implemented";
  }
}

TEST_F(RouterTest, UnknownNamesAreUnknownOperations) {
  const Router router = makeRouter(services());
  for (const char* name : {"NoSuchOperation", "", "createCluster", "CreateCluster ", "GetObject"}) {
    auto result = dispatch(router, name);
    ASSERT_FALSE(result.ok()) << name;
    EXPECT_EQ(result.error().type, "UnknownOperationException") << name;
    EXPECT_EQ(result.error().httpStatus, 400);
  }
}

TEST_F(RouterTest, EcsOperationsWithoutHandlersAreUnsupportedFeatures) {
  const Router router = makeRouter(services());
  int unsupported = 0;
  for (const auto& [name, entry] : apiContract()) {
    if (entry.status == "implemented") continue;
    ++unsupported;
    auto result = dispatch(router, name);
    ASSERT_FALSE(result.ok()) << name;
    EXPECT_EQ(result.error().type, "UnsupportedFeatureException") << name;
    EXPECT_EQ(result.error().httpStatus, 400);
    EXPECT_NE(result.error().message.find(name), std::string::npos) << result.error().message;
    if (!entry.note.empty()) {
      EXPECT_NE(result.error().message.find(entry.note), std::string::npos)
          << result.error().message;
    }
  }
  EXPECT_GT(unsupported, 0);
}

TEST_F(RouterTest, NotImplementedOperationNamesItself) {
  ASSERT_EQ(apiContract().find("CreateCapacityProvider")->second.status, "not-implemented");
  auto result = dispatch(makeRouter(services()), "CreateCapacityProvider", {{"name", "spot"}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().type, "UnsupportedFeatureException");
  EXPECT_NE(result.error().message.find("CreateCapacityProvider"), std::string::npos);
}

TEST_F(RouterTest, HandlerGetsInputAndContextAndItsResultIsReturned) {
  Router router(services());
  router.add("ListClusters", touching({}),
             [](const Services& s, const protocol::CallContext& context,
                const protocol::RequestReader& in) {
               return json{{"echo", in.optString("value").value_or("")},
                           {"requestId", context.requestId},
                           {"principal", context.principal.principal},
                           {"region", s.arns.region()}};
             });
  auto result = dispatch(router, "ListClusters", {{"value", "hello"}});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, json({{"echo", "hello"},
                           {"requestId", "req-1"},
                           {"principal", "admin"},
                           {"region", "us-east-1"}}));
  EXPECT_EQ(router.operations(), std::vector<std::string>{"ListClusters"});
}

TEST_F(RouterTest, ApiErrorFromAHandlerBecomesAValue) {
  Router router(services());
  router.add(
      "CreateCluster", touching({}),
      [](const Services&, const protocol::CallContext&, const protocol::RequestReader&) -> json {
        throw protocol::ApiError(errors::limitExceeded("too many clusters"));
      });
  auto result = dispatch(router, "CreateCluster");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().type, "LimitExceededException");
  EXPECT_EQ(result.error().message, "too many clusters");
  EXPECT_EQ(result.error().httpStatus, 400);
}

TEST_F(RouterTest, ReaderErrorsFromAHandlerBecomeValues) {
  Router router(services());
  router.add("DeleteCluster", touching({}),
             [](const Services&, const protocol::CallContext&, const protocol::RequestReader& in) {
               return json{{"cluster", in.requiredString("cluster")}};
             });
  auto missing = dispatch(router, "DeleteCluster");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().type, "InvalidParameterException");
  auto wrongType = dispatch(router, "DeleteCluster", {{"cluster", 5}});
  ASSERT_FALSE(wrongType.ok());
  EXPECT_EQ(wrongType.error().type, "SerializationException");
}

TEST_F(RouterTest, JsonExceptionFromAHandlerIsASerializationError) {
  Router router(services());
  router.add("ListClusters", touching({}),
             [](const Services&, const protocol::CallContext&, const protocol::RequestReader& in) {
               return json{{"n", in.raw().at("missing").get<int>()}};
             });
  auto result = dispatch(router, "ListClusters");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().type, "SerializationException");
}

TEST_F(RouterTest, AddingAnOperationAgainReplacesItsHandler) {
  Router router(services());
  const auto answer = [](int n) {
    return [n](const Services&, const protocol::CallContext&, const protocol::RequestReader&) {
      return json{{"n", n}};
    };
  };
  router.add("ListClusters", touching({}), answer(1));
  router.add("ListClusters", touching({}), answer(2));
  auto result = dispatch(router, "ListClusters");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ((*result)["n"], 2);
  EXPECT_EQ(router.operations().size(), 1u);
}

TEST_F(RouterTest, EachOperationIsDescribedAsTheContractSays) {
  const Router router = makeRouter(services());
  for (const auto& name : router.operations()) {
    const auto described = router.describe(name);
    ASSERT_TRUE(described.ok()) << name;
    const auto& contract = apiContract().at(name);
    EXPECT_EQ((*described)->name, name);
    EXPECT_EQ((*described)->action, "ecs:" + name);
    EXPECT_EQ((*described)->action, contract.action);
    EXPECT_EQ((*described)->access == protocol::Access::kWrite, contract.write) << name;
  }
  EXPECT_EQ(router.describe("RunTask").value()->access, protocol::Access::kWrite);
  EXPECT_EQ(router.describe("DescribeTasks").value()->access, protocol::Access::kRead);
  EXPECT_EQ(router.describe("NoSuchOperation").error().type, "UnknownOperationException");
  EXPECT_EQ(router.describe("CreateCapacityProvider").error().type, "UnsupportedFeatureException");
}

TEST_F(RouterTest, DescriptorsNameTheResourcesACallTouches) {
  const Router router = makeRouter(services());
  const auto touched = [&](const std::string& operation, const json& input) {
    return router.describe(operation).value()->resources({operation, input});
  };
  const std::string prefix = "arn:aws:ecs:us-east-1:123456789012:";
  EXPECT_EQ(touched("RunTask", {{"cluster", "prod"}, {"taskDefinition", "web:3"}}),
            (std::vector<std::string>{prefix + "cluster/prod", prefix + "task-definition/web:3"}));
  EXPECT_EQ(touched("RunTask", {{"taskDefinition", "web"}}),
            (std::vector<std::string>{prefix + "cluster/default", "web"}));
  EXPECT_EQ(
      touched("DescribeContainerInstances",
              {{"cluster", prefix + "cluster/prod"}, {"containerInstances", {"a1", "b2"}}}),
      (std::vector<std::string>{prefix + "cluster/prod", prefix + "container-instance/prod/a1",
                                prefix + "container-instance/prod/b2"}));
  EXPECT_EQ(touched("StopTask", {{"cluster", "prod"}, {"task", prefix + "task/prod/t1"}}),
            (std::vector<std::string>{prefix + "cluster/prod", prefix + "task/prod/t1"}));
  EXPECT_EQ(touched("DescribeClusters", {{"clusters", {"a", "b"}}}),
            (std::vector<std::string>{prefix + "cluster/a", prefix + "cluster/b"}));
  EXPECT_TRUE(touched("ListClusters", json::object()).empty());
  // Input of the wrong type names nothing here; the handler answers it.
  EXPECT_EQ(touched("StopTask", {{"cluster", 5}, {"task", {{"not", "a string"}}}}),
            (std::vector<std::string>{prefix + "cluster/default"}));
}

Later<json> createAfterCommit(const Services& s, const protocol::CallContext&,
                              const protocol::RequestReader& in) {
  const std::string name = in.requiredString("clusterName");
  const int before = static_cast<int>(s.state.commits());
  json written = protocol::orThrow(co_await s.state.committed([&](Draft& draft) -> Result<json> {
    if (draft.cluster(name)) return errors::invalidParameter("exists");
    Cluster cluster;
    cluster.name = name;
    cluster.arn = s.arns.cluster(name);
    cluster.status = "ACTIVE";
    draft.put(cluster);
    return json{{"name", name}};
  }));
  // Resumed after the commit: the write is visible to readers.
  written["visible"] =
      s.state.read([&](const Data& data) { return data.cluster(name) != nullptr; });
  written["commits"] = static_cast<int>(s.state.commits()) - before;
  co_return written;
}

TEST_F(RouterTest, AHandlerThatAwaitsItsCommitAnswersAfterIt) {
  Router router(services());
  router.add("CreateCluster", touching({}), createAfterCommit);
  auto created = dispatch(router, "CreateCluster", {{"clusterName", "prod"}});
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(*created, (json{{"name", "prod"}, {"visible", true}, {"commits", 1}}));
  auto again = dispatch(router, "CreateCluster", {{"clusterName", "prod"}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().type, "InvalidParameterException");
  auto missing = dispatch(router, "CreateCluster");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().type, "InvalidParameterException");
}

}  // namespace
}  // namespace ecsd::operations
