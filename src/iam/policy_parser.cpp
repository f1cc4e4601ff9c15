#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "condition_parser.h"
#include "ecsd/iam/policy.h"
#include "policy_errors.h"

namespace ecsd::iam {
namespace {

using nlohmann::json;

constexpr std::string_view kVersion2012 = "2012-10-17";
constexpr std::string_view kVersion2008 = "2008-10-17";

bool isOneOf(std::string_view s, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), s) != names.end();
}

// Action, NotAction, Resource, NotResource: a string or a list of strings.
Result<std::vector<std::string>> stringList(const json& element) {
  const json list = element.is_array() ? element : json::array({element});
  std::vector<std::string> strings;
  for (const json& s : list) {
    if (!s.is_string()) return malformedPolicy(kSyntaxErrors);
    strings.push_back(s.get<std::string>());
  }
  return strings;
}

// IAM's checks of an action: "*", or "vendor:action" with wildcards allowed.
Status checkAction(std::string_view action) {
  if (action == "*") return {};
  const auto colon = action.find(':');
  if (colon == std::string_view::npos) {
    return malformedPolicy(
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
  }
  if (action.find(':', colon + 1) != std::string_view::npos) {
    return malformedPolicy("Actions/Condition can contain only one colon.");
  }
  const std::string_view vendor = action.substr(0, colon);
  const bool valid = std::all_of(vendor.begin(), vendor.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
  if (!valid) return malformedPolicy("Vendor " + std::string(vendor) + " is not valid");
  return {};
}

Status checkResource(std::string_view resource) {
  if (resource == "*" || resource.find(':') != std::string_view::npos) return {};
  return malformedPolicy("Resource " + std::string(resource) + " must be in ARN format or \"*\".");
}

bool isAlphanumeric(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

// One of Action/NotAction (or Resource/NotResource): exactly one must be
// there, with at least one entry, each passing check; lower: lower-cased
// (actions, which match case-insensitively).
Result<std::vector<PolicyText>> patterns(const json& statement, const char* name,
                                         const char* notName, bool& negated, bool variables,
                                         bool lower, Status (*check)(std::string_view),
                                         const char* missing) {
  const bool has = statement.contains(name);
  const bool hasNot = statement.contains(notName);
  if (has && hasNot) return malformedPolicy(kSyntaxErrors);
  if (!has && !hasNot) return malformedPolicy(missing);
  negated = hasNot;
  auto strings = stringList(statement.at(has ? name : notName));
  if (!strings) return strings.error();
  if (strings->empty()) return malformedPolicy(missing);
  std::vector<PolicyText> compiled;
  for (const std::string& s : *strings) {
    if (Status ok = check(s); !ok) return ok.error();
    compiled.push_back(PolicyText::compile(lower ? toLower(s) : s, /*wildcards=*/true, variables));
  }
  return compiled;
}

Result<Statement> parseStatement(const json& element, bool variables) {
  if (!element.is_object()) return malformedPolicy(kSyntaxErrors);
  for (const auto& [name, value] : element.items()) {
    if (!isOneOf(name, {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                        "Resource", "NotResource", "Condition"})) {
      return malformedPolicy(kSyntaxErrors);
    }
  }
  if (element.contains("Principal") || element.contains("NotPrincipal")) {
    return malformedPolicy("Policy document should not specify a principal.");
  }
  Statement statement;
  if (element.contains("Sid")) {
    if (!element["Sid"].is_string()) return malformedPolicy(kSyntaxErrors);
    statement.sid = element["Sid"].get<std::string>();
    if (!isAlphanumeric(statement.sid)) {
      return malformedPolicy(
          "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
          "regular expression [0-9A-Za-z]*");
    }
  }
  // IAM reads "allow" as a syntax it knows but then refuses it: the effect
  // is case-sensitive.
  const json* effect = element.contains("Effect") ? &element["Effect"] : nullptr;
  if (effect == nullptr || !effect->is_string()) return malformedPolicy(kSyntaxErrors);
  const std::string effectName = effect->get<std::string>();
  if (effectName == "Allow") {
    statement.effect = Effect::Allow;
  } else if (effectName == "Deny") {
    statement.effect = Effect::Deny;
  } else {
    return malformedPolicy(toLower(effectName) == "allow" || toLower(effectName) == "deny"
                               ? kLegacyParsing
                               : kSyntaxErrors);
  }
  auto actions = patterns(element, "Action", "NotAction", statement.notAction, false, true,
                          checkAction, "Policy statement must contain actions.");
  if (!actions) return actions.error();
  statement.actions = std::move(*actions);
  auto resources = patterns(element, "Resource", "NotResource", statement.notResource, variables,
                            false, checkResource, "Policy statement must contain resources.");
  if (!resources) return resources.error();
  statement.resources = std::move(*resources);
  if (element.contains("Condition")) {
    auto conditions = parseConditions(element["Condition"], variables);
    if (!conditions) return conditions.error();
    statement.conditions = std::move(*conditions);
  }
  return statement;
}

}  // namespace

std::size_t policySize(std::string_view document) {
  return static_cast<std::size_t>(std::count_if(document.begin(), document.end(), [](char c) {
    return c != ' ' && c != '\t' && c != '\n' && c != '\r';
  }));
}

Status checkUserInlinePoliciesSize(std::string_view userName, std::size_t totalSize) {
  if (totalSize <= kUserInlinePoliciesMaxSize) return {};
  return limitExceeded("Maximum policy size of " + std::to_string(kUserInlinePoliciesMaxSize) +
                       " bytes exceeded for user " + std::string(userName));
}

Result<Policy> parsePolicy(std::string_view document, PolicyKind kind) {
  if (kind == PolicyKind::Managed && policySize(document) > kManagedPolicyMaxSize) {
    return limitExceeded("Cannot exceed quota for PolicySize: " +
                         std::to_string(kManagedPolicyMaxSize));
  }
  const json root = json::parse(document, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object()) return malformedPolicy(kSyntaxErrors);
  for (const auto& [name, value] : root.items()) {
    if (!isOneOf(name, {"Version", "Id", "Statement"})) return malformedPolicy(kSyntaxErrors);
  }
  Policy policy;
  if (root.contains("Version")) {
    const json& version = root["Version"];
    if (!version.is_string() ||
        !isOneOf(version.get<std::string>(), {kVersion2012, kVersion2008})) {
      return malformedPolicy(kSyntaxErrors);
    }
    policy.version = version.get<std::string>();
  }
  if (root.contains("Id") && !root["Id"].is_string()) return malformedPolicy(kSyntaxErrors);
  if (kind == PolicyKind::Managed && policy.version != kVersion2012) {
    return malformedPolicy("Policy document must be version 2012-10-17 or greater.");
  }
  const json* statements = root.contains("Statement") ? &root["Statement"] : nullptr;
  if (statements == nullptr || statements->empty() ||
      !(statements->is_array() || statements->is_object())) {
    return malformedPolicy(kSyntaxErrors);
  }
  // Variables came with the 2012-10-17 language; before it "${...}" is text.
  const bool variables = policy.version == kVersion2012;
  const json list = statements->is_array() ? *statements : json::array({*statements});
  std::set<std::string> sids;
  for (const json& element : list) {
    auto statement = parseStatement(element, variables);
    if (!statement) return statement.error();
    if (!statement->sid.empty() && !sids.insert(statement->sid).second) {
      return malformedPolicy("Statement IDs (SID) in a single policy must be unique.");
    }
    policy.statements.push_back(std::move(*statement));
  }
  return policy;
}

}  // namespace ecsd::iam
