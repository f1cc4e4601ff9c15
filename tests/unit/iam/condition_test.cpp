// Every condition operator, positive and negative, with the key present and
// absent, qualified and not: each case is one Allow statement whose Condition
// block is under test (IAM JSON policy elements: Condition operators).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "ecsd/iam/evaluation.h"
#include "ecsd/iam/policy.h"

namespace ecsd::iam {
namespace {

using Values = std::vector<std::string>;

struct Key {
  std::string name;
  Values values;
};

ConditionContext contextOf(const std::vector<Key>& keys) {
  ConditionContext context;
  for (const Key& k : keys) context.set(k.name, k.values);
  return context;
}

// Whether "Allow * on * if <condition>" allows a request with these keys.
bool holdsFor(const std::string& condition, const std::vector<Key>& keys,
              const std::string& version = "2012-10-17") {
  const std::string document = R"({"Version":")" + version +
                               R"(","Statement":{"Effect":"Allow","Action":"*","Resource":"*",)"
                               R"("Condition":)" +
                               condition + "}}";
  const Result<Policy> policy = parsePolicy(document, PolicyKind::Inline);
  if (!policy.ok()) {
    ADD_FAILURE() << condition << ": " << policy.error().message;
    return false;
  }
  Request request{"ecs:RunTask", "*", contextOf(keys)};
  return evaluate({&policy.value()}, request).allowed();
}

// --- String ---

TEST(StringConditionTest, StringEqualsIsExactAndCaseSensitive) {
  const std::string c = R"({"StringEquals":{"aws:username":"alice"}})";
  EXPECT_TRUE(holdsFor(c, {{"aws:username", {"alice"}}}));
  EXPECT_FALSE(holdsFor(c, {{"aws:username", {"Alice"}}}));
  EXPECT_FALSE(holdsFor(c, {{"aws:username", {"alice2"}}}));
  EXPECT_FALSE(holdsFor(c, {}));  // absent key: false
}

TEST(StringConditionTest, StringEqualsTakesNoWildcards) {
  const std::string c = R"({"StringEquals":{"aws:username":"al*"}})";
  EXPECT_FALSE(holdsFor(c, {{"aws:username", {"alice"}}}));
  EXPECT_TRUE(holdsFor(c, {{"aws:username", {"al*"}}}));
}

TEST(StringConditionTest, SeveralPolicyValuesAreOred) {
  const std::string c = R"({"StringEquals":{"aws:PrincipalTag/role":["audit","security"]}})";
  EXPECT_TRUE(holdsFor(c, {{"aws:PrincipalTag/role", {"audit"}}}));
  EXPECT_TRUE(holdsFor(c, {{"aws:PrincipalTag/role", {"security"}}}));
  EXPECT_FALSE(holdsFor(c, {{"aws:PrincipalTag/role", {"dev"}}}));
}

TEST(StringConditionTest, StringNotEqualsIsNorOverValues) {
  // "If a single negated matching condition operator includes multiple values
  // for a context key, those values are evaluated using a logical NOR."
  const std::string c = R"({"StringNotEquals":{"aws:PrincipalTag/role":["audit","security"]}})";
  EXPECT_FALSE(holdsFor(c, {{"aws:PrincipalTag/role", {"audit"}}}));
  EXPECT_FALSE(holdsFor(c, {{"aws:PrincipalTag/role", {"security"}}}));
  EXPECT_TRUE(holdsFor(c, {{"aws:PrincipalTag/role", {"dev"}}}));
  EXPECT_TRUE(holdsFor(c, {}));  // absent key: a negated operator is true
}

TEST(StringConditionTest, IgnoreCaseForms) {
  const std::string eq = R"({"StringEqualsIgnoreCase":{"aws:username":"ALICE"}})";
  EXPECT_TRUE(holdsFor(eq, {{"aws:username", {"alice"}}}));
  EXPECT_FALSE(holdsFor(eq, {{"aws:username", {"bob"}}}));
  EXPECT_FALSE(holdsFor(eq, {}));
  const std::string ne = R"({"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}})";
  EXPECT_FALSE(holdsFor(ne, {{"aws:username", {"Alice"}}}));
  EXPECT_TRUE(holdsFor(ne, {{"aws:username", {"bob"}}}));
  EXPECT_TRUE(holdsFor(ne, {}));
}

