#include "identity/query_input.h"

#include <cctype>

#include "identity/identity.h"
#include "protocol/request_reader.h"

namespace ecsd::identity {
namespace {

// IAM names members in its messages as the model's shape members do: userName.
std::string memberName(std::string_view member) {
  std::string out(member);
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

[[noreturn]] void invalid(std::string_view value, std::string_view member, std::string_view rule) {
  throw protocol::ApiError(iam_errors::validation(
      "1 validation error detected: Value '" + std::string(value) + "' at '" +
      memberName(member) + "' failed to satisfy constraint: " + std::string(rule)));
}

bool isNameCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '=' ||
         c == ',' || c == '.' || c == '@' || c == '-';
}

}  // namespace

std::optional<std::string> QueryInput::optional(std::string_view member) const {
  const auto it = input_.find(member);
  if (it == input_.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::string QueryInput::required(std::string_view member) const {
  auto value = optional(member);
  if (!value) {
    throw protocol::ApiError(iam_errors::validation(
        "1 validation error detected: Value null at '" + memberName(member) +
        "' failed to satisfy constraint: Member must not be null"));
  }
  return std::move(*value);
}

std::string QueryInput::name(std::string_view member, std::size_t maxLength) const {
  std::string value = required(member);
  if (value.empty() || value.size() > maxLength) {
    invalid(value, member,
            "Member must have length between 1 and " + std::to_string(maxLength));
  }
  for (char c : value) {
    if (!isNameCharacter(c)) invalid(value, member, "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
  }
  return value;
}

std::string QueryInput::path(std::string_view member) const {
  std::string value = optional(member).value_or("/");
  bool printable = true;
  for (char c : value) printable = printable && c >= '!' && c <= '~';
  if (value.empty() || value.size() > 512 || value.front() != '/' || value.back() != '/' ||
      !printable) {
    invalid(value, member,
            "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)");
  }
  return value;
}

std::vector<std::string> QueryInput::list(std::string_view member) const {
  std::vector<std::string> out;
  for (int i = 1;; ++i) {
    auto value = optional(std::string(member) + ".member." + std::to_string(i));
    if (!value) return out;
    out.push_back(std::move(*value));
  }
}

Tags QueryInput::tags(std::string_view member) const {
  Tags out;
  for (int i = 1;; ++i) {
    const std::string prefix = std::string(member) + ".member." + std::to_string(i);
    auto key = optional(prefix + ".Key");
    if (!key) return out;
    out.push_back({std::move(*key), optional(prefix + ".Value").value_or("")});
  }
}

std::size_t QueryInput::maxItems() const {
  const auto value = optional("MaxItems");
  if (!value) return 100;
  std::size_t parsed = 0;
  bool digits = !value->empty() && value->size() <= 4;
  for (char c : *value) {
    digits = digits && c >= '0' && c <= '9';
    if (digits) parsed = parsed * 10 + static_cast<std::size_t>(c - '0');
  }
  if (!digits || parsed < 1 || parsed > 1000) {
    invalid(*value, "MaxItems", "Member must have value between 1 and 1000");
  }
  return parsed;
}

bool QueryInput::flag(std::string_view member) const {
  std::string value = optional(member).value_or("false");
  for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return value == "true";
}

}  // namespace ecsd::identity
