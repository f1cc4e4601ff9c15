// Typed access to a Query call's parameters (all strings), with IAM's
// ValidationError messages. Accessors throw protocol::ApiError, as the ECS
// handlers' RequestReader does; the router turns it back into a value.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ecsd/domain/tag.h"

namespace ecsd::identity {

class QueryInput {
 public:
  explicit QueryInput(const nlohmann::json& input) : input_(input) {}

  // ValidationError "Value null at 'userName' ..." when absent.
  std::string required(std::string_view member) const;
  std::optional<std::string> optional(std::string_view member) const;
  // An IAM name (users, groups, policies): 1..maxLength of [\w+=,.@-].
  std::string name(std::string_view member, std::size_t maxLength = 64) const;
  // A path: "/" or "/.../" of printable ASCII, at most 512; "/" when absent.
  std::string path(std::string_view member = "Path") const;
  // Member.member.1, Member.member.2, ... in order.
  std::vector<std::string> list(std::string_view member) const;
  // Tags.member.N.Key / .Value.
  Tags tags(std::string_view member = "Tags") const;
  // MaxItems (1..1000, default 100) and Marker.
  std::size_t maxItems() const;
  std::optional<std::string> marker() const { return optional("Marker"); }
  bool flag(std::string_view member) const;  // "true" (any case)

 private:
  const nlohmann::json& input_;
};

}  // namespace ecsd::identity
