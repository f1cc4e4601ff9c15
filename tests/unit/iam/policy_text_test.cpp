#include "ecsd/iam/policy_text.h"

#include <gtest/gtest.h>

namespace ecsd::iam {
namespace {

ConditionContext alice() {
  ConditionContext context;
  context.set("aws:username", "alice");
  context.set("aws:PrincipalTag/team", "web");
  context.set("aws:TagKeys", std::vector<std::string>{"a", "b"});
  return context;
}

TEST(PolicyTextTest, SubstitutesVariables) {
  const auto text = PolicyText::compile("arn:aws:s3:::bucket/${aws:username}/*", true, true);
  EXPECT_TRUE(text.matches("arn:aws:s3:::bucket/alice/notes.txt", alice(), Match::Text));
  EXPECT_FALSE(text.matches("arn:aws:s3:::bucket/bob/notes.txt", alice(), Match::Text));
  EXPECT_EQ(text.text(), "arn:aws:s3:::bucket/${aws:username}/*");
}

TEST(PolicyTextTest, VariableKeysAreCaseInsensitive) {
  const auto text = PolicyText::compile("${AWS:UserName}-${aws:principaltag/TEAM}", false, true);
  EXPECT_TRUE(text.matches("alice-web", alice(), Match::Text));
}

TEST(PolicyTextTest, UnresolvedVariableMatchesNothing) {
  const auto text = PolicyText::compile("${aws:userid}", true, true);
  EXPECT_FALSE(text.matches("", alice(), Match::Text));
  EXPECT_FALSE(text.matches("${aws:userid}", alice(), Match::Text));
  // A multivalued key is no variable.
  EXPECT_FALSE(
      PolicyText::compile("${aws:TagKeys}", true, true).matches("a", alice(), Match::Text));
}

TEST(PolicyTextTest, DefaultValueWhenTheKeyIsAbsent) {
  const auto text = PolicyText::compile("home/${aws:userid, 'anonymous'}", false, true);
  EXPECT_TRUE(text.matches("home/anonymous", alice(), Match::Text));
  ConditionContext withId;
  withId.set("aws:userid", "AIDA1");
  EXPECT_TRUE(text.matches("home/AIDA1", withId, Match::Text));
  EXPECT_FALSE(text.matches("home/anonymous", withId, Match::Text));
}

TEST(PolicyTextTest, SubstitutedValuesAreLiteral) {
  ConditionContext context;
  context.set("aws:username", "a*");
  const auto text = PolicyText::compile("${aws:username}", true, true);
  EXPECT_TRUE(text.matches("a*", context, Match::Text));
  EXPECT_FALSE(text.matches("abc", context, Match::Text));
}

TEST(PolicyTextTest, SpecialCharacterVariables) {
  const auto text = PolicyText::compile("a${*}b${?}c${$}d*", true, true);
  EXPECT_TRUE(text.matches("a*b?c$d", alice(), Match::Text));
  EXPECT_TRUE(text.matches("a*b?c$dtail", alice(), Match::Text));
  EXPECT_FALSE(text.matches("aXbYc$d", alice(), Match::Text));
}

TEST(PolicyTextTest, WithoutVariablesTheTextIsLiteral) {
  // Version 2008-10-17: "${aws:username}" is just text.
  const auto text = PolicyText::compile("user/${aws:username}", false, false);
  EXPECT_TRUE(text.matches("user/${aws:username}", alice(), Match::Text));
  EXPECT_FALSE(text.matches("user/alice", alice(), Match::Text));
}

TEST(PolicyTextTest, WildcardsOnlyWhenAsked) {
  EXPECT_TRUE(PolicyText::compile("a*", true, false).matches("abc", {}, Match::Text));
  EXPECT_FALSE(PolicyText::compile("a*", false, false).matches("abc", {}, Match::Text));
  EXPECT_TRUE(PolicyText::compile("a*", false, false).matches("a*", {}, Match::Text));
  EXPECT_TRUE(PolicyText::compile("a\\b", true, false).matches("a\\b", {}, Match::Text));
}

TEST(PolicyTextTest, UnterminatedVariableIsText) {
  EXPECT_TRUE(PolicyText::compile("a${b", false, true).matches("a${b", {}, Match::Text));
}

}  // namespace
}  // namespace ecsd::iam
