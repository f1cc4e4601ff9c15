// The stages of an ECS call, with test doubles for the operations, the
// authorizer and the throttle.
#include "protocol/api_endpoint.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "ecsd/errors.h"

namespace ecsd::protocol {
namespace {

using nlohmann::json;

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  }
};

// One operation, "RunTask", that touches the cluster it names. done is kept
// when `later` is set, so the test answers after handle() has returned.
class FakeOperations final : public Operations {
 public:
  FakeOperations() {
    descriptor.name = "RunTask";
    descriptor.action = "ecs:RunTask";
    descriptor.access = Access::kWrite;
    descriptor.resources = [](const Call& call) {
      return std::vector<std::string>{"cluster/" + call.input.value("cluster", "default")};
    };
  }
  Result<const OperationDescriptor*> describe(std::string_view operation) const override {
    if (operation == "RunTask") return &descriptor;
    return errors::unknownOperation("Unknown operation " + std::string(operation));
  }
  void run(const Call& call, const CallContext& context, Done done) const override {
    ++runs;
    ranAs = context.principal.principal;
    if (later) {
      pending = std::move(done);
      return;
    }
    done(Answer(json{{"ran", call.operation}}));
  }

  OperationDescriptor descriptor;
  bool later = false;
  mutable int runs = 0;
  mutable std::string ranAs;
  mutable Done pending;
};

class RecordingAuthorizer final : public Authorizer {
 public:
  std::optional<Error> refuse(const OperationDescriptor& operation, const Call& call,
                              const CallContext& context) const override {
    asked.push_back(context.principal.principal + " " + operation.action);
    resources = operation.resources(call);
    if (!refusal) return std::nullopt;
    return Error{"AccessDeniedException", *refusal, 400};
  }
  std::optional<std::string> refusal;
  mutable std::vector<std::string> asked;
  mutable std::vector<std::string> resources;
};

class RecordingThrottle final : public Throttle {
 public:
  std::optional<std::string> refuse(const security::AccessKey& principal,
                                    const OperationDescriptor& operation) override {
    asked.push_back(principal.principal + " " + operation.name);
    return refusal;
  }
  std::optional<std::string> refusal;
  std::vector<std::string> asked;
};

class ApiEndpointTest : public testing::Test {
 protected:
  ApiEndpointTest() { keys_.add({"AKIDEXAMPLE", "secret", "alice"}); }

  HttpRequest call(const std::string& operation, const json& input, bool signedByAlice = true) {
    HttpRequest request{"POST", "/", {{"Host", "ecsd.test:8443"}}, input.dump(), "127.0.0.1:1"};
    request.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
    request.headers.emplace_back("X-Amz-Target", std::string(kTargetPrefix) + operation);
    if (signedByAlice) {
      sigv4::sign(request, "AKIDEXAMPLE", "secret", "", "us-east-1", "ecs", clock_.now());
    }
    return request;
  }

  // The response, when one came before handle() returned.
  std::optional<HttpResponse> handle(HttpRequest request) {
    std::optional<HttpResponse> response;
    endpoint_.handle(std::move(request), [&](HttpResponse r) { response = std::move(r); });
    return response;
  }

  static std::string errorType(const HttpResponse& response) {
    return json::parse(response.body).value("__type", "");
  }

  security::KeyRing keys_;
  FixedClock clock_;
  FakeOperations operations_;
  RecordingAuthorizer authorizer_;
  RecordingThrottle throttle_;
  ApiEndpoint endpoint_{keys_, {"us-east-1"}, clock_, operations_, authorizer_, throttle_};
};

TEST_F(ApiEndpointTest, ThrottlesThenAuthorizesThenRuns) {
  const auto response = handle(call("RunTask", {{"cluster", "prod"}}));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(json::parse(response->body), (json{{"ran", "RunTask"}}));
  EXPECT_EQ(authorizer_.asked, std::vector<std::string>{"alice ecs:RunTask"});
  EXPECT_EQ(authorizer_.resources, std::vector<std::string>{"cluster/prod"});
  EXPECT_EQ(throttle_.asked, std::vector<std::string>{"alice RunTask"});
  EXPECT_EQ(operations_.runs, 1);
  EXPECT_EQ(operations_.ranAs, "alice");
}

TEST_F(ApiEndpointTest, AnAuthorizerRefusalIsAccessDeniedAndNothingRuns) {
  authorizer_.refusal = "alice may not run tasks in prod";
  const auto response = handle(call("RunTask", {{"cluster", "prod"}}));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(errorType(*response), "AccessDeniedException");
  EXPECT_EQ(json::parse(response->body)["message"], "alice may not run tasks in prod");
  EXPECT_EQ(throttle_.asked.size(), 1u);
  EXPECT_EQ(operations_.runs, 0);
}

TEST_F(ApiEndpointTest, AThrottleRefusalIsThrottlingExceptionAndNothingRuns) {
  throttle_.refusal = "Rate exceeded";
  const auto response = handle(call("RunTask", json::object()));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(errorType(*response), "ThrottlingException");
  EXPECT_EQ(json::parse(response->body)["message"], "Rate exceeded");
  EXPECT_TRUE(authorizer_.asked.empty());
  EXPECT_EQ(operations_.runs, 0);
}

TEST_F(ApiEndpointTest, AuthenticationAndParsingComeBeforeAuthorization) {
  auto unsigned_ = handle(call("RunTask", json::object(), false));
  ASSERT_TRUE(unsigned_);
  EXPECT_EQ(unsigned_->status, 403);
  EXPECT_EQ(errorType(*unsigned_), "MissingAuthenticationTokenException");
  auto unknown = handle(call("NoSuchCall", json::object()));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(errorType(*unknown), "UnknownOperationException");
  EXPECT_TRUE(authorizer_.asked.empty());
  EXPECT_TRUE(throttle_.asked.empty());
}

TEST_F(ApiEndpointTest, AnswersWhenTheRunStageFinishesLater) {
  operations_.later = true;
  std::optional<HttpResponse> response;
  // The request is gone from the caller's hands; the endpoint keeps what it needs.
  endpoint_.handle(call("RunTask", json::object()), [&](HttpResponse r) { response = std::move(r); });
  EXPECT_FALSE(response);  // nothing yet: the write has not committed
  ASSERT_TRUE(operations_.pending);
  operations_.pending(Answer(json{{"committed", true}}));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(json::parse(response->body), (json{{"committed", true}}));
  EXPECT_FALSE(response->headers.empty());
}

TEST(DefaultStagesTest, AllowEveryCall) {
  const AllowAll authorizer;
  Unthrottled throttle;
  const security::AccessKey anyone{"AKID", "secret", "anyone"};
  const OperationDescriptor operation{"DeleteCluster", "ecs:DeleteCluster", Access::kWrite,
                                      [](const Call&) -> std::vector<std::string> {
                                        ADD_FAILURE() << "AllowAll needs no resources";
                                        return {};
                                      }};
  const CallContext context{"request", anyone};
  EXPECT_FALSE(authorizer.refuse(operation, Call{"DeleteCluster", json::object()}, context));
  EXPECT_EQ(throttle.refuse(anyone, operation), std::nullopt);
}

}  // namespace
}  // namespace ecsd::protocol
