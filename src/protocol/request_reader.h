// Typed access to an operation's JSON input. A member of the wrong type is a
// SerializationException; a missing required member or a value out of range
// an InvalidParameterException.
//
// Handlers read many members in a row, so these accessors throw ApiError
// instead of returning Result; the router catches it and turns it back into a
// value, so no exception crosses the operations boundary.
#pragma once

#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ecsd/domain/tag.h"
#include "ecsd/result.h"

namespace ecsd::protocol {

class ApiError : public std::exception {
 public:
  explicit ApiError(Error error) : error_(std::move(error)) {}
  const Error& error() const { return error_; }
  const char* what() const noexcept override { return error_.message.c_str(); }

 private:
  Error error_;
};

// Throws the error of a failed result; returns the value of a good one.
template <class T>
T orThrow(Result<T> result) {
  if (!result.ok()) throw ApiError(result.error());
  return std::move(result).value();
}
inline void orThrow(const Status& status) {
  if (!status.ok()) throw ApiError(status.error());
}

class RequestReader {
 public:
  explicit RequestReader(const nlohmann::json& input) : input_(input) {}

  bool has(std::string_view member) const;
  std::optional<std::string> optString(std::string_view member) const;
  std::string requiredString(std::string_view member) const;
  std::optional<int> optInt(std::string_view member, int min, int max) const;
  std::optional<bool> optBool(std::string_view member) const;
  // Absent -> empty.
  std::vector<std::string> stringList(std::string_view member) const;
  // A string that must be one of allowed.
  std::optional<std::string> optEnum(std::string_view member,
                                     const std::vector<std::string_view>& allowed) const;
  // A list of strings, each one of allowed.
  std::vector<std::string> enumList(std::string_view member,
                                    const std::vector<std::string_view>& allowed) const;
  Tags tags(std::string_view member) const;
  // The raw member when it is an object (or null when absent).
  nlohmann::json optObject(std::string_view member) const;
  // The raw member when it is a list (or an empty list when absent).
  nlohmann::json list(std::string_view member) const;
  const nlohmann::json& raw() const { return input_; }

 private:
  // The member, or nullptr when absent or null (AWS treats null as absent).
  const nlohmann::json* find(std::string_view member) const;

  const nlohmann::json& input_;
};

}  // namespace ecsd::protocol
