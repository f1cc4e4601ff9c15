#include "ecsd/domain/arn.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "ecsd/domain/tag.h"

namespace ecsd {
namespace {

using nlohmann::json;

// --- ArnFactory ---

TEST(ArnFactoryTest, FormsEcsArns) {
  const ArnFactory arns("eu-west-1", "123456789012");
  EXPECT_EQ(arns.region(), "eu-west-1");
  EXPECT_EQ(arns.accountId(), "123456789012");
  EXPECT_EQ(arns.cluster("demo"), "arn:aws:ecs:eu-west-1:123456789012:cluster/demo");
  EXPECT_EQ(arns.taskDefinition("web", 12),
            "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:12");
  EXPECT_EQ(arns.user("admin"), "arn:aws:iam::123456789012:user/admin");
}

TEST(ArnFactoryTest, FormedArnsParseBack) {
  const ArnFactory arns("us-east-1", "000000000000");
  const auto cluster = parseEcsArn(arns.cluster("demo"));
  ASSERT_TRUE(cluster.has_value());
  EXPECT_EQ(cluster->region, "us-east-1");
  EXPECT_EQ(cluster->accountId, "000000000000");
  EXPECT_EQ(cluster->resourceType, "cluster");
  EXPECT_EQ(cluster->resourceId, "demo");

  const auto reference = parseTaskDefinitionReference(arns.taskDefinition("web", 3));
  ASSERT_TRUE(reference.ok()) << reference.error().message;
  EXPECT_EQ(reference->family, "web");
  EXPECT_EQ(reference->revision, 3);
}

TEST(ArnFactoryTest, IsLocalMeansSameRegionAndAccount) {
  const ArnFactory arns("us-east-1", "123456789012");
  EXPECT_TRUE(arns.isLocal(*parseEcsArn("arn:aws:ecs:us-east-1:123456789012:cluster/demo")));
  EXPECT_FALSE(arns.isLocal(*parseEcsArn("arn:aws:ecs:eu-west-1:123456789012:cluster/demo")));
  EXPECT_FALSE(arns.isLocal(*parseEcsArn("arn:aws:ecs:us-east-1:210987654321:cluster/demo")));
}

TEST(ArnFactoryTest, ClusterNameResolvesOnlyLocalArns) {
  const ArnFactory arns("us-east-1", "123456789012");
  EXPECT_EQ(*arns.clusterName("demo"), "demo");
  EXPECT_EQ(*arns.clusterName(arns.cluster("demo")), "demo");
  for (const char* foreign : {"arn:aws:ecs:eu-west-1:123456789012:cluster/demo",
                              "arn:aws:ecs:us-east-1:210987654321:cluster/demo"}) {
    const auto name = arns.clusterName(foreign);
    ASSERT_FALSE(name.ok()) << foreign;
    EXPECT_EQ(name.error().type, "ClusterNotFoundException") << foreign;
  }
  const auto other = arns.clusterName(arns.taskDefinition("web", 1));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().type, "InvalidParameterException");
}

TEST(ArnFactoryTest, TaskDefinitionReferenceResolvesOnlyLocalArns) {
  const ArnFactory arns("us-east-1", "123456789012");
  const auto local = arns.taskDefinitionReference(arns.taskDefinition("web", 2));
  ASSERT_TRUE(local.ok()) << local.error().message;
  EXPECT_EQ(local->family, "web");
  EXPECT_EQ(local->revision, 2);
  const auto plain = arns.taskDefinitionReference("web");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->revision, std::nullopt);
  for (const char* foreign : {"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2",
                              "arn:aws:ecs:us-east-1:210987654321:task-definition/web:2"}) {
    const auto ref = arns.taskDefinitionReference(foreign);
    ASSERT_FALSE(ref.ok()) << foreign;
    EXPECT_EQ(ref.error().type, "ClientException") << foreign;
  }
  const auto bad = arns.taskDefinitionReference("web:0");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().type, "ClientException");
}

// --- parseEcsArn ---

TEST(ParseEcsArnTest, SplitsTheParts) {
  const auto arn = parseEcsArn("arn:aws:ecs:us-west-2:111122223333:task/demo/0123abcd");
  ASSERT_TRUE(arn.has_value());
  EXPECT_EQ(arn->region, "us-west-2");
  EXPECT_EQ(arn->accountId, "111122223333");
  EXPECT_EQ(arn->resourceType, "task");
  EXPECT_EQ(arn->resourceId, "demo/0123abcd");  // everything after the first '/'
}

TEST(ParseEcsArnTest, AcceptsOtherPartitions) {
  const auto arn = parseEcsArn("arn:aws-cn:ecs:cn-north-1:111122223333:cluster/c");
  ASSERT_TRUE(arn.has_value());
  EXPECT_EQ(arn->region, "cn-north-1");
  EXPECT_EQ(arn->resourceId, "c");
}

