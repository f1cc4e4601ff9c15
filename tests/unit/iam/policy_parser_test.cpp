// Documents IAM refuses, with IAM's messages, and what a parsed one holds.
#include <gtest/gtest.h>

#include <string>

#include "ecsd/iam/policy.h"

namespace ecsd::iam {
namespace {

// A one-statement 2012-10-17 document around the statement's members.
std::string withStatement(const std::string& members) {
  return R"({"Version":"2012-10-17","Statement":{)" + members + "}}";
}

const std::string kAllowAll = R"("Effect":"Allow","Action":"*","Resource":"*")";

// The message of the MalformedPolicyDocument that parsing document gives.
std::string refusal(const std::string& document, PolicyKind kind = PolicyKind::Managed) {
  const Result<Policy> policy = parsePolicy(document, kind);
  if (policy.ok()) return "(accepted)";
  EXPECT_EQ(policy.error().type, "MalformedPolicyDocument") << policy.error().message;
  EXPECT_EQ(policy.error().httpStatus, 400);
  return policy.error().message;
}

TEST(PolicyParserTest, ParsesADocument) {
  const auto policy = parsePolicy(R"({
    "Version": "2012-10-17",
    "Statement": [
      {"Sid": "One", "Effect": "Allow", "Action": ["ecs:Describe*", "ecs:List*"], "Resource": "*"},
      {"Effect": "Deny", "NotAction": "ecs:RunTask",
       "NotResource": ["arn:aws:ecs:*:*:cluster/prod"],
       "Condition": {"StringEquals": {"aws:username": ["a", "b"]},
                     "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "x*"}}}
    ]})",
                                  PolicyKind::Managed);
  ASSERT_TRUE(policy.ok()) << policy.error().message;
  EXPECT_EQ(policy->version, "2012-10-17");
  ASSERT_EQ(policy->statements.size(), 2U);
  const Statement& allow = policy->statements[0];
  EXPECT_EQ(allow.sid, "One");
  EXPECT_EQ(allow.effect, Effect::Allow);
  EXPECT_FALSE(allow.notAction);
  ASSERT_EQ(allow.actions.size(), 2U);
  EXPECT_EQ(allow.actions[1].text(), "ecs:list*");  // lower-cased
  const Statement& deny = policy->statements[1];
  EXPECT_EQ(deny.effect, Effect::Deny);
  EXPECT_TRUE(deny.notAction);
  EXPECT_TRUE(deny.notResource);
  ASSERT_EQ(deny.conditions.size(), 2U);
  const Condition& like =
      deny.conditions[0].operatorName == "StringEquals" ? deny.conditions[1] : deny.conditions[0];
  EXPECT_EQ(like.operatorName, "ForAnyValue:StringLikeIfExists");
  EXPECT_EQ(like.type, ConditionType::String);
  EXPECT_EQ(like.comparison, Comparison::Like);
  EXPECT_EQ(like.set, SetOperator::ForAnyValue);
  EXPECT_TRUE(like.ifExists);
  EXPECT_EQ(like.key, "aws:tagkeys");
}

TEST(PolicyParserTest, StatementMayBeAnObjectOrAList) {
  EXPECT_EQ(refusal(withStatement(kAllowAll)), "(accepted)");
  EXPECT_EQ(refusal(R"({"Version":"2012-10-17","Statement":[{)" + kAllowAll + "}]}"), "(accepted)");
}

TEST(PolicyParserTest, InvalidJson) {
  EXPECT_EQ(refusal(""), "Syntax errors in policy.");
  EXPECT_EQ(refusal("{"), "Syntax errors in policy.");
  EXPECT_EQ(refusal(R"({"Version":"2012-10-17","Statement":{"Effect":"Allow",}})"),
            "Syntax errors in policy.");
  EXPECT_EQ(refusal("[]"), "Syntax errors in policy.");
  EXPECT_EQ(refusal(R"("text")"), "Syntax errors in policy.");
}

TEST(PolicyParserTest, UnknownTopLevelElement) {
  EXPECT_EQ(refusal(R"({"Version":"2012-10-17","Statements":{)" + kAllowAll + "}}"),
            "Syntax errors in policy.");
  EXPECT_EQ(refusal(R"({"Version":"2012-10-17","Extra":1,"Statement":{)" + kAllowAll + "}}"),
            "Syntax errors in policy.");
}

TEST(PolicyParserTest, IdIsAllowed) {
  EXPECT_EQ(
      refusal(R"({"Version":"2012-10-17","Id":"Admin_Policy","Statement":{)" + kAllowAll + "}}"),
      "(accepted)");
  EXPECT_EQ(refusal(R"({"Version":"2012-10-17","Id":7,"Statement":{)" + kAllowAll + "}}"),
            "Syntax errors in policy.");
}

TEST(PolicyParserTest, Version) {
  EXPECT_EQ(refusal(R"({"Version":"2012-10-18","Statement":{)" + kAllowAll + "}}"),
            "Syntax errors in policy.");
  EXPECT_EQ(refusal(R"({"Version":2012,"Statement":{)" + kAllowAll + "}}"),
            "Syntax errors in policy.");
  // A managed policy must be 2012-10-17; an inline one may be older or say none.
  EXPECT_EQ(refusal(R"({"Version":"2008-10-17","Statement":{)" + kAllowAll + "}}"),
            "Policy document must be version 2012-10-17 or greater.");
  EXPECT_EQ(refusal(R"({"Statement":{)" + kAllowAll + "}}"),
            "Policy document must be version 2012-10-17 or greater.");
  EXPECT_EQ(
      refusal(R"({"Version":"2008-10-17","Statement":{)" + kAllowAll + "}}", PolicyKind::Inline),
      "(accepted)");
  const auto unversioned = parsePolicy(R"({"Statement":{)" + kAllowAll + "}}", PolicyKind::Inline);
  ASSERT_TRUE(unversioned.ok());
  EXPECT_EQ(unversioned->version, "");
}

TEST(PolicyParserTest, Statement) {
  EXPECT_EQ(refusal(R"({"Version":"2012-10-17"})"), "Syntax errors in policy.");
  EXPECT_EQ(refusal(R"({"Version":"2012-10-17","Statement":[]})"), "Syntax errors in policy.");
  EXPECT_EQ(refusal(R"({"Version":"2012-10-17","Statement":"Allow"})"), "Syntax errors in policy.");
  EXPECT_EQ(refusal(R"({"Version":"2012-10-17","Statement":["Allow"]})"),
            "Syntax errors in policy.");
  EXPECT_EQ(refusal(withStatement(kAllowAll + R"(,"Effects":"Allow")")),
            "Syntax errors in policy.");
}

TEST(PolicyParserTest, Effect) {
  EXPECT_EQ(refusal(withStatement(R"("Action":"*","Resource":"*")")), "Syntax errors in policy.");
  EXPECT_EQ(refusal(withStatement(R"("Effect":"Permit","Action":"*","Resource":"*")")),
            "Syntax errors in policy.");
  EXPECT_EQ(refusal(withStatement(R"("Effect":true,"Action":"*","Resource":"*")")),
            "Syntax errors in policy.");
  // IAM knows "allow" but then refuses it: the effect is case-sensitive.
  EXPECT_EQ(refusal(withStatement(R"("Effect":"allow","Action":"*","Resource":"*")")),
            "The policy failed legacy parsing");
  EXPECT_EQ(refusal(withStatement(R"("Effect":"Deny","Action":"*","Resource":"*")")), "(accepted)");
}

TEST(PolicyParserTest, ActionAndNotAction) {
  EXPECT_EQ(refusal(withStatement(R"("Effect":"Allow","Resource":"*")")),
            "Policy statement must contain actions.");
  EXPECT_EQ(refusal(withStatement(R"("Effect":"Allow","Action":[],"Resource":"*")")),
            "Policy statement must contain actions.");
  EXPECT_EQ(
      refusal(withStatement(R"("Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*")")),
      "Syntax errors in policy.");
  EXPECT_EQ(refusal(withStatement(R"("Effect":"Allow","Action":["ecs:RunTask",3],"Resource":"*")")),
            "Syntax errors in policy.");
  EXPECT_EQ(refusal(withStatement(R"("Effect":"Allow","Action":{"a":"b"},"Resource":"*")")),
            "Syntax errors in policy.");
  EXPECT_EQ(refusal(withStatement(R"("Effect":"Allow","NotAction":"iam:*","Resource":"*")")),
            "(accepted)");
}

TEST(PolicyParserTest, ActionsNeedAVendor) {
  EXPECT_EQ(refusal(withStatement(R"("Effect":"Allow","Action":"RunTask","Resource":"*")")),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
  EXPECT_EQ(refusal(withStatement(R"("Effect":"Allow","Action":"ecs:Run:Task","Resource":"*")")),
            "Actions/Condition can contain only one colon.");
  EXPECT_EQ(refusal(withStatement(R"("Effect":"Allow","Action":"e c s:RunTask","Resource":"*")")),
            "Vendor e c s is not valid");
  EXPECT_EQ(refusal(withStatement(R"("Effect":"Allow","Action":"ecs:*","Resource":"*")")),
            "(accepted)");
}

TEST(PolicyParserTest, ResourceAndNotResource) {
  EXPECT_EQ(refusal(withStatement(R"("Effect":"Allow","Action":"*")")),
            "Policy statement must contain resources.");
  EXPECT_EQ(refusal(withStatement(R"("Effect":"Allow","Action":"*","Resource":[])")),
            "Policy statement must contain resources.");
  EXPECT_EQ(
      refusal(withStatement(R"("Effect":"Allow","Action":"*","Resource":"*","NotResource":"*")")),
      "Syntax errors in policy.");
  EXPECT_EQ(refusal(withStatement(R"("Effect":"Allow","Action":"*","Resource":"prod")")),
            "Resource prod must be in ARN format or \"*\".");
  EXPECT_EQ(refusal(withStatement(
                R"("Effect":"Allow","Action":"*","NotResource":"arn:aws:ecs:*:*:cluster/x")")),
            "(accepted)");
}

TEST(PolicyParserTest, PrincipalIsRefusedInIdentityPolicies) {
  EXPECT_EQ(refusal(withStatement(kAllowAll + R"(,"Principal":{"AWS":"123456789012"})")),
            "Policy document should not specify a principal.");
  EXPECT_EQ(refusal(withStatement(kAllowAll + R"(,"NotPrincipal":"*")")),
            "Policy document should not specify a principal.");
}

TEST(PolicyParserTest, Sid) {
  EXPECT_EQ(refusal(withStatement(R"("Sid":"Allow All",)" + kAllowAll)),
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
            "regular expression [0-9A-Za-z]*");
  EXPECT_EQ(refusal(withStatement(R"("Sid":1,)" + kAllowAll)), "Syntax errors in policy.");
  EXPECT_EQ(refusal(R"({"Version":"2012-10-17","Statement":[{"Sid":"A",)" + kAllowAll +
                    R"(},{"Sid":"A",)" + kAllowAll + "}]}"),
            "Statement IDs (SID) in a single policy must be unique.");
  EXPECT_EQ(refusal(R"({"Version":"2012-10-17","Statement":[{"Sid":"",)" + kAllowAll +
                    R"(},{"Sid":"",)" + kAllowAll + "}]}"),
            "(accepted)");
}

TEST(PolicyParserTest, ConditionBlock) {
  EXPECT_EQ(
      refusal(withStatement(kAllowAll + R"(,"Condition":{"StringEqualz":{"aws:username":"a"}})")),
      "Syntax errors in policy.");
  EXPECT_EQ(refusal(withStatement(kAllowAll +
                                  R"(,"Condition":{"NullIfExists":{"aws:username":"true"}})")),
            "Syntax errors in policy.");
  EXPECT_EQ(refusal(withStatement(kAllowAll +
                                  R"(,"Condition":{"ForSomeValues:StringEquals":{"k:k":"a"}})")),
            "Syntax errors in policy.");
  EXPECT_EQ(refusal(withStatement(kAllowAll + R"(,"Condition":{"StringEquals":"a"})")),
            "Syntax errors in policy.");
  EXPECT_EQ(refusal(withStatement(kAllowAll + R"(,"Condition":[])")), "Syntax errors in policy.");
  EXPECT_EQ(refusal(withStatement(kAllowAll + R"(,"Condition":{"StringEquals":{"k:k":{"a":1}}})")),
            "Syntax errors in policy.");
  EXPECT_EQ(refusal(withStatement(kAllowAll + R"(,"Condition":{"StringEquals":{"k:k":[null]}})")),
            "Syntax errors in policy.");
  // IAM reads condition dates when it parses, and refuses one it cannot.
  EXPECT_EQ(refusal(withStatement(
                kAllowAll + R"(,"Condition":{"DateLessThan":{"aws:CurrentTime":"2024-13-01"}})")),
            "The policy failed legacy parsing");
  EXPECT_EQ(refusal(withStatement(kAllowAll +
                                  R"(,"Condition":{"DateLessThan":{"aws:CurrentTime":"soon"}})")),
            "The policy failed legacy parsing");
  EXPECT_EQ(
      refusal(withStatement(
          kAllowAll +
          R"(,"Condition":{"ForAllValues:DateGreaterThanIfExists":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}})")),
      "(accepted)");
}

TEST(PolicyParserTest, ManagedPolicySizeQuota) {
  // 6144 characters not counting white space; white space is free.
  const std::string head =
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::)";
  const std::string tail = R"("}})";
  const std::string atQuota =
      head + std::string(kManagedPolicyMaxSize - head.size() - tail.size(), 'b') + tail;
  ASSERT_EQ(policySize(atQuota), kManagedPolicyMaxSize);
  EXPECT_TRUE(parsePolicy(atQuota, PolicyKind::Managed).ok());
  EXPECT_TRUE(parsePolicy(atQuota + std::string(1000, ' ') + "\n\t", PolicyKind::Managed).ok());
  const std::string over =
      head + std::string(kManagedPolicyMaxSize - head.size() - tail.size() + 1, 'b') + tail;
  const auto refused = parsePolicy(over, PolicyKind::Managed);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().type, "LimitExceeded");
  EXPECT_EQ(refused.error().httpStatus, 409);
  EXPECT_EQ(refused.error().message, "Cannot exceed quota for PolicySize: 6144");
  // An inline policy's quota is its user's, over all their inline policies.
  EXPECT_TRUE(parsePolicy(over, PolicyKind::Inline).ok());
}

TEST(PolicyParserTest, UserInlinePoliciesQuota) {
  EXPECT_EQ(policySize(" { \"a\" :\n 1 } "), 7U);
  EXPECT_TRUE(checkUserInlinePoliciesSize("alice", kUserInlinePoliciesMaxSize).ok());
  const Status over = checkUserInlinePoliciesSize("alice", kUserInlinePoliciesMaxSize + 1);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().type, "LimitExceeded");
  EXPECT_EQ(over.error().httpStatus, 409);
  EXPECT_EQ(over.error().message, "Maximum policy size of 2048 bytes exceeded for user alice");
}

}  // namespace
}  // namespace ecsd::iam
