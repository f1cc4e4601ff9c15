// A task's containerOverrides read one way for placement and for the payload.
#include "ecsd/domain/task_overrides.h"

#include <gtest/gtest.h>

namespace ecsd {
namespace {

using nlohmann::json;

TEST(TaskOverridesTest, FindsTheEntryNamingTheContainer) {
  const json overrides = json::parse(R"({"containerOverrides":[
      {"name":"web","cpu":128},{"name":"db","memory":512}]})");
  const json* db = containerOverride(overrides, "db");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->at("memory"), 512);
  EXPECT_EQ(containerOverride(overrides, "cache"), nullptr);
  EXPECT_EQ(containerOverrides(overrides).size(), 2u);
}

TEST(TaskOverridesTest, NoListOrMalformedEntriesMatchNothing) {
  for (const char* text : {R"({})", R"(null)", R"({"containerOverrides":"x"})",
                           R"({"containerOverrides":[3,{"name":7},{"cpu":1}]})"}) {
    const json overrides = json::parse(text);
    EXPECT_EQ(containerOverride(overrides, "web"), nullptr) << text;
  }
  EXPECT_TRUE(containerOverrides(json::parse(R"({"containerOverrides":"x"})")).empty());
}

}  // namespace
}  // namespace ecsd