TEST(StringConditionTest, StringLikeTakesWildcards) {
  const std::string c =
      R"({"StringLike":{"ecs:cluster":["arn:aws:ecs:*:*:cluster/prod-*","dev?"]}})";
  EXPECT_TRUE(holdsFor(c, {{"ecs:cluster", {"arn:aws:ecs:us-east-1:1:cluster/prod-web"}}}));
  EXPECT_TRUE(holdsFor(c, {{"ecs:cluster", {"dev1"}}}));
  EXPECT_FALSE(holdsFor(c, {{"ecs:cluster", {"dev12"}}}));
  EXPECT_FALSE(holdsFor(c, {{"ecs:cluster", {"arn:aws:ecs:us-east-1:1:cluster/Prod-web"}}}));
  EXPECT_FALSE(holdsFor(c, {}));
}

TEST(StringConditionTest, StringNotLike) {
  const std::string c = R"({"StringNotLike":{"aws:username":["admin*","root"]}})";
  EXPECT_FALSE(holdsFor(c, {{"aws:username", {"admin-2"}}}));
  EXPECT_FALSE(holdsFor(c, {{"aws:username", {"root"}}}));
  EXPECT_TRUE(holdsFor(c, {{"aws:username", {"alice"}}}));
  EXPECT_TRUE(holdsFor(c, {}));
}

TEST(StringConditionTest, KeysAreCaseInsensitiveValuesAreNot) {
  EXPECT_TRUE(
      holdsFor(R"({"StringEquals":{"AWS:UserName":"alice"}})", {{"aws:username", {"alice"}}}));
  EXPECT_TRUE(
      holdsFor(R"({"StringEquals":{"aws:username":"alice"}})", {{"AWS:USERNAME", {"alice"}}}));
  // Tag keys in a condition key too: aws:ResourceTag/Team is aws:resourcetag/team.
  EXPECT_TRUE(holdsFor(R"({"StringEquals":{"aws:ResourceTag/Team":"web"}})",
                       {{"aws:resourcetag/team", {"web"}}}));
  EXPECT_FALSE(holdsFor(R"({"StringEquals":{"aws:ResourceTag/Team":"Web"}})",
                        {{"aws:ResourceTag/Team", {"web"}}}));
}

TEST(StringConditionTest, PolicyVariablesInValues) {
  // The s3:prefix home-directory example of the Condition operators page.
  const std::string c = R"({"StringLike":{"s3:prefix":["","home/","home/${aws:username}/"]}})";
  EXPECT_TRUE(holdsFor(c, {{"aws:username", {"alice"}}, {"s3:prefix", {"home/alice/"}}}));
  EXPECT_TRUE(holdsFor(c, {{"aws:username", {"alice"}}, {"s3:prefix", {""}}}));
  EXPECT_FALSE(holdsFor(c, {{"aws:username", {"alice"}}, {"s3:prefix", {"home/bob/"}}}));
  // With no aws:username the variable resolves to nothing and matches nothing.
  EXPECT_FALSE(holdsFor(c, {{"s3:prefix", {"home/alice/"}}}));
  // Variables of other keys of the request.
  EXPECT_TRUE(holdsFor(R"({"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}})",
                       {{"aws:username", {"alice"}}, {"aws:ResourceTag/owner", {"alice"}}}));
  EXPECT_FALSE(holdsFor(R"({"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}})",
                        {{"aws:username", {"alice"}}, {"aws:ResourceTag/owner", {"bob"}}}));
}

TEST(StringConditionTest, NoVariablesBeforeVersion2012) {
  const std::string c = R"({"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}})";
  EXPECT_FALSE(holdsFor(c, {{"aws:username", {"alice"}}, {"aws:ResourceTag/owner", {"alice"}}},
                        "2008-10-17"));
  EXPECT_TRUE(holdsFor(c, {{"aws:ResourceTag/owner", {"${aws:username}"}}}, "2008-10-17"));
}

