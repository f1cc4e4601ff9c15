// JsonWriter: what it writes reads back as the document nlohmann would have
// printed, escapes included.
#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <limits>

#include "protocol/json_protocol.h"

namespace ecsd::protocol {
namespace {

using nlohmann::json;

TEST(JsonWriterTest, WritesNestedContainersWithTheirCommas) {
  JsonWriter out;
  out.beginObject().member("name", "web").member("count", 3).member("on", true);
  out.key("empty").beginArray().endArray();
  out.key("list").beginArray().value(1).beginObject().member("a", "b").endObject().value(false);
  out.endArray().key("doc").value(json{{"x", {1, 2}}}).endObject();
  const std::string text = out.take();
  EXPECT_EQ(text, R"({"name":"web","count":3,"on":true,"empty":[],"list":[1,{"a":"b"},false],)"
                  R"("doc":{"x":[1,2]}})");
  EXPECT_EQ(json::parse(text)["list"][1]["a"], "b");
  EXPECT_EQ(out.take(), "");
}

TEST(JsonWriterTest, EscapesAsJsonRequires) {
  const std::string nasty = std::string("q\"b\\s/\b\f\n\r\t\x01\x1f caf\xc3\xa9 ") + '\0' + "end";
  JsonWriter out;
  out.beginArray().value(nasty).endArray();
  const std::string text = out.take();
  EXPECT_EQ(json::parse(text)[0].get<std::string>(), nasty);
  EXPECT_EQ(text, json::array({nasty}).dump());  // the same escapes nlohmann writes
}

TEST(JsonWriterTest, AnEscapedKeyReadsBackAsItWasGiven) {
  const std::string name = "A\"B\\C\n";
  JsonWriter out;
  out.beginObject().escapedKey(name).value("v").member("next", 1).endObject();
  const json parsed = json::parse(out.take());
  EXPECT_EQ(parsed, json({{name, "v"}, {"next", 1}}));
}

TEST(JsonWriterTest, NumbersReadBackExactlyAndDoublesStayDoubles) {
  JsonWriter out;
  out.beginArray().value(1700000000.123).value(0.0).value(-2.5).value(1e300);
  out.value(std::numeric_limits<std::int64_t>::min()).value(-7);
  out.value(std::numeric_limits<double>::quiet_NaN()).endArray();
  const json back = json::parse(out.take());
  EXPECT_EQ(back[0].get<double>(), 1700000000.123);
  EXPECT_TRUE(back[1].is_number_float());
  EXPECT_EQ(back[1].dump(), "0.0");
  EXPECT_EQ(back[2].get<double>(), -2.5);
  EXPECT_EQ(back[3].get<double>(), 1e300);
  EXPECT_EQ(back[4].get<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(back[5], -7);
  EXPECT_TRUE(back[6].is_null());
}

TEST(AnswerTest, AWrittenAnswerIsSentAsWrittenAndReadsBackAsADocument) {
  const Answer written = Answer::text(R"({"tasks":[],"failures":[]})");
  EXPECT_EQ(written.dump(), R"({"tasks":[],"failures":[]})");
  EXPECT_EQ(written.document(), (json{{"tasks", json::array()}, {"failures", json::array()}}));
  const Answer document = json{{"a", 1}};
  EXPECT_EQ(document.dump(), R"({"a":1})");
}

}  // namespace
}  // namespace ecsd::protocol
