// AWS's evaluation logic, and AWS's documented example policies (the ECS
// developer guide's identity-based policy examples, the IAM user guide's).
#include "ecsd/iam/evaluation.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace ecsd::iam {
namespace {

constexpr const char* kAccount = "111122223333";

std::string arn(const std::string& resource) {
  return "arn:aws:ecs:us-east-1:" + std::string(kAccount) + ":" + resource;
}

Policy policy(const std::string& document, PolicyKind kind = PolicyKind::Managed) {
  Result<Policy> parsed = parsePolicy(document, kind);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message) << "\n" << document;
  return parsed.ok() ? std::move(parsed).value() : Policy{};
}

Request request(std::string action, std::string resource,
                std::vector<std::pair<std::string, std::vector<std::string>>> keys = {}) {
  Request r{std::move(action), std::move(resource), {}};
  for (auto& [key, values] : keys) r.context.set(key, std::move(values));
  return r;
}

Verdict verdict(const std::vector<const Policy*>& policies, const Request& r) {
  return evaluate(policies, r).verdict;
}

// --- The logic ---

TEST(EvaluationTest, NoPoliciesIsAnImplicitDeny) {
  const Decision d = evaluate({}, request("ecs:ListClusters", "*"));
  EXPECT_EQ(d.verdict, Verdict::ImplicitDeny);
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(d.policy, -1);
  EXPECT_EQ(d.statement, -1);
  EXPECT_TRUE(d.sid.empty());
}

TEST(EvaluationTest, AnAllowThatAppliesAllows) {
  const Policy p = policy(R"({"Version":"2012-10-17","Statement":[
    {"Sid":"Other","Effect":"Allow","Action":"s3:*","Resource":"*"},
    {"Sid":"Describe","Effect":"Allow","Action":"ecs:Describe*","Resource":"*"}]})");
  const Decision d = evaluate({&p}, request("ecs:DescribeClusters", arn("cluster/default")));
  EXPECT_EQ(d.verdict, Verdict::Allow);
  EXPECT_EQ(d.policy, 0);
  EXPECT_EQ(d.statement, 1);
  EXPECT_EQ(d.sid, "Describe");
  EXPECT_EQ(verdict({&p}, request("ecs:RunTask", "*")), Verdict::ImplicitDeny);
}

TEST(EvaluationTest, ExplicitDenyWinsAcrossPolicies) {
  const Policy allowAll = policy(
      R"({"Version":"2012-10-17","Statement":{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"}})");
  const Policy denyDelete = policy(R"({"Version":"2012-10-17","Statement":[
    {"Sid":"Keep","Effect":"Allow","Action":"ecs:List*","Resource":"*"},
    {"Sid":"NoDelete","Effect":"Deny","Action":"ecs:Delete*","Resource":"*"}]})");
  for (const auto& order : {std::vector<const Policy*>{&allowAll, &denyDelete},
                            std::vector<const Policy*>{&denyDelete, &allowAll}}) {
    const Decision d = evaluate(order, request("ecs:DeleteCluster", arn("cluster/default")));
    EXPECT_EQ(d.verdict, Verdict::ExplicitDeny);
    EXPECT_EQ(order[static_cast<std::size_t>(d.policy)], &denyDelete);
    EXPECT_EQ(d.statement, 1);
    EXPECT_EQ(d.sid, "NoDelete");
    EXPECT_EQ(verdict(order, request("ecs:CreateCluster", "*")), Verdict::Allow);
  }
}

TEST(EvaluationTest, ActionsMatchCaseInsensitively) {
  const Policy p = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ECS:runtask","Resource":"*"}})");
  EXPECT_EQ(verdict({&p}, request("ecs:RunTask", "*")), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("ECS:RUNTASK", "*")), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("ecs:RunTasks", "*")), Verdict::ImplicitDeny);
}