// --- Numeric ---

TEST(NumericConditionTest, EachComparison) {
  const auto holds = [](const char* op, const char* policy, const char* request) {
    return holdsFor(std::string(R"({")") + op + R"(":{"s3:max-keys":")" + policy + R"("}})",
                    {{"s3:max-keys", {request}}});
  };
  EXPECT_TRUE(holds("NumericEquals", "10", "10"));
  EXPECT_TRUE(holds("NumericEquals", "10", "10.0"));
  EXPECT_FALSE(holds("NumericEquals", "10", "11"));
  EXPECT_TRUE(holds("NumericNotEquals", "10", "11"));
  EXPECT_FALSE(holds("NumericNotEquals", "10", "10"));
  EXPECT_TRUE(holds("NumericLessThan", "10", "9"));
  EXPECT_FALSE(holds("NumericLessThan", "10", "10"));
  EXPECT_TRUE(holds("NumericLessThanEquals", "10", "10"));
  EXPECT_FALSE(holds("NumericLessThanEquals", "10", "10.5"));
  EXPECT_TRUE(holds("NumericGreaterThan", "10", "10.5"));
  EXPECT_FALSE(holds("NumericGreaterThan", "10", "10"));
  EXPECT_TRUE(holds("NumericGreaterThanEquals", "-1.5", "-1.5"));
  EXPECT_FALSE(holds("NumericGreaterThanEquals", "-1.5", "-2"));
  // A request value that is no number matches nothing.
  EXPECT_FALSE(holds("NumericEquals", "10", "ten"));
  EXPECT_FALSE(holds("NumericLessThan", "10", "1e1"));
}

TEST(NumericConditionTest, AbsentKey) {
  EXPECT_FALSE(holdsFor(R"({"NumericLessThanEquals":{"s3:max-keys":"10"}})", {}));
  EXPECT_TRUE(holdsFor(R"({"NumericNotEquals":{"s3:max-keys":"10"}})", {}));
}

TEST(NumericConditionTest, JsonNumbersAsValues) {
  EXPECT_TRUE(
      holdsFor(R"({"NumericLessThanEquals":{"s3:max-keys":10}})", {{"s3:max-keys", {"7"}}}));
}

// --- Date ---

TEST(DateConditionTest, EachComparison) {
  const auto holds = [](const char* op, const char* policy, const char* request) {
    return holdsFor(std::string(R"({")") + op + R"(":{"aws:CurrentTime":")" + policy + R"("}})",
                    {{"aws:CurrentTime", {request}}});
  };
  const char* noon = "2024-05-01T12:00:00Z";
  EXPECT_TRUE(holds("DateEquals", noon, "2024-05-01T12:00:00Z"));
  EXPECT_TRUE(holds("DateEquals", noon, "2024-05-01T14:00:00+02:00"));
  EXPECT_FALSE(holds("DateEquals", noon, "2024-05-01T12:00:01Z"));
  EXPECT_TRUE(holds("DateNotEquals", noon, "2024-05-01T12:00:01Z"));
  EXPECT_FALSE(holds("DateNotEquals", noon, "2024-05-01T12:00:00Z"));
  EXPECT_TRUE(holds("DateLessThan", noon, "2024-05-01T11:59:59Z"));
  EXPECT_FALSE(holds("DateLessThan", noon, noon));
  EXPECT_TRUE(holds("DateLessThanEquals", noon, noon));
  EXPECT_FALSE(holds("DateLessThanEquals", noon, "2024-05-02T00:00:00Z"));
  EXPECT_TRUE(holds("DateGreaterThan", "2020-01-01T00:00:01Z", noon));
  EXPECT_FALSE(holds("DateGreaterThan", noon, noon));
  EXPECT_TRUE(holds("DateGreaterThanEquals", noon, noon));
  EXPECT_FALSE(holds("DateGreaterThanEquals", noon, "2024-04-30T23:59:59Z"));
}

TEST(DateConditionTest, DateFormatsAndEpochSeconds) {
  const auto before = [](const char* policy, const char* request) {
    return holdsFor(std::string(R"({"DateLessThan":{"aws:CurrentTime":")") + policy + R"("}})",
                    {{"aws:CurrentTime", {request}}});
  };
  // Digits alone are epoch seconds, "2025" too: 00:33:45 on 1970-01-01.
  EXPECT_TRUE(before("2025", "2000"));
  EXPECT_FALSE(before("2025", "1700000000"));
  EXPECT_FALSE(before("2025", "2024-01-01T00:00:00Z"));
  EXPECT_TRUE(before("2024-06", "2024-05-31T23:59:59Z"));
  EXPECT_TRUE(before("2024-06-01", "2024-05-31"));
  EXPECT_TRUE(before("2024-06-01T10:00Z", "2024-06-01T09:59:59.999Z"));
  EXPECT_TRUE(before("1717236000", "2024-06-01T09:59:59Z"));  // 2024-06-01T10:00:00Z
  EXPECT_FALSE(before("1717236000", "2024-06-01T10:00:00Z"));
  EXPECT_FALSE(before("2024-06-01", "not a date"));
}

TEST(DateConditionTest, AbsentKey) {
  EXPECT_FALSE(
      holdsFor(R"({"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}})", {}));
  EXPECT_TRUE(holdsFor(R"({"DateNotEquals":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}})", {}));
}

// --- Bool ---

TEST(BoolConditionTest, TrueAndFalse) {
  const std::string secure = R"({"Bool":{"aws:SecureTransport":"true"}})";
  EXPECT_TRUE(holdsFor(secure, {{"aws:SecureTransport", {"true"}}}));
  EXPECT_TRUE(holdsFor(secure, {{"aws:SecureTransport", {"TRUE"}}}));
  EXPECT_FALSE(holdsFor(secure, {{"aws:SecureTransport", {"false"}}}));
  EXPECT_FALSE(holdsFor(secure, {}));
  EXPECT_TRUE(
      holdsFor(R"({"Bool":{"aws:SecureTransport":false}})", {{"aws:SecureTransport", {"false"}}}));
}

// --- Binary ---

TEST(BinaryConditionTest, ComparesTheBase64Text) {
  const std::string c = R"({"BinaryEquals":{"key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}})";
  EXPECT_TRUE(holdsFor(c, {{"key", {"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}}));
  EXPECT_FALSE(holdsFor(c, {{"key", {"QmluYXJ5"}}}));
  EXPECT_FALSE(holdsFor(c, {}));
}

// --- IP address ---

TEST(IpAddressConditionTest, Ipv4Ranges) {
  const std::string c = R"({"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}})";
  EXPECT_TRUE(holdsFor(c, {{"aws:SourceIp", {"203.0.113.0"}}}));
  EXPECT_TRUE(holdsFor(c, {{"aws:SourceIp", {"203.0.113.255"}}}));
  EXPECT_FALSE(holdsFor(c, {{"aws:SourceIp", {"203.0.114.1"}}}));
  EXPECT_FALSE(holdsFor(c, {{"aws:SourceIp", {"not an address"}}}));
  EXPECT_FALSE(holdsFor(c, {}));
  // An address alone is a /32.
  EXPECT_TRUE(holdsFor(R"({"IpAddress":{"aws:SourceIp":"198.51.100.7"}})",
                       {{"aws:SourceIp", {"198.51.100.7"}}}));
  EXPECT_FALSE(holdsFor(R"({"IpAddress":{"aws:SourceIp":"198.51.100.7"}})",
                        {{"aws:SourceIp", {"198.51.100.8"}}}));
  EXPECT_TRUE(holdsFor(R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/13"}})",
                       {{"aws:SourceIp", {"10.7.255.1"}}}));
  EXPECT_FALSE(holdsFor(R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/13"}})",
                        {{"aws:SourceIp", {"10.8.0.1"}}}));
  EXPECT_TRUE(
      holdsFor(R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}})", {{"aws:SourceIp", {"192.0.2.1"}}}));
}

