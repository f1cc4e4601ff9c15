// Writes JSON text straight into a string, for the large answers: building
// an nlohmann::json document first costs an allocation per member and value
// (DescribeContainerInstances of 100 is some 9,000), then a walk to print it.
// The writer puts the commas in; the caller keeps objects and arrays balanced.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace ecsd {

class JsonWriter {
 public:
  explicit JsonWriter(std::size_t expectedBytes = 0) { out_.reserve(expectedBytes); }

  JsonWriter& beginObject() { return open('{'); }
  JsonWriter& endObject() { return close('}'); }
  JsonWriter& beginArray() { return open('['); }
  JsonWriter& endArray() { return close(']'); }
  // A member's name: one of the API's, so written as it is, not escaped.
  JsonWriter& key(std::string_view name);
  // A member's name that came from a user (an environment variable's).
  JsonWriter& escapedKey(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(double number);  // as nlohmann prints it: 1.5, 0.0, null for NaN
  JsonWriter& value(bool flag);
  JsonWriter& value(const nlohmann::json& document);  // printed as it is
  JsonWriter& raw(std::string_view json);             // a value already written as JSON text

  template <class T>
  JsonWriter& member(std::string_view name, const T& v) {
    return key(name).value(v);
  }

  // The text so far; the writer is empty afterwards.
  std::string take();

 private:
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);
  void separate();  // a comma before every value of a container but its first
  void escaped(std::string_view text);

  std::string out_;
  std::vector<bool> hasItems_;  // per open container
  bool afterKey_ = false;
};

}  // namespace ecsd