TEST(ParseEcsArnTest, RejectsMalformedAndForeignArns) {
  for (const char* text : {
           "",
           "demo",
           "arn:aws:ecs:us-east-1:123",
           "arn:aws:ecs:us-east-1:123:cluster",   // no '/'
           "arn:aws:ecs:us-east-1:123:cluster/",  // empty id
           "arn:aws:ecs:us-east-1:123:/demo",     // empty type
           "arn:aws:s3:us-east-1:123:cluster/demo",
           "nra:aws:ecs:us-east-1:123:cluster/demo",
       }) {
    EXPECT_FALSE(parseEcsArn(text).has_value()) << text;
  }
}

// --- clusterNameFromReference ---

TEST(ClusterNameFromReferenceTest, NameOrArn) {
  EXPECT_EQ(*clusterNameFromReference("demo"), "demo");
  EXPECT_EQ(*clusterNameFromReference("arn:aws:ecs:us-east-1:123456789012:cluster/demo"), "demo");
}

TEST(ClusterNameFromReferenceTest, OtherArnsAreInvalidParameter) {
  for (const char* text : {"arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
                           "arn:aws:ecs:us-east-1:123456789012:cluster/", "arn:broken"}) {
    const auto name = clusterNameFromReference(text);
    ASSERT_FALSE(name.ok()) << text;
    EXPECT_EQ(name.error().type, "InvalidParameterException") << text;
  }
}

// --- parseTaskDefinitionReference ---

TEST(TaskDefinitionReferenceTest, FamilyAlone) {
  const auto ref = parseTaskDefinitionReference("web");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->family, "web");
  EXPECT_EQ(ref->revision, std::nullopt);
}

TEST(TaskDefinitionReferenceTest, FamilyAndRevision) {
  const auto ref = parseTaskDefinitionReference("web-app_2:17");
  ASSERT_TRUE(ref.ok()) << ref.error().message;
  EXPECT_EQ(ref->family, "web-app_2");
  EXPECT_EQ(ref->revision, 17);
}

TEST(TaskDefinitionReferenceTest, Arn) {
  const auto ref =
      parseTaskDefinitionReference("arn:aws:ecs:us-east-1:123456789012:task-definition/web:3");
  ASSERT_TRUE(ref.ok()) << ref.error().message;
  EXPECT_EQ(ref->family, "web");
  EXPECT_EQ(ref->revision, 3);
}

TEST(TaskDefinitionReferenceTest, ArnWithoutRevisionNamesTheFamily) {
  const auto ref =
      parseTaskDefinitionReference("arn:aws:ecs:us-east-1:123456789012:task-definition/web");
  ASSERT_TRUE(ref.ok()) << ref.error().message;
  EXPECT_EQ(ref->family, "web");
  EXPECT_EQ(ref->revision, std::nullopt);
}

TEST(TaskDefinitionReferenceTest, BadRevisionsAreClientExceptions) {
  for (const char* text :
       {"web:0", "web:x", "web:", "web:-1", "web:1x", "web:+1", "web: 1", "web:99999999999",
        "arn:aws:ecs:us-east-1:123456789012:task-definition/web:0"}) {
    const auto ref = parseTaskDefinitionReference(text);
    ASSERT_FALSE(ref.ok()) << text;
    EXPECT_EQ(ref.error().type, "ClientException") << text;
  }
}

TEST(TaskDefinitionReferenceTest, ArnOfAnotherResourceIsClientException) {
  const auto ref = parseTaskDefinitionReference("arn:aws:ecs:us-east-1:123456789012:cluster/web");
  ASSERT_FALSE(ref.ok());
  EXPECT_EQ(ref.error().type, "ClientException");
}

// --- isValidName ---

TEST(IsValidNameTest, LettersDigitsHyphensUnderscores) {
  EXPECT_TRUE(isValidName("a"));
  EXPECT_TRUE(isValidName("Web-App_01"));
  EXPECT_TRUE(isValidName(std::string(255, 'x')));
}

TEST(IsValidNameTest, RejectsEverythingElse) {
  EXPECT_FALSE(isValidName(""));
  EXPECT_FALSE(isValidName(std::string(256, 'x')));
  for (const char* name : {"has space", "colon:1", "slash/x", "dot.x", "star*", "caf\xc3\xa9"}) {
    EXPECT_FALSE(isValidName(name)) << name;
  }
}

// --- Tags ---

Tags numberedTags(int count) {
  Tags tags;
  for (int i = 0; i < count; ++i) tags.push_back({std::to_string(i) + "-key", "v"});
  return tags;
}