TEST(IpAddressConditionTest, MixedIpv4AndIpv6) {
  // The Condition operators page's example mixing both families.
  const std::string c =
      R"({"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}})";
  EXPECT_TRUE(holdsFor(c, {{"aws:SourceIp", {"2001:db8:1234:5678::1"}}}));
  EXPECT_TRUE(holdsFor(c, {{"aws:SourceIp", {"2001:db8:1234:5678:ffff:ffff:ffff:ffff"}}}));
  EXPECT_FALSE(holdsFor(c, {{"aws:SourceIp", {"2001:db8:1234:5679::1"}}}));
  EXPECT_TRUE(holdsFor(c, {{"aws:SourceIp", {"203.0.113.9"}}}));
}

TEST(IpAddressConditionTest, NotIpAddress) {
  const std::string c = R"({"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}})";
  EXPECT_FALSE(holdsFor(c, {{"aws:SourceIp", {"192.0.2.10"}}}));
  EXPECT_FALSE(holdsFor(c, {{"aws:SourceIp", {"203.0.113.10"}}}));
  EXPECT_TRUE(holdsFor(c, {{"aws:SourceIp", {"198.51.100.1"}}}));
  EXPECT_TRUE(holdsFor(c, {}));
}

// --- ARN ---

TEST(ArnConditionTest, ArnEqualsAndArnLikeBehaveAlike) {
  for (const char* op : {"ArnEquals", "ArnLike"}) {
    const std::string c = std::string(R"({")") + op +
                          R"(":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/dev-*"}})";
    EXPECT_TRUE(holdsFor(c, {{"aws:PrincipalArn", {"arn:aws:iam::123456789012:user/dev-alice"}}}))
        << op;
    EXPECT_FALSE(holdsFor(c, {{"aws:PrincipalArn", {"arn:aws:iam::123456789012:user/ops-bob"}}}))
        << op;
    EXPECT_FALSE(holdsFor(c, {})) << op;
  }
}

