// The identity layer's logic without a server: the Query wire, the key ring
// kept in step with IAM's keys, and the policy authorizer's decisions and
// messages.
#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "crypto/sealed_box.h"
#include "identity/compiled_policies.h"
#include "identity/ecs_requests.h"
#include "identity/key_sync.h"
#include "identity/policy_authorizer.h"
#include "operations/touches.h"
#include "protocol/query_protocol.h"

namespace ecsd::identity {
namespace {

class NullStore final : public Store {
 public:
  Result<StoredState> load() override { return StoredState{}; }
  Status commit(const ChangeSet&) override { return {}; }
};

constexpr const char* kWebInDev = R"({"Version":"2012-10-17","Statement":[
  {"Sid":"RunWebInDev","Effect":"Allow","Action":"ecs:RunTask",
   "Resource":"arn:aws:ecs:us-east-1:000000000000:task-definition/web:*",
   "Condition":{"ArnEquals":{"ecs:cluster":"arn:aws:ecs:us-east-1:000000000000:cluster/dev"}}},
  {"Effect":"Allow","Action":"ecs:Describe*","Resource":"*",
   "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]})";
constexpr const char* kDenyRun =
    R"({"Version":"2012-10-17","Statement":[{"Sid":"NoRuns","Effect":"Deny","Action":"ecs:RunTask","Resource":"*"}]})";

class PolicyAuthorizerTest : public testing::Test {
 protected:
  PolicyAuthorizerTest() {
    IamUser user;
    user.name = "ci";
    user.id = "AIDAEXAMPLE";
    user.arn = "arn:aws:iam::000000000000:user/ci";
    user.policies = {{"web-in-dev", kWebInDev}};
    put(user);
  }

  template <class Row>
  void put(Row row) {
    ChangeSet applied;
    (void)state_->write([&](Draft& draft) -> Result<int> {
      draft.putRow(row);
      applied = draft.changes();
      return 0;
    });
    policies_.changed(applied);
  }

  std::optional<Error> runTask(const std::string& family, const std::string& cluster,
                               const security::AccessKey& key) {
    const protocol::Call call{"RunTask", {{"cluster", cluster}, {"taskDefinition", family}}};
    const protocol::CallContext context{"r", key, "", "10.1.2.3:5000", true};
    return authorizer_.refuse(runTask_, call, context);
  }

  NullStore store_;
  static std::unique_ptr<State> loaded(Store& store) {
    auto state = State::load(store);
    return std::move(*state);
  }
  std::unique_ptr<State> state_ = loaded(store_);
  const ArnFactory arns_{"us-east-1", "000000000000"};
  const SystemClock clock_;
  CompiledPolicies policies_{*state_};
  const PolicyAuthorizer authorizer_{*state_, arns_, clock_, policies_};
  const operations::Touches touches_ = operations::touching(
      {{"cluster", operations::Names::kCluster},
       {"taskDefinition", operations::Names::kTaskDefinition}});
  const protocol::OperationDescriptor runTask_{
      "RunTask", "ecs:RunTask", protocol::Access::kWrite,
      [this](const protocol::Call& call) { return touches_(arns_, call.input); }};
  const security::AccessKey ci_{"AKIACI", "secret", "ci", false};
};

TEST_F(PolicyAuthorizerTest, AllowsWhatThePolicyAllows) {
  EXPECT_FALSE(runTask("web:3", "dev", ci_));
}

TEST_F(PolicyAuthorizerTest, RefusesWithAwsMessage) {
  const auto refusal = runTask("db:1", "dev", ci_);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->type, "AccessDeniedException");
  EXPECT_EQ(refusal->httpStatus, 400);
  EXPECT_EQ(refusal->message,
            "User: arn:aws:iam::000000000000:user/ci is not authorized to perform: ecs:RunTask on "
            "resource: arn:aws:ecs:us-east-1:000000000000:task-definition/db:1 because no "
            "identity-based policy allows the ecs:RunTask action");
  EXPECT_TRUE(runTask("web:3", "prod", ci_));
}

TEST_F(PolicyAuthorizerTest, AGroupsExplicitDenyWinsOnceCommitted) {
  IamGroup group;
  group.name = "frozen";
  group.policies = {{"deny", kDenyRun}};
  group.members = {"ci"};
  put(group);
  IamUser user = *state_->read([](const Data& d) { return d.find<IamUser>(std::string("ci")); });
  user.groups = {"frozen"};
  put(user);
  const auto refusal = runTask("web:3", "dev", ci_);
  ASSERT_TRUE(refusal);
  EXPECT_TRUE(refusal->message.ends_with(
      "task-definition/web:3 with an explicit deny in an identity-based policy"))
      << refusal->message;
}

TEST_F(PolicyAuthorizerTest, TheRootIsAlwaysAllowedAndAnUnknownUserNever) {
  EXPECT_FALSE(runTask("db:1", "prod", {"AKIAADMIN", "s", "admin", true}));
  EXPECT_TRUE(runTask("web:3", "dev", {"AKIAGONE", "s", "gone", false}));
}

TEST_F(PolicyAuthorizerTest, GlobalConditionKeysComeFromTheCall) {
  const protocol::OperationDescriptor describe{
      "DescribeClusters", "ecs:DescribeClusters", protocol::Access::kRead,
      [](const protocol::Call&) { return std::vector<std::string>{"*"}; }};
  const protocol::Call call{"DescribeClusters", nlohmann::json::object()};
  EXPECT_FALSE(authorizer_.refuse(describe, call, {"r", ci_, "", "10.9.9.9:1", true}));
  EXPECT_TRUE(authorizer_.refuse(describe, call, {"r", ci_, "", "192.168.1.1:1", true}));
}

TEST(EcsRequestsTest, NameTheResourcesTheAuthorizationReferenceLists) {
  NullStore store;
  auto loaded = State::load(store);
  std::unique_ptr<State> state = std::move(*loaded);
  const ArnFactory arns("us-east-1", "000000000000");
  TaskDefinition web;
  web.family = "web";
  web.revision = 4;
  web.status = "ACTIVE";
  web.arn = arns.taskDefinition("web", 4);
  (void)state->write([&](Draft& draft) -> Result<int> {
    draft.put(web);
    return 0;
  });
  const auto requests = [&](const std::string& name, operations::Touches touches,
                            nlohmann::json input) {
    const protocol::OperationDescriptor operation{
        name, "ecs:" + name, protocol::Access::kWrite,
        [&](const protocol::Call& call) { return touches(arns, call.input); }};
    return ecsRequests(operation, {name, std::move(input)}, arns, *state, {});
  };
  using operations::Names;
  const std::string prefix = "arn:aws:ecs:us-east-1:000000000000:";

  // A bare family is its latest ACTIVE revision; the cluster is a condition key.
  auto run = requests("StartTask",
                      operations::touching({{"cluster", Names::kCluster},
                                            {"taskDefinition", Names::kTaskDefinition},
                                            {"containerInstances", Names::kContainerInstance}}),
                      {{"cluster", "dev"}, {"taskDefinition", "web"}, {"containerInstances", {"i1"}}});
  ASSERT_EQ(run.size(), 1u);
  EXPECT_EQ(run[0].resource, prefix + "task-definition/web:4");
  EXPECT_EQ(*run[0].context.find("ecs:cluster"), std::vector<std::string>{prefix + "cluster/dev"});
  EXPECT_EQ(*run[0].context.find("ecs:container-instances"),
            std::vector<std::string>{prefix + "container-instance/dev/i1"});

  // Calls on tasks act on each task, in the call's cluster.
  auto describe = requests("DescribeTasks",
                           operations::touching({{"cluster", Names::kCluster}, {"tasks", Names::kTask}}),
                           {{"cluster", "dev"}, {"tasks", {"t1", "t2"}}});
  ASSERT_EQ(describe.size(), 2u);
  EXPECT_EQ(describe[1].resource, prefix + "task/dev/t2");

  // A cluster call acts on the cluster; one without resource-level permissions on "*".
  auto del = requests("DeleteCluster", operations::touching({{"cluster", Names::kCluster}}),
                      {{"cluster", "prod"}});
  ASSERT_EQ(del.size(), 1u);
  EXPECT_EQ(del[0].resource, prefix + "cluster/prod");
  auto reg = requests("RegisterTaskDefinition",
                      operations::touching({{"family", Names::kTaskDefinition}}),
                      {{"family", "web"}, {"tags", {{{"key", "team"}, {"value", "a"}}}}});
  ASSERT_EQ(reg.size(), 1u);
  EXPECT_EQ(reg[0].resource, "*");
  EXPECT_EQ(*reg[0].context.find("aws:requesttag/team"), std::vector<std::string>{"a"});
  EXPECT_EQ(*reg[0].context.find("aws:tagkeys"), std::vector<std::string>{"team"});
}

TEST(KeySyncTest, OnlyActiveKeysWhoseSecretOpensAreAccepted) {
  const std::string sealKey = crypto::randomBytes(crypto::kSealKeySize);
  security::KeyRing ring;
  KeySync sync(ring, sealKey);
  IamAccessKey key{"AKIA1", "ci",
                   crypto::base64Encode(crypto::seal(sealKey, "the-secret", "AKIA1")), "Active", 1};
  ChangeSet changes;
  changes.of<IamAccessKey>().put.push_back(key);
  sync.changed(changes);
  ASSERT_NE(ring.find("AKIA1"), nullptr);
  EXPECT_EQ(ring.find("AKIA1")->secretAccessKey, "the-secret");
  EXPECT_FALSE(ring.find("AKIA1")->root);

  const auto removalsBefore = ring.removals();
  key.status = "Inactive";
  changes.of<IamAccessKey>().put = {key};
  sync.changed(changes);
  EXPECT_EQ(ring.find("AKIA1"), nullptr);
  EXPECT_GT(ring.removals(), removalsBefore);

  // Sealed for another key id: it does not open, so the key is refused.
  key.status = "Active";
  key.id = "AKIA2";
  changes.of<IamAccessKey>().put = {key};
  sync.changed(changes);
  EXPECT_EQ(ring.find("AKIA2"), nullptr);
}

TEST(QueryProtocolTest, ParsesTheFormAndWritesIamsXml) {
  protocol::HttpRequest request{"POST", "/", {{"Content-Type",
                                               "application/x-www-form-urlencoded; charset=utf-8"}},
                                "Action=CreateUser&Version=2010-05-08&UserName=c%2Bi&Path=%2Fa%2F", ""};
  auto call = protocol::parseQueryCall(request);
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(call->operation, "CreateUser");
  EXPECT_EQ(call->input, (nlohmann::json{{"UserName", "c+i"}, {"Path", "/a/"}}));

  const auto wire = protocol::queryWire(std::string(protocol::kIamNamespace));
  EXPECT_EQ(wire.success("CreateUser", protocol::Answer::text("<User/>"), "id").body,
            "<CreateUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
            "<CreateUserResult><User/></CreateUserResult><ResponseMetadata><RequestId>id"
            "</RequestId></ResponseMetadata></CreateUserResponse>");
  EXPECT_EQ(wire.success("DeleteUser", protocol::Answer::text(""), "id").body,
            "<DeleteUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
            "<ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></DeleteUserResponse>");
  const auto error = wire.failure({"UnrecognizedClientException", "a < b", 403}, "id");
  EXPECT_EQ(error.status, 403);
  EXPECT_EQ(error.body,
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>"
            "Sender</Type><Code>InvalidClientTokenId</Code><Message>a &lt; b</Message></Error>"
            "<RequestId>id</RequestId></ErrorResponse>");
}

TEST(QueryProtocolTest, RefusesWhatIsNotAQueryCall) {
  EXPECT_EQ(protocol::parseQueryCall({"POST", "/", {{"Content-Type", "application/json"}}, "{}", ""})
                .error()
                .type,
            "InvalidParameterValue");
  EXPECT_EQ(protocol::parseQueryCall(
                {"POST", "/", {{"Content-Type", "application/x-www-form-urlencoded"}}, "A=1", ""})
                .error()
                .type,
            "MissingAction");
}

}  // namespace
}  // namespace ecsd::identity