TEST(ValidateTagsTest, AcceptsTagsWithinEcsLimits) {
  EXPECT_TRUE(validateTags({}).ok());
  EXPECT_TRUE(validateTags(numberedTags(50)).ok());
  EXPECT_TRUE(validateTags({{std::string(128, 'k'), std::string(256, 'v')}}).ok());
  EXPECT_TRUE(validateTags({{"k", ""}}).ok());
  // Only the prefix is reserved: "aws" elsewhere in a key is fine.
  EXPECT_TRUE(validateTags({{"awsx", "1"}, {"my:aws:key", "2"}, {"aws", "3"}}).ok());
  // ECS's marks, and letters of any script, counted as characters, not bytes.
  EXPECT_TRUE(validateTags({{"team/app_1.x", "a+b=c-d@e f:g"}}).ok());
  std::string accents;
  for (int i = 0; i < 256; ++i) accents += "\u00e9";
  EXPECT_TRUE(validateTags({{"\u00e9t\u00e9", accents}}).ok());
}

TEST(ValidateTagsTest, RejectsTagsBeyondEcsLimits) {
  const std::vector<Tags> bad = {
      numberedTags(51),
      {{"", "v"}},
      {{std::string(129, 'k'), "v"}},
      {{"k", std::string(257, 'v')}},
      {{"a", "1"}, {"a", "2"}},
      {{"aws:created-by", "me"}},
      {{"AWS:x", "me"}},
      {{"aWs:x", "me"}},
      {{"k", std::string("a\0b", 3)}},
      {{std::string("k\0", 2), "v"}},
      {{"k", "line\nbreak"}},
      {{"k", "semi;colon"}},
      {{"k<", "v"}},
      {{"k", "\xC2\x85"}},  // U+0085, a C1 control
  };
  for (const auto& tags : bad) {
    const Status status = validateTags(tags);
    ASSERT_FALSE(status.ok()) << tagsToJson(tags).dump().substr(0, 80);
    EXPECT_EQ(status.error().type, "InvalidParameterException");
  }
}

TEST(MergeTagsTest, AddsNewKeysAndReplacesValuesInPlace) {
  const Tags merged = mergeTags({{"a", "1"}, {"b", "2"}}, {{"b", "20"}, {"c", "3"}});
  EXPECT_EQ(merged, (Tags{{"a", "1"}, {"b", "20"}, {"c", "3"}}));
  EXPECT_EQ(mergeTags({}, {{"x", ""}}), (Tags{{"x", ""}}));
  EXPECT_EQ(mergeTags({{"x", "1"}}, {}), (Tags{{"x", "1"}}));
}

TEST(RemoveTagKeysTest, RemovesOnlyTheNamedKeys) {
  const Tags existing = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  EXPECT_EQ(removeTagKeys(existing, {"b", "missing"}), (Tags{{"a", "1"}, {"c", "3"}}));
  EXPECT_EQ(removeTagKeys(existing, {}), existing);
  EXPECT_TRUE(removeTagKeys(existing, {"a", "b", "c"}).empty());
  // Keys are case-sensitive, as in ECS.
  EXPECT_EQ(removeTagKeys(existing, {"A"}), existing);
}

TEST(TagsJsonTest, RoundTripsInTheApiShape) {
  const Tags tags = {{"env", "prod"}, {"empty", ""}, {"unicode", "\xc3\xa9t\xc3\xa9"}};
  const json encoded = tagsToJson(tags);
  EXPECT_EQ(encoded, json::parse(R"([{"key":"env","value":"prod"},{"key":"empty","value":""},
                                     {"key":"unicode","value":"\u00e9t\u00e9"}])"));
  const auto decoded = tagsFromJson(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, tags);
  EXPECT_EQ(tagsToJson({}), json::array());
}

TEST(TagsJsonTest, MissingValueIsEmpty) {
  const auto decoded = tagsFromJson(json::parse(R"([{"key":"k"}])"));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, (Tags{{"k", ""}}));
}

TEST(TagsJsonTest, WrongShapesAreSerializationExceptions) {
  for (const char* text : {R"({"key":"k","value":"v"})", R"(["k"])", R"([{"value":"v"}])",
                           R"([{"key":1,"value":"v"}])", R"([{"key":"k","value":2}])", "null"}) {
    const auto decoded = tagsFromJson(json::parse(text));
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.error().type, "SerializationException") << text;
  }
}

}  // namespace
}  // namespace ecsd

namespace ecsd {
namespace {
TEST(ArnLocalityTest, AnotherPartitionIsNotLocal) {
  const ArnFactory arns("us-east-1", "123456789012");
  EXPECT_TRUE(arns.isLocal(*parseEcsArn("arn:aws:ecs:us-east-1:123456789012:cluster/c")));
  EXPECT_FALSE(arns.isLocal(*parseEcsArn("arn:aws-cn:ecs:us-east-1:123456789012:cluster/c")));
  EXPECT_FALSE(arns.resourceId("arn:aws-cn:ecs:us-east-1:123456789012:task/c/abc", "task"));
  EXPECT_EQ(*arns.resourceId("arn:aws:ecs:us-east-1:123456789012:task/c/abc", "task"), "abc");
  EXPECT_EQ(*arns.resourceId("arn:aws:ecs:us-east-1:123456789012:task/abc", "task"), "abc");
}
}  // namespace
}  // namespace ecsd