TEST(ArnConditionTest, ComparesPartByPart) {
  const std::string arnLike =
      R"({"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}})";
  const std::string stringLike =
      R"({"StringLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}})";
  const std::vector<Key> tricky = {
      {"aws:SourceArn",
       {"arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"}}};
  EXPECT_FALSE(holdsFor(arnLike, tricky));
  EXPECT_TRUE(holdsFor(stringLike, tricky));
}

TEST(ArnConditionTest, NegatedForms) {
  for (const char* op : {"ArnNotEquals", "ArnNotLike"}) {
    const std::string c =
        std::string(R"({")") + op + R"(":{"aws:PrincipalArn":"arn:aws:iam::*:user/admin"}})";
    EXPECT_FALSE(holdsFor(c, {{"aws:PrincipalArn", {"arn:aws:iam::123456789012:user/admin"}}}))
        << op;
    EXPECT_TRUE(holdsFor(c, {{"aws:PrincipalArn", {"arn:aws:iam::123456789012:user/alice"}}}))
        << op;
    EXPECT_TRUE(holdsFor(c, {})) << op;
  }
}

TEST(ArnConditionTest, PolicyVariables) {
  const std::string c =
      R"({"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/${aws:username}"}})";
  EXPECT_TRUE(holdsFor(c, {{"aws:username", {"alice"}},
                           {"aws:PrincipalArn", {"arn:aws:iam::123456789012:user/alice"}}}));
  EXPECT_FALSE(holdsFor(c, {{"aws:username", {"bob"}},
                            {"aws:PrincipalArn", {"arn:aws:iam::123456789012:user/alice"}}}));
}

// --- ...IfExists ---

TEST(IfExistsConditionTest, AbsentKeyIsTrue) {
  // The ec2:InstanceType example: resources without the key pass.
  const std::string c = R"({"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}})";
  EXPECT_TRUE(holdsFor(c, {}));
  EXPECT_TRUE(holdsFor(c, {{"ec2:InstanceType", {"t2.micro"}}}));
  EXPECT_FALSE(holdsFor(c, {{"ec2:InstanceType", {"m5.large"}}}));
}

