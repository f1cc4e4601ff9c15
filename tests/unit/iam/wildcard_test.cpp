#include "ecsd/iam/wildcard.h"

#include <gtest/gtest.h>

namespace ecsd::iam {
namespace {

TEST(WildcardTest, StarMatchesAnyRunIncludingNone) {
  EXPECT_TRUE(wildcardMatch("*", ""));
  EXPECT_TRUE(wildcardMatch("*", "anything:at/all"));
  EXPECT_TRUE(wildcardMatch("ecs:Describe*", "ecs:Describe"));
  EXPECT_TRUE(wildcardMatch("ecs:Describe*", "ecs:DescribeClusters"));
  EXPECT_TRUE(wildcardMatch("iam:*AccessKey*", "iam:CreateAccessKey"));
  EXPECT_TRUE(wildcardMatch("iam:*AccessKey*", "iam:ListAccessKeys"));
  EXPECT_TRUE(wildcardMatch("a*b*c", "aXXbYYbc"));
  EXPECT_FALSE(wildcardMatch("ecs:Describe*", "ecs:ListClusters"));
  EXPECT_FALSE(wildcardMatch("a*b", "ab c"));
  EXPECT_FALSE(wildcardMatch("", "x"));
  EXPECT_TRUE(wildcardMatch("", ""));
}

TEST(WildcardTest, QuestionMarkMatchesExactlyOneCharacter) {
  EXPECT_TRUE(wildcardMatch("ecs:?unTask", "ecs:RunTask"));
  EXPECT_FALSE(wildcardMatch("ecs:?unTask", "ecs:unTask"));
  EXPECT_FALSE(wildcardMatch("ecs:?unTask", "ecs:RRunTask"));
  EXPECT_TRUE(wildcardMatch("t?.*", "t2.micro"));
  // One character, not one byte: "é" is two bytes in UTF-8.
  EXPECT_TRUE(wildcardMatch("caf?", "caf\xC3\xA9"));
  EXPECT_FALSE(wildcardMatch("caf??", "caf\xC3\xA9"));
}

TEST(WildcardTest, WholeTextMustMatch) {
  EXPECT_FALSE(wildcardMatch("ecs:RunTask", "ecs:RunTasks"));
  EXPECT_FALSE(wildcardMatch("ecs:RunTask", "xecs:RunTask"));
}

TEST(WildcardTest, CaseSensitiveUnlessAsked) {
  EXPECT_FALSE(wildcardMatch("ecs:runtask", "ecs:RunTask"));
  EXPECT_TRUE(wildcardMatch("ecs:runtask", "ecs:RunTask", Case::Insensitive));
  EXPECT_TRUE(wildcardMatch("ECS:RUN*", "ecs:RunTask", Case::Insensitive));
}

TEST(WildcardTest, EscapedWildcardsAreLiteral) {
  const std::string star = escapeWildcards("a*b?c\\d");
  EXPECT_EQ(star, "a\\*b\\?c\\\\d");
  EXPECT_TRUE(wildcardMatch(star, "a*b?c\\d"));
  EXPECT_FALSE(wildcardMatch(star, "aXbYc\\d"));
  EXPECT_TRUE(wildcardMatch("pre\\**", "pre*fix"));
  EXPECT_FALSE(wildcardMatch("pre\\**", "prefix"));
}

TEST(WildcardTest, BacktrackingFindsLaterMatches) {
  EXPECT_TRUE(wildcardMatch("*task-definition/web:*", "arn:aws:ecs:r:1:task-definition/web:12"));
  EXPECT_TRUE(wildcardMatch("*aab", "aaaab"));
  EXPECT_FALSE(wildcardMatch("*aab", "aaaaba"));
}

// IAM JSON policy elements: Condition operators, ARN operators: "Each of the
// six colon-delimited components of the ARN is checked separately".
TEST(ArnMatchTest, MatchesPartByPart) {
  const std::string pattern = "arn:aws:someservice:*:111122223333:finance/*";
  const std::string value =
      "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
  EXPECT_TRUE(wildcardMatch(pattern, value));  // as StringLike: the first '*' spans colons
  EXPECT_FALSE(arnMatch(pattern, value));      // as ArnLike: it stops at the region
  EXPECT_TRUE(arnMatch(pattern, "arn:aws:someservice:us-east-2:111122223333:finance/doc.txt"));
}

TEST(ArnMatchTest, ResourcePartKeepsItsColons) {
  EXPECT_TRUE(arnMatch("arn:aws:ecs:*:*:task-definition/web:*",
                       "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3"));
  EXPECT_FALSE(arnMatch("arn:aws:ecs:*:*:task-definition/web:*",
                        "arn:aws:ecs:us-east-1:000000000000:task-definition/db:3"));
}

TEST(ArnMatchTest, FewerThanSixPartsMatchNothing) {
  EXPECT_FALSE(arnMatch("*", "arn:aws:ecs:us-east-1:1:cluster/a"));
  EXPECT_FALSE(arnMatch("arn:aws:ecs:*:*:*", "not-an-arn"));
  EXPECT_TRUE(arnMatch("arn:*:*:*:*:*", "arn:aws:s3:::bucket"));
}

TEST(ArnMatchTest, CaseSensitive) {
  EXPECT_FALSE(arnMatch("arn:aws:ecs:*:*:cluster/Prod", "arn:aws:ecs:r:1:cluster/prod"));
}

}  // namespace
}  // namespace ecsd::iam
