#include "ecsd/iam/evaluation.h"

#include <algorithm>

namespace ecsd::iam {
namespace {

bool anyMatches(const std::vector<PolicyText>& patterns, std::string_view value,
                const ConditionContext& context, Match match) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const PolicyText& p) { return p.matches(value, context, match); });
}

// applies(), with the request's action lower-cased once for all statements.
bool appliesTo(const Statement& statement, std::string_view lowerAction, const Request& request) {
  // Cheapest first: most statements part ways with a request on its action.
  const ConditionContext& context = request.context;
  if (anyMatches(statement.actions, lowerAction, context, Match::Text) == statement.notAction) {
    return false;
  }
  if (anyMatches(statement.resources, request.resource, context, Match::Text) ==
      statement.notResource) {
    return false;
  }
  return std::all_of(statement.conditions.begin(), statement.conditions.end(),
                     [&](const Condition& c) { return holds(c, context); });
}

}  // namespace

bool applies(const Statement& statement, const Request& request) {
  return appliesTo(statement, toLower(request.action), request);
}

Decision evaluate(const std::vector<const Policy*>& policies, const Request& request) {
  const std::string action = toLower(request.action);
  Decision allow;
  for (std::size_t p = 0; p < policies.size(); ++p) {
    const std::vector<Statement>& statements = policies[p]->statements;
    for (std::size_t s = 0; s < statements.size(); ++s) {
      const Statement& statement = statements[s];
      // Once allowed, only a Deny can change the decision.
      if (statement.effect == Effect::Allow && allow.allowed()) continue;
      if (!appliesTo(statement, action, request)) continue;
      const Decision decision{
          statement.effect == Effect::Deny ? Verdict::ExplicitDeny : Verdict::Allow,
          static_cast<int>(p), static_cast<int>(s), statement.sid};
      if (decision.verdict == Verdict::ExplicitDeny) return decision;
      allow = decision;
    }
  }
  return allow;
}

}  // namespace ecsd::iam