TEST(IfExistsConditionTest, EveryOperatorTakesIt) {
  EXPECT_TRUE(holdsFor(R"({"StringEqualsIfExists":{"k:a":"x"}})", {}));
  EXPECT_TRUE(holdsFor(R"({"StringNotEqualsIfExists":{"k:a":"x"}})", {}));
  EXPECT_FALSE(holdsFor(R"({"StringNotEqualsIfExists":{"k:a":"x"}})", {{"k:a", {"x"}}}));
  EXPECT_TRUE(holdsFor(R"({"StringEqualsIgnoreCaseIfExists":{"k:a":"X"}})", {{"k:a", {"x"}}}));
  EXPECT_TRUE(holdsFor(R"({"NumericLessThanIfExists":{"k:n":"5"}})", {}));
  EXPECT_FALSE(holdsFor(R"({"NumericLessThanIfExists":{"k:n":"5"}})", {{"k:n", {"6"}}}));
  EXPECT_TRUE(holdsFor(R"({"DateLessThanIfExists":{"aws:CurrentTime":"2024-01-01"}})", {}));
  EXPECT_TRUE(holdsFor(R"({"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}})", {}));
  EXPECT_FALSE(holdsFor(R"({"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}})",
                        {{"aws:MultiFactorAuthPresent", {"false"}}}));
  EXPECT_TRUE(holdsFor(R"({"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}})", {}));
  EXPECT_TRUE(holdsFor(R"({"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:sns:*:*:t"}})", {}));
  EXPECT_TRUE(holdsFor(R"({"BinaryEqualsIfExists":{"k:b":"QQ=="}})", {}));
}

// --- Null ---

TEST(NullConditionTest, TrueMeansAbsentFalseMeansPresent) {
  const std::string absent = R"({"Null":{"aws:TokenIssueTime":"true"}})";
  EXPECT_TRUE(holdsFor(absent, {}));
  EXPECT_FALSE(holdsFor(absent, {{"aws:TokenIssueTime", {"2024-01-01T00:00:00Z"}}}));
  const std::string present = R"({"Null":{"aws:TokenIssueTime":"false"}})";
  EXPECT_FALSE(holdsFor(present, {}));
  EXPECT_TRUE(holdsFor(present, {{"aws:TokenIssueTime", {"2024-01-01T00:00:00Z"}}}));
  // A key with no values is null too.
  EXPECT_TRUE(holdsFor(absent, {{"aws:TagKeys", {}}, {"aws:TokenIssueTime", {}}}));
  EXPECT_TRUE(holdsFor(R"({"Null":{"aws:TokenIssueTime":true}})", {}));
}

// --- Set operators over multivalued keys ---

TEST(SetOperatorTest, ForAllValuesEveryRequestValueMustMatch) {
  // The DynamoDB requestedAttributes example.
  const std::string c =
      R"({"ForAllValues:StringLike":{"dynamodb:requestedAttributes":["PostDateTime","Message","Tags"]}})";
  EXPECT_TRUE(holdsFor(c, {{"dynamodb:requestedAttributes", {"PostDateTime", "Message"}}}));
  EXPECT_FALSE(holdsFor(c, {{"dynamodb:requestedAttributes", {"PostDateTime", "UserName"}}}));
  EXPECT_FALSE(holdsFor(c, {{"dynamodb:requestedAttributes", {"ID"}}}));
  // No values in the request: ForAllValues is true.
  EXPECT_TRUE(holdsFor(c, {}));
  EXPECT_TRUE(holdsFor(c, {{"dynamodb:requestedAttributes", {}}}));
}

TEST(SetOperatorTest, ForAnyValueOneRequestValueMustMatch) {
  const std::string c =
      R"({"ForAnyValue:StringLike":{"dynamodb:requestedAttributes":["ID","PostDateTime"]}})";
  EXPECT_TRUE(
      holdsFor(c, {{"dynamodb:requestedAttributes", {"UserName", "Message", "PostDateTime"}}}));
  EXPECT_FALSE(holdsFor(c, {{"dynamodb:requestedAttributes", {"UserName"}}}));
  // No values in the request: ForAnyValue is false.
  EXPECT_FALSE(holdsFor(c, {}));
  EXPECT_FALSE(holdsFor(c, {{"dynamodb:requestedAttributes", {}}}));
}