TEST(EvaluationTest, ActionWildcards) {
  const Policy p = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["ecs:*Task","ecs:List?lusters"],"Resource":"*"}})");
  EXPECT_EQ(verdict({&p}, request("ecs:RunTask", "*")), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("ecs:StopTask", "*")), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("ecs:ListClusters", "*")), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("ecs:ListTasks", "*")), Verdict::ImplicitDeny);
  EXPECT_EQ(verdict({&p}, request("ecs:DescribeTasks", "*")), Verdict::ImplicitDeny);
}

TEST(EvaluationTest, NotActionCoversEveryOtherAction) {
  const Policy p = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":["iam:*","ecs:Delete*"],"Resource":"*"}})");
  EXPECT_EQ(verdict({&p}, request("ecs:RunTask", "*")), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("s3:GetObject", "*")), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("iam:CreateUser", "*")), Verdict::ImplicitDeny);
  EXPECT_EQ(verdict({&p}, request("ecs:deletecluster", "*")), Verdict::ImplicitDeny);
}

TEST(EvaluationTest, DenyWithNotActionLeavesTheRestToAllows) {
  // "Deny everything but ECS reads", with an allow-all beside it.
  const Policy allowAll = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})");
  const Policy readOnly = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":["ecs:Describe*","ecs:List*"],"Resource":"*"}})");
  EXPECT_EQ(verdict({&allowAll, &readOnly}, request("ecs:ListTasks", "*")), Verdict::Allow);
  EXPECT_EQ(verdict({&allowAll, &readOnly}, request("ecs:RunTask", "*")), Verdict::ExplicitDeny);
}

TEST(EvaluationTest, ResourcesMatchCaseSensitivelyWithWildcards) {
  const Policy p = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ecs:*","Resource":"arn:aws:ecs:*:111122223333:cluster/prod-*"}})");
  EXPECT_EQ(verdict({&p}, request("ecs:DeleteCluster", arn("cluster/prod-web"))), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("ecs:DeleteCluster", arn("cluster/Prod-web"))),
            Verdict::ImplicitDeny);
  EXPECT_EQ(verdict({&p}, request("ecs:DeleteCluster", arn("cluster/dev"))), Verdict::ImplicitDeny);
  EXPECT_EQ(verdict({&p}, request("ecs:DeleteCluster",
                                  "arn:aws:ecs:us-east-1:999999999999:cluster/prod-web")),
            Verdict::ImplicitDeny);
  // An action on no resource is on "*", which only "*" (or a pattern of
  // wildcards) covers.
  EXPECT_EQ(verdict({&p}, request("ecs:ListClusters", "*")), Verdict::ImplicitDeny);
}

TEST(EvaluationTest, TrailingStarOfAResourceReachesAcrossColons) {
  // "If the * wildcard is the last character of a resource ARN segment, it
  // can expand to match beyond the colon boundaries."
  const Policy p = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ecs:RunTask","Resource":"arn:aws:ecs:us-east-1:111122223333:*"}})");
  EXPECT_EQ(verdict({&p}, request("ecs:RunTask", arn("task-definition/web:3"))), Verdict::Allow);
}

TEST(EvaluationTest, NotResourceCoversEveryOtherResource) {
  const Policy p = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ecs:*","NotResource":"arn:aws:ecs:*:*:cluster/prod"}})");
  EXPECT_EQ(verdict({&p}, request("ecs:DeleteCluster", arn("cluster/dev"))), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("ecs:ListClusters", "*")), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("ecs:DeleteCluster", arn("cluster/prod"))),
            Verdict::ImplicitDeny);
}

