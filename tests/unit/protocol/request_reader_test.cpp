#include "protocol/request_reader.h"

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "ecsd/errors.h"

namespace ecsd::protocol {
namespace {

using nlohmann::json;

// The error `read` throws, or a ServerException naming that it threw none.
Error thrown(const std::function<void()>& read) {
  try {
    read();
  } catch (const ApiError& e) {
    return e.error();
  }
  return errors::server("no ApiError thrown");
}

TEST(RequestReaderTest, HasIgnoresNullAndAbsentMembers) {
  const json input = {{"a", "x"}, {"n", nullptr}, {"empty", ""}, {"zero", 0}};
  const RequestReader in(input);
  EXPECT_TRUE(in.has("a"));
  EXPECT_TRUE(in.has("empty"));
  EXPECT_TRUE(in.has("zero"));
  EXPECT_FALSE(in.has("n"));
  EXPECT_FALSE(in.has("missing"));
  EXPECT_EQ(&in.raw(), &input);
}

TEST(RequestReaderTest, OptString) {
  const json input = {{"s", "demo"}, {"n", nullptr}, {"i", 3}};
  const RequestReader in(input);
  EXPECT_EQ(in.optString("s"), "demo");
  EXPECT_EQ(in.optString("n"), std::nullopt);
  EXPECT_EQ(in.optString("missing"), std::nullopt);
  const Error e = thrown([&] { (void)in.optString("i"); });
  EXPECT_EQ(e.type, "SerializationException");
  EXPECT_NE(e.message.find("i"), std::string::npos);
}

TEST(RequestReaderTest, RequiredString) {
  const json input = {{"s", "demo"}, {"n", nullptr}, {"e", ""}, {"o", json::object()}};
  const RequestReader in(input);
  EXPECT_EQ(in.requiredString("s"), "demo");
  for (const char* member : {"n", "e", "missing"}) {
    const Error e = thrown([&] { (void)in.requiredString(member); });
    EXPECT_EQ(e.type, "InvalidParameterException") << member;
    EXPECT_NE(e.message.find(member), std::string::npos) << e.message;
  }
  EXPECT_EQ(thrown([&] { (void)in.requiredString("o"); }).type, "SerializationException");
}

TEST(RequestReaderTest, OptIntWithinRange) {
  const json input = {{"low", 1}, {"high", 100}, {"n", nullptr}};
  const RequestReader in(input);
  EXPECT_EQ(in.optInt("low", 1, 100), 1);
  EXPECT_EQ(in.optInt("high", 1, 100), 100);
  EXPECT_EQ(in.optInt("n", 1, 100), std::nullopt);
  EXPECT_EQ(in.optInt("missing", 1, 100), std::nullopt);
}

TEST(RequestReaderTest, OptIntOutOfRangeIsInvalidParameter) {
  const json input = {{"zero", 0},
                      {"big", 101},
                      {"huge", std::numeric_limits<long long>::max()},
                      {"negative", std::numeric_limits<long long>::min()}};
  const RequestReader in(input);
  for (const char* member : {"zero", "big", "huge", "negative"}) {
    const Error e = thrown([&] { (void)in.optInt(member, 1, 100); });
    EXPECT_EQ(e.type, "InvalidParameterException") << member;
  }
  EXPECT_NE(thrown([&] { (void)in.optInt("big", 1, 100); }).message.find("between 1 and 100"),
            std::string::npos);
}

TEST(RequestReaderTest, OptIntOfWrongTypeIsSerialization) {
  const json input = {{"s", "5"}, {"f", 5.5}, {"b", true}, {"l", {5}}};
  const RequestReader in(input);
  for (const char* member : {"s", "f", "b", "l"}) {
    EXPECT_EQ(thrown([&] { (void)in.optInt(member, 1, 100); }).type, "SerializationException")
        << member;
  }
}

TEST(RequestReaderTest, OptBool) {
  const json input = {{"t", true}, {"f", false}, {"n", nullptr}, {"s", "true"}, {"i", 1}};
  const RequestReader in(input);
  EXPECT_EQ(in.optBool("t"), true);
  EXPECT_EQ(in.optBool("f"), false);
  EXPECT_EQ(in.optBool("n"), std::nullopt);
  EXPECT_EQ(in.optBool("missing"), std::nullopt);
  EXPECT_EQ(thrown([&] { (void)in.optBool("s"); }).type, "SerializationException");
  EXPECT_EQ(thrown([&] { (void)in.optBool("i"); }).type, "SerializationException");
}

TEST(RequestReaderTest, StringList) {
  const json input = {{"l", {"a", "b"}}, {"empty", json::array()},
                      {"n", nullptr},    {"mixed", {"a", 1}},
                      {"s", "a"},        {"nulls", {nullptr}}};
  const RequestReader in(input);
  EXPECT_EQ(in.stringList("l"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(in.stringList("empty").empty());
  EXPECT_TRUE(in.stringList("n").empty());
  EXPECT_TRUE(in.stringList("missing").empty());
  for (const char* member : {"mixed", "s", "nulls"}) {
    EXPECT_EQ(thrown([&] { (void)in.stringList(member); }).type, "SerializationException")
        << member;
  }
}

TEST(RequestReaderTest, OptEnum) {
  const json input = {{"sort", "DESC"}, {"bad", "desc"}, {"n", nullptr}, {"i", 1}};
  const RequestReader in(input);
  EXPECT_EQ(in.optEnum("sort", {"ASC", "DESC"}), "DESC");
  EXPECT_EQ(in.optEnum("n", {"ASC", "DESC"}), std::nullopt);
  EXPECT_EQ(in.optEnum("missing", {"ASC", "DESC"}), std::nullopt);
  const Error e = thrown([&] { (void)in.optEnum("bad", {"ASC", "DESC"}); });
  EXPECT_EQ(e.type, "InvalidParameterException");
  EXPECT_NE(e.message.find("desc"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("ASC, DESC"), std::string::npos) << e.message;
  EXPECT_EQ(thrown([&] { (void)in.optEnum("i", {"ASC"}); }).type, "SerializationException");
}

TEST(RequestReaderTest, OptObjectAndList) {
  const json input = {{"o", {{"k", 1}}}, {"l", {1, "x"}}, {"n", nullptr}};
  const RequestReader in(input);
  EXPECT_EQ(in.optObject("o"), json({{"k", 1}}));
  EXPECT_TRUE(in.optObject("n").is_null());
  EXPECT_TRUE(in.optObject("missing").is_null());
  EXPECT_EQ(thrown([&] { (void)in.optObject("l"); }).type, "SerializationException");

  EXPECT_EQ(in.list("l"), json({1, "x"}));
  EXPECT_EQ(in.list("n"), json::array());
  EXPECT_EQ(in.list("missing"), json::array());
  EXPECT_EQ(thrown([&] { (void)in.list("o"); }).type, "SerializationException");
}

TEST(RequestReaderTest, Tags) {
  const json input = {
      {"tags", {{{"key", "env"}, {"value", "prod"}}, {{"key", "team"}, {"value", ""}}}},
      {"noValue", {{{"key", "k"}}}},
      {"n", nullptr}};
  const RequestReader in(input);
  EXPECT_EQ(in.tags("tags"), (Tags{{"env", "prod"}, {"team", ""}}));
  EXPECT_EQ(in.tags("noValue"), (Tags{{"k", ""}}));
  EXPECT_TRUE(in.tags("n").empty());
  EXPECT_TRUE(in.tags("missing").empty());
}

TEST(RequestReaderTest, TagsOfWrongShapeAreSerialization) {
  const json input = {{"object", {{"key", "a"}}},
                      {"strings", {"a=b"}},
                      {"numericKey", {{{"key", 1}, {"value", "v"}}}},
                      {"numericValue", {{{"key", "k"}, {"value", 1}}}},
                      {"noKey", {{{"value", "v"}}}}};
  const RequestReader in(input);
  for (const char* member : {"object", "strings", "numericKey", "numericValue", "noKey"}) {
    EXPECT_EQ(thrown([&] { (void)in.tags(member); }).type, "SerializationException") << member;
  }
}

TEST(RequestReaderTest, TagsBreakingEcsRulesAreInvalidParameter) {
  json tooMany = json::array();
  for (int i = 0; i < 51; ++i) tooMany.push_back({{"key", std::to_string(i) + "k"}, {"value", ""}});
  const json input = {
      {"reserved", {{{"key", "aws:owner"}, {"value", "me"}}}},
      {"duplicate", {{{"key", "a"}, {"value", "1"}}, {{"key", "a"}, {"value", "2"}}}},
      {"emptyKey", {{{"key", ""}, {"value", "v"}}}},
      {"tooMany", tooMany}};
  const RequestReader in(input);
  for (const char* member : {"reserved", "duplicate", "emptyKey", "tooMany"}) {
    EXPECT_EQ(thrown([&] { (void)in.tags(member); }).type, "InvalidParameterException") << member;
  }
}

TEST(OrThrowTest, ReturnsValuesAndThrowsErrors) {
  EXPECT_EQ(orThrow(Result<int>(7)), 7);
  EXPECT_NO_THROW(orThrow(Status{}));
  EXPECT_EQ(thrown([] { (void)orThrow(Result<int>(errors::client("bad"))); }).type,
            "ClientException");
  const Error e = thrown([] { orThrow(Status(errors::limitExceeded("limit"))); });
  EXPECT_EQ(e.type, "LimitExceededException");
  EXPECT_EQ(e.message, "limit");
}

TEST(ApiErrorTest, WhatIsTheMessage) {
  const ApiError error(errors::client("something went wrong"));
  EXPECT_STREQ(error.what(), "something went wrong");
  EXPECT_EQ(error.error().type, "ClientException");
}

}  // namespace
}  // namespace ecsd::protocol