TEST(SetOperatorTest, ForAllValuesWithNegatedOperator) {
  // The DenyRestrictedTags example: every tag key must not be like key1*.
  const std::string c = R"({"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}})";
  EXPECT_FALSE(holdsFor(c, {{"aws:TagKeys", {"key1:legal"}}}));
  EXPECT_FALSE(holdsFor(c, {{"aws:TagKeys", {"key1:hr", "key1:personnel"}}}));
  EXPECT_TRUE(holdsFor(c, {{"aws:TagKeys", {"key2:audit"}}}));
  EXPECT_FALSE(holdsFor(c, {{"aws:TagKeys", {"key2:audit", "key1:hr"}}}));
  EXPECT_TRUE(holdsFor(c, {}));
}

TEST(SetOperatorTest, ForAnyValueWithNegatedOperator) {
  const std::string c = R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env","team"]}})";
  EXPECT_TRUE(holdsFor(c, {{"aws:TagKeys", {"env", "cost"}}}));
  EXPECT_FALSE(holdsFor(c, {{"aws:TagKeys", {"env", "team"}}}));
  EXPECT_FALSE(holdsFor(c, {}));
}

TEST(SetOperatorTest, ContainerInstancesOfEcs) {
  const std::string c =
      R"({"ForAllValues:ArnLike":{"ecs:container-instances":"arn:aws:ecs:us-east-1:111122223333:container-instance/prod/*"}})";
  EXPECT_TRUE(holdsFor(c, {{"ecs:container-instances",
                            {"arn:aws:ecs:us-east-1:111122223333:container-instance/prod/a1",
                             "arn:aws:ecs:us-east-1:111122223333:container-instance/prod/b2"}}}));
  EXPECT_FALSE(holdsFor(c, {{"ecs:container-instances",
                             {"arn:aws:ecs:us-east-1:111122223333:container-instance/prod/a1",
                              "arn:aws:ecs:us-east-1:111122223333:container-instance/dev/c3"}}}));
}

TEST(SetOperatorTest, QualifiedIfExists) {
  EXPECT_TRUE(holdsFor(R"({"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"env"}})", {}));
  EXPECT_FALSE(holdsFor(R"({"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"env"}})",
                        {{"aws:TagKeys", {"team"}}}));
}

TEST(SetOperatorTest, UnqualifiedOnAMultivaluedKey) {
  // Without a qualifier the values are tested as a whole: any matches.
  EXPECT_TRUE(
      holdsFor(R"({"StringEquals":{"aws:TagKeys":"env"}})", {{"aws:TagKeys", {"team", "env"}}}));
  EXPECT_FALSE(
      holdsFor(R"({"StringNotEquals":{"aws:TagKeys":"env"}})", {{"aws:TagKeys", {"team", "env"}}}));
}

// --- The block as a whole ---

TEST(ConditionBlockTest, OperatorsAndKeysAreAnded) {
  const std::string c =
      R"({"StringEquals":{"aws:PrincipalTag/department":"finance","aws:PrincipalTag/role":["audit","security"]},)"
      R"("ArnLike":{"aws:PrincipalArn":["arn:aws:iam::222222222222:user/Ana","arn:aws:iam::222222222222:user/Mary"]}})";
  const std::vector<Key> mary = {{"aws:PrincipalTag/department", {"finance"}},
                                 {"aws:PrincipalTag/role", {"audit"}},
                                 {"aws:PrincipalArn", {"arn:aws:iam::222222222222:user/Mary"}}};
  EXPECT_TRUE(holdsFor(c, mary));
  std::vector<Key> wrongRole = mary;
  wrongRole[1].values = {"dev"};
  EXPECT_FALSE(holdsFor(c, wrongRole));
  std::vector<Key> wrongArn = mary;
  wrongArn[2].values = {"arn:aws:iam::222222222222:user/Bob"};
  EXPECT_FALSE(holdsFor(c, wrongArn));
  EXPECT_FALSE(holdsFor(c, {mary[0], mary[2]}));  // a key absent
}

TEST(ConditionBlockTest, EmptyBlockHolds) { EXPECT_TRUE(holdsFor("{}", {})); }

}  // namespace
}  // namespace ecsd::iam