TEST(EvaluationTest, DenyWithNotResourceDeniesEverythingElse) {
  // Deny every ECS action outside the team's cluster, whatever else allows.
  const Policy allowAll = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})");
  const Policy fence = policy(
      R"({"Version":"2012-10-17","Statement":{"Sid":"Fence","Effect":"Deny","Action":"ecs:*","NotResource":["arn:aws:ecs:us-east-1:111122223333:cluster/team","arn:aws:ecs:us-east-1:111122223333:task/team/*"]}})");
  EXPECT_EQ(verdict({&allowAll, &fence}, request("ecs:DescribeClusters", arn("cluster/team"))),
            Verdict::Allow);
  EXPECT_EQ(verdict({&allowAll, &fence}, request("ecs:StopTask", arn("task/team/abc"))),
            Verdict::Allow);
  const Decision d =
      evaluate({&allowAll, &fence}, request("ecs:DeleteCluster", arn("cluster/other")));
  EXPECT_EQ(d.verdict, Verdict::ExplicitDeny);
  EXPECT_EQ(d.sid, "Fence");
  EXPECT_EQ(verdict({&allowAll, &fence}, request("s3:GetObject", "arn:aws:s3:::b/k")),
            Verdict::Allow);
}

TEST(EvaluationTest, AStatementWhoseConditionKeyIsAbsent) {
  const Policy allowAll = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})");
  // A positive operator on an absent key: the Deny does not apply.
  const Policy denyTagged = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}})");
  EXPECT_EQ(verdict({&allowAll, &denyTagged}, request("ecs:StopTask", "*")), Verdict::Allow);
  EXPECT_EQ(verdict({&allowAll, &denyTagged},
                    request("ecs:StopTask", "*", {{"aws:ResourceTag/env", {"prod"}}})),
            Verdict::ExplicitDeny);
  // A negated operator on an absent key: the Deny applies.
  const Policy denyUntagged = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:ResourceTag/env":"dev"}}}})");
  EXPECT_EQ(verdict({&allowAll, &denyUntagged}, request("ecs:StopTask", "*")),
            Verdict::ExplicitDeny);
  EXPECT_EQ(verdict({&allowAll, &denyUntagged},
                    request("ecs:StopTask", "*", {{"aws:ResourceTag/env", {"dev"}}})),
            Verdict::Allow);
  // "If you are using an "Effect": "Deny" element with a negated condition
  // operator like StringNotEqualsIfExists, the request is still denied even
  // if the tag is missing."
  const Policy denyIfExists = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:ResourceTag/env":"dev"}}}})");
  EXPECT_EQ(verdict({&allowAll, &denyIfExists}, request("ecs:StopTask", "*")),
            Verdict::ExplicitDeny);
  // An Allow whose key is absent does not apply.
  const Policy allowTagged = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}}})");
  EXPECT_EQ(verdict({&allowTagged}, request("ecs:StopTask", "*")), Verdict::ImplicitDeny);
}

TEST(EvaluationTest, PolicyVariablesInResource) {
  // "Allow users to view their own permissions" (ECS guide), for IAM's ARNs.
  const Policy p =
      policy(R"({"Version":"2012-10-17","Statement":[{"Sid":"ViewOwnUserInfo","Effect":"Allow",
    "Action":["iam:GetUserPolicy","iam:ListGroupsForUser","iam:ListAttachedUserPolicies","iam:ListUserPolicies","iam:GetUser"],
    "Resource":["arn:aws:iam::*:user/${aws:username}"]}]})");
  const auto asAlice = [](const std::string& target) {
    return request("iam:GetUser", "arn:aws:iam::111122223333:user/" + target,
                   {{"aws:username", {"alice"}}});
  };
  EXPECT_EQ(verdict({&p}, asAlice("alice")), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, asAlice("bob")), Verdict::ImplicitDeny);
  EXPECT_EQ(verdict({&p}, request("iam:GetUser", "arn:aws:iam::111122223333:user/alice")),
            Verdict::ImplicitDeny);
}

TEST(EvaluationTest, VariablesAreTextInVersion2008) {
  const std::string statement =
      R"("Statement":{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}"})";
  const Policy old = policy(R"({"Version":"2008-10-17",)" + statement + "}", PolicyKind::Inline);
  const Policy unversioned = policy("{" + statement + "}", PolicyKind::Inline);
  for (const Policy* p : {&old, &unversioned}) {
    EXPECT_EQ(verdict({p}, request("iam:GetUser", "arn:aws:iam::1:user/alice",
                                   {{"aws:username", {"alice"}}})),
              Verdict::ImplicitDeny);
    EXPECT_EQ(verdict({p}, request("iam:GetUser", "arn:aws:iam::1:user/${aws:username}")),
              Verdict::Allow);
  }
}

// --- AWS's documented examples ---

// ECS guide, "Run Task Example": any revision of one task definition, on one
// cluster.
TEST(AwsExamplesTest, RunTaskOfAFamilyOnACluster) {
  const Policy p = policy(R"({
    "Version": "2012-10-17",
    "Statement": [{
      "Effect": "Allow",
      "Action": ["ecs:RunTask"],
      "Condition": {"ArnEquals": {"ecs:cluster": "arn:aws:ecs:us-east-1:111122223333:cluster/default"}},
      "Resource": ["arn:aws:ecs:us-east-1:111122223333:task-definition/web:*"]
    }]})");
  const auto runTask = [](const std::string& taskDefinition, const std::string& cluster) {
    return request("ecs:RunTask", arn("task-definition/" + taskDefinition),
                   {{"ecs:cluster", {arn("cluster/" + cluster)}}});
  };
  EXPECT_EQ(verdict({&p}, runTask("web:1", "default")), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, runTask("web:42", "default")), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, runTask("web:1", "prod")), Verdict::ImplicitDeny);
  EXPECT_EQ(verdict({&p}, runTask("db:1", "default")), Verdict::ImplicitDeny);
  EXPECT_EQ(verdict({&p}, runTask("webapp:1", "default")), Verdict::ImplicitDeny);
  EXPECT_EQ(verdict({&p}, request("ecs:RunTask", arn("task-definition/web:1"))),
            Verdict::ImplicitDeny);
  EXPECT_EQ(verdict({&p}, request("ecs:StartTask", arn("task-definition/web:1"),
                                  {{"ecs:cluster", {arn("cluster/default")}}})),
            Verdict::ImplicitDeny);
}

// ECS guide, "Start task example": ArnEquals on ecs:cluster and on the
// multivalued ecs:container-instances.
TEST(AwsExamplesTest, StartTaskOnAClusterAndInstance) {
  const Policy p = policy(R"({
    "Version": "2012-10-17",
    "Statement": [{
      "Effect": "Allow",
      "Action": ["ecs:StartTask"],
      "Condition": {"ArnEquals": {
        "ecs:cluster": "arn:aws:ecs:us-east-1:111122223333:cluster/default",
        "ecs:container-instances": ["arn:aws:ecs:us-east-1:111122223333:container-instance/default/1f2e"]}},
      "Resource": ["arn:aws:ecs:us-east-1:111122223333:task-definition/web:*"]
    }]})");
  const auto startTask = [](std::vector<std::string> instances) {
    return request("ecs:StartTask", arn("task-definition/web:2"),
                   {{"ecs:cluster", {arn("cluster/default")}},
                    {"ecs:container-instances", std::move(instances)}});
  };
  EXPECT_EQ(verdict({&p}, startTask({arn("container-instance/default/1f2e")})), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, startTask({arn("container-instance/default/9a9a")})),
            Verdict::ImplicitDeny);
  EXPECT_EQ(verdict({&p}, startTask({})), Verdict::ImplicitDeny);
}

// ECS guide, cluster examples: everything on one cluster.
TEST(AwsExamplesTest, OperationsOnASpecificCluster) {
  const Policy p = policy(R"({
    "Version": "2012-10-17",
    "Statement": [
      {"Action": ["ecs:Describe*", "ecs:List*"], "Effect": "Allow", "Resource": "*"},
      {"Action": ["ecs:DeleteCluster", "ecs:DeregisterContainerInstance", "ecs:ListContainerInstances",
                  "ecs:RegisterContainerInstance", "ecs:SubmitContainerStateChange", "ecs:SubmitTaskStateChange"],
       "Effect": "Allow", "Resource": "arn:aws:ecs:us-east-1:111122223333:cluster/default"},
      {"Action": ["ecs:DescribeContainerInstances", "ecs:DescribeTasks", "ecs:ListTasks", "ecs:UpdateContainerAgent",
                  "ecs:StartTask", "ecs:StopTask", "ecs:RunTask"],
       "Effect": "Allow", "Resource": "*",
       "Condition": {"ArnEquals": {"ecs:cluster": "arn:aws:ecs:us-east-1:111122223333:cluster/default"}}}
    ]})");
  EXPECT_EQ(verdict({&p}, request("ecs:ListClusters", "*")), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("ecs:DescribeClusters", arn("cluster/other"))), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("ecs:DeleteCluster", arn("cluster/default"))), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("ecs:DeleteCluster", arn("cluster/other"))),
            Verdict::ImplicitDeny);
  EXPECT_EQ(verdict({&p}, request("ecs:StopTask", arn("task/default/abc"),
                                  {{"ecs:cluster", {arn("cluster/default")}}})),
            Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("ecs:StopTask", arn("task/other/abc"),
                                  {{"ecs:cluster", {arn("cluster/other")}}})),
            Verdict::ImplicitDeny);
  EXPECT_EQ(verdict({&p}, request("ecs:CreateCluster", "*")), Verdict::ImplicitDeny);
}

// ECS guide, "Describing Amazon ECS services based on tags": the tag key
// Owner matches Owner and owner, the value is the user's name.
TEST(AwsExamplesTest, DescribeServicesOwnedByTheUser) {
  const Policy p = policy(R"({
    "Version": "2012-10-17",
    "Statement": [{
      "Sid": "ViewServiceIfOwner", "Effect": "Allow", "Action": "ecs:DescribeServices",
      "Resource": "arn:aws:ecs:*:*:service/*",
      "Condition": {"StringEquals": {"ecs:ResourceTag/Owner": "${aws:username}"}}
    }]})");
  const std::string service = arn("service/default/web");
  EXPECT_EQ(verdict({&p}, request("ecs:DescribeServices", service,
                                  {{"aws:username", {"richard-roe"}},
                                   {"ecs:ResourceTag/Owner", {"richard-roe"}}})),
            Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("ecs:DescribeServices", service,
                                  {{"aws:username", {"richard-roe"}},
                                   {"ecs:ResourceTag/owner", {"richard-roe"}}})),
            Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("ecs:DescribeServices", service,
                                  {{"aws:username", {"richard-roe"}},
                                   {"ecs:ResourceTag/Owner", {"jane"}}})),
            Verdict::ImplicitDeny);
  EXPECT_EQ(
      verdict({&p}, request("ecs:DescribeServices", service, {{"aws:username", {"richard-roe"}}})),
      Verdict::ImplicitDeny);
}

// ECS guide, "Deny Service Connect Namespace Override": written "ARNEquals".
TEST(AwsExamplesTest, OperatorNamesIgnoreCase) {
  const Policy p = policy(R"({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["ecs:CreateService", "ecs:UpdateService"],
      "Condition": {"ARNEquals": {
        "ecs:cluster": "arn:aws:ecs:us-east-1:111122223333:cluster/default",
        "ecs:namespace": "arn:aws:servicediscovery:us-east-1:111122223333:namespace/ns-1"}},
      "Resource": "*"}]})");
  EXPECT_EQ(
      verdict({&p},
              request("ecs:CreateService", "*",
                      {{"ecs:cluster", {arn("cluster/default")}},
                       {"ecs:namespace",
                        {"arn:aws:servicediscovery:us-east-1:111122223333:namespace/ns-1"}}})),
      Verdict::Allow);
  EXPECT_EQ(
      verdict({&p},
              request("ecs:CreateService", "*",
                      {{"ecs:cluster", {arn("cluster/default")}},
                       {"ecs:namespace",
                        {"arn:aws:servicediscovery:us-east-1:111122223333:namespace/ns-2"}}})),
      Verdict::ImplicitDeny);
}

// IAM guide, "The difference between explicit and implicit denies".
TEST(AwsExamplesTest, ExplicitAndImplicitDenies) {
  const Policy p = policy(R"({
    "Version": "2012-10-17",
    "Statement": [
      {"Sid": "AllowGetList", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
      {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"}
    ]})");
  const Policy reports = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GenerateCredentialReport","Resource":"*"}})");
  EXPECT_EQ(verdict({&p}, request("iam:GetUser", "*")), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("iam:ListRoles", "*")), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, request("iam:CreatePolicy", "*")), Verdict::ImplicitDeny);
  EXPECT_EQ(verdict({&p}, request("iam:GetCredentialReport", "*")), Verdict::ExplicitDeny);
  const Decision d = evaluate({&p, &reports}, request("iam:GenerateCredentialReport", "*"));
  EXPECT_EQ(d.verdict, Verdict::ExplicitDeny);
  EXPECT_EQ(d.sid, "DenyReports");
}

// IAM guide, Bool: deny over plain HTTP.
TEST(AwsExamplesTest, DenyWithoutSecureTransport) {
  const Policy allowAll = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})");
  const Policy p = policy(
      R"({"Version":"2012-10-17","Statement":[{"Sid":"BooleanExample","Action":"ecs:*","Effect":"Deny","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]})");
  EXPECT_EQ(verdict({&allowAll, &p},
                    request("ecs:ListClusters", "*", {{"aws:SecureTransport", {"false"}}})),
            Verdict::ExplicitDeny);
  EXPECT_EQ(verdict({&allowAll, &p},
                    request("ecs:ListClusters", "*", {{"aws:SecureTransport", {"true"}}})),
            Verdict::Allow);
}

// IAM guide, IpAddress and DateGreaterThan together with a time window.
TEST(AwsExamplesTest, SourceIpAndTimeWindow) {
  const Policy p = policy(R"({
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
      "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
                    "DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"},
                    "DateLessThan": {"aws:CurrentTime": "2024-12-31T23:59:59Z"}}}})");
  const auto at = [](const char* ip, const char* time) {
    return request("ecs:ListClusters", "*", {{"aws:SourceIp", {ip}}, {"aws:CurrentTime", {time}}});
  };
  EXPECT_EQ(verdict({&p}, at("203.0.113.5", "2024-06-01T00:00:00Z")), Verdict::Allow);
  EXPECT_EQ(verdict({&p}, at("198.51.100.5", "2024-06-01T00:00:00Z")), Verdict::ImplicitDeny);
  EXPECT_EQ(verdict({&p}, at("203.0.113.5", "2025-06-01T00:00:00Z")), Verdict::ImplicitDeny);
}

// IAM guide, multivalued keys: deny tagging with keys outside a list.
TEST(AwsExamplesTest, RestrictTagKeysOnCreate) {
  const Policy allowAll = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})");
  const Policy p = policy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"ecs:TagResource","Resource":"*",
    "Condition":{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env","team"]}}}})");
  EXPECT_EQ(
      verdict({&allowAll, &p}, request("ecs:TagResource", "*", {{"aws:TagKeys", {"env", "team"}}})),
      Verdict::Allow);
  EXPECT_EQ(verdict({&allowAll, &p},
                    request("ecs:TagResource", "*", {{"aws:TagKeys", {"env", "owner"}}})),
            Verdict::ExplicitDeny);
}

}  // namespace
}  // namespace ecsd::iam
