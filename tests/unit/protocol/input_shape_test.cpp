#include "protocol/input_shape.h"

#include <gtest/gtest.h>

#include "operations/api_contract.h"

namespace ecsd::protocol {
namespace {

using json = nlohmann::json;

constexpr std::string_view kContract = R"({
  "operations": {"Run": "RunRequest"},
  "shapes": {
    "RunRequest": {"structure": {"count": "integer", "big": "long", "at": "timestamp",
                                 "on": "boolean", "name": "string", "weight": "double",
                                 "overrides": "Overrides", "labels": "Labels"}},
    "Overrides": {"structure": {"containers": "Containers"}},
    "Containers": {"list": "Container"},
    "Container": {"structure": {"environment": "Pairs", "nested": "Overrides"}},
    "Pairs": {"list": "Pair"},
    "Pair": {"structure": {"name": "string", "value": "string"}},
    "Labels": {"map": "string"}
  }
})";

const Shape& runRequest() {
  static const auto shapes = InputShapes::parse(kContract);
  EXPECT_TRUE(shapes.ok()) << shapes.error().message;
  return *shapes.value().input("Run");
}

std::string refusal(json input) {
  const auto checked = conformInput(runRequest(), input);
  if (checked.ok()) return "";
  EXPECT_EQ(checked.error().type, "SerializationException");
  EXPECT_EQ(checked.error().httpStatus, 400);
  return checked.error().message;
}

TEST(InputShapeTest, AcceptsEveryMemberOfItsDeclaredTypeAndIgnoresUnknownOnes) {
  EXPECT_EQ(refusal(json::parse(R"({
    "count": 3, "big": 9007199254740993, "at": 1700000000.25, "on": true, "name": "x",
    "weight": 2, "labels": {"a": "b"}, "unknown": [1, {"x": 2}], "name2": 7,
    "overrides": {"containers": [{"environment": [{"name": "A", "value": "1"}],
                                  "nested": {"containers": []}}]}})")),
            "");
  EXPECT_EQ(refusal(json::object()), "");
}

TEST(InputShapeTest, DropsUndeclaredMembersAtAnyDepth) {
  json input = json::parse(R"({
    "name": "x", "junk": "y" , "labels": {"free": "form"},
    "overrides": {"extra": 1, "containers": [{"environment": [{"name": "A", "size": 9}],
                                               "huge": [1, 2, 3]}]}})");
  ASSERT_TRUE(conformInput(runRequest(), input).ok());
  EXPECT_EQ(input, json::parse(R"({
    "name": "x", "labels": {"free": "form"},
    "overrides": {"containers": [{"environment": [{"name": "A"}]}]}})"));
}

TEST(InputShapeTest, NullMembersAreAbsent) {
  EXPECT_EQ(refusal({{"count", nullptr}, {"overrides", {{"containers", nullptr}}}}), "");
}

TEST(InputShapeTest, RefusesAWrongTypeAtAnyDepthNamingItsPath) {
  EXPECT_EQ(refusal({{"name", 3}}), "Invalid type for parameter name: expected a string");
  EXPECT_EQ(refusal({{"overrides", "x"}}),
            "Invalid type for parameter overrides: expected a structure");
  EXPECT_EQ(refusal({{"overrides", {{"containers", "x"}}}}),
            "Invalid type for parameter overrides.containers: expected a list");
  EXPECT_EQ(refusal(json::parse(
                R"({"overrides": {"containers": [{}, {"environment": [{"name": 3}]}]}})")),
            "Invalid type for parameter overrides.containers[1].environment[0].name: "
            "expected a string");
  EXPECT_EQ(refusal(json::parse(R"({"overrides": {"containers": [{"nested": []}]}})")),
            "Invalid type for parameter overrides.containers[0].nested: expected a structure");
  EXPECT_EQ(refusal({{"labels", {{"k", 1}}}}),
            "Invalid type for parameter labels.k: expected a string");
  EXPECT_EQ(refusal({{"labels", json::array()}}),
            "Invalid type for parameter labels: expected a map");
}

TEST(InputShapeTest, ScalarsAreStrict) {
  EXPECT_NE(refusal({{"count", "3"}}), "");
  EXPECT_NE(refusal({{"count", 1.5}}), "");
  EXPECT_NE(refusal({{"count", 2147483648LL}}), "");  // past 32 bits
  EXPECT_EQ(refusal({{"count", -2147483648LL}}), "");
  EXPECT_NE(refusal({{"big", 18446744073709551615ULL}}), "");  // past 64 signed bits
  EXPECT_NE(refusal({{"on", "true"}}), "");
  EXPECT_NE(refusal({{"on", 1}}), "");
  EXPECT_NE(refusal({{"at", "2024-01-01T00:00:00Z"}}), "");
  EXPECT_NE(refusal({{"weight", false}}), "");
  EXPECT_NE(refusal({{"overrides", {{"containers", {nullptr}}}}}), "");  // null as an element
}

TEST(InputShapeTest, AMalformedContractIsAnError) {
  EXPECT_FALSE(InputShapes::parse("[]").ok());
  EXPECT_FALSE(InputShapes::parse(R"({"operations": {"Run": "Missing"}, "shapes": {}})").ok());
  EXPECT_FALSE(
      InputShapes::parse(R"({"operations": {}, "shapes": {"A": {"structure": {"b": "Nowhere"}}}})")
          .ok());
  EXPECT_FALSE(
      InputShapes::parse(R"({"operations": {}, "shapes": {"A": {"tuple": "string"}}})").ok());
}

TEST(InputShapeTest, TheCompiledInContractDeclaresEveryImplementedOperation) {
  for (const auto& [name, contract] : operations::apiContract()) {
    if (contract.status == "implemented") {
      EXPECT_NE(operations::inputShapes().input(name), nullptr) << name;
    }
  }
  const Shape* runTask = operations::inputShapes().input("RunTask");
  ASSERT_NE(runTask, nullptr);
  json wrong = {{"overrides", {{"containerOverrides", "x"}}}};
  EXPECT_FALSE(conformInput(*runTask, wrong).ok());
}

}  // namespace
}  // namespace ecsd::protocol
