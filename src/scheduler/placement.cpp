#include "ecsd/scheduler/placement.h"

#include "ecsd/errors.h"
#include "scheduler/strategies.h"

namespace ecsd::scheduler {

namespace {

// Why each candidate cannot take the task.
std::vector<Failure> failuresFor(const std::vector<Candidate>& candidates, const TaskDemand& demand,
                                 const std::vector<Constraint>& constraints) {
  std::vector<Failure> failures;
  for (const auto& c : candidates) {
    const Fit f = fit(c, demand, constraints);
    failures.push_back({c.instance->arn, f.rejection.value_or("RESOURCE:UNKNOWN")});
  }
  return failures;
}

void take(Candidate& c, const TaskDemand& demand, const Resources& held) {
  // The same bookkeeping a committed task gets (Usage::add), for the next pick.
  Task placed;
  placed.group = demand.group;
  placed.held = held;
  c.usage.add(placed, 1);
}

}  // namespace

Outcome place(std::vector<Candidate>& candidates, const TaskDemand& demand, int count,
              const std::vector<Constraint>& constraints, const std::vector<Strategy>& strategies,
              std::mt19937_64& random) {
  Outcome outcome;
  for (int n = 0; n < count; ++n) {
    std::vector<std::size_t> feasible;
    std::vector<Resources> held(candidates.size());
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      Fit f = fit(candidates[i], demand, constraints);
      if (!f.rejection) {
        feasible.push_back(i);
        held[i] = std::move(f.held);
      }
    }
    if (feasible.empty()) {
      outcome.failures = failuresFor(candidates, demand, constraints);
      break;
    }
    const std::size_t chosen = best(candidates, feasible, demand, strategies, random);
    take(candidates[chosen], demand, held[chosen]);
    outcome.placements.push_back({candidates[chosen].instance, std::move(held[chosen])});
  }
  return outcome;
}

Outcome place(CandidatePool& pool, const TaskDemand& demand, int count,
              const std::vector<Constraint>& constraints, const std::vector<Strategy>& strategies,
              std::mt19937_64& random) {
  const bool binpackOnly = strategies.empty() || (strategies.size() == 1 &&
                                                  strategies[0].type == Strategy::Type::Binpack);
  if (!binpackOnly || !constraints.empty()) {
    auto candidates = pool.all();
    return place(candidates, demand, count, constraints, strategies, random);
  }
  const Resource resource =
      !strategies.empty() && strategies[0].field == "cpu" ? Resource::Cpu : Resource::Memory;
  Outcome outcome;
  for (int n = 0; n < count; ++n) {
    Candidate* chosen = nullptr;
    Resources held;
    pool.walkByRemaining(resource, demand, [&](Candidate& c) {
      Fit f = fit(c, demand, {});
      if (f.rejection) return false;
      chosen = &c;
      held = std::move(f.held);
      return true;
    });
    if (!chosen) {
      outcome.failures = failuresFor(pool.all(), demand, {});
      break;
    }
    take(*chosen, demand, held);
    outcome.placements.push_back({chosen->instance, std::move(held)});
  }
  return outcome;
}

Outcome placeOnEach(std::vector<Candidate>& candidates, const TaskDemand& demand) {
  Outcome outcome;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    Fit f = fit(candidates[i], demand, {});
    if (f.rejection) {
      outcome.failures.push_back({candidates[i].instance->arn, *f.rejection});
      continue;
    }
    take(candidates[i], demand, f.held);
    outcome.placements.push_back({candidates[i].instance, std::move(f.held)});
  }
  return outcome;
}

Result<std::vector<Constraint>> parseConstraints(const nlohmann::json& constraints) {
  std::vector<Constraint> out;
  if (!constraints.is_array()) return errors::serialization("placementConstraints must be a list");
  if (constraints.size() > 10) {
    return errors::invalidParameter("At most 10 placement constraints are allowed.");
  }
  for (const auto& item : constraints) {
    const std::string type = item.is_object() ? item.value("type", "") : "";
    if (type == "distinctInstance") {
      out.push_back({Constraint::Type::DistinctInstance, std::nullopt});
    } else if (type == "memberOf") {
      const auto expression = item.value("expression", "");
      auto query = Query::parse(expression);
      if (!query) return query.error();
      out.push_back({Constraint::Type::MemberOf, std::move(*query)});
    } else {
      return errors::invalidParameter(
          "Placement constraint type must be distinctInstance or memberOf, not '" + type + "'.");
    }
  }
  return out;
}

Result<std::vector<Strategy>> parseStrategies(const nlohmann::json& strategies) {
  std::vector<Strategy> out;
  if (!strategies.is_array()) return errors::serialization("placementStrategy must be a list");
  if (strategies.size() > 5) {
    return errors::invalidParameter("At most 5 placement strategies are allowed.");
  }
  for (const auto& item : strategies) {
    const std::string type = item.is_object() ? item.value("type", "") : "";
    std::string field = item.is_object() ? item.value("field", "") : "";
    if (type == "binpack") {
      std::transform(field.begin(), field.end(), field.begin(), ::tolower);
      if (field != "cpu" && field != "memory") {
        return errors::invalidParameter("binpack field must be cpu or memory.");
      }
      out.push_back({Strategy::Type::Binpack, field});
    } else if (type == "spread") {
      if (field != "instanceId" && field != "host" && !field.starts_with("attribute:")) {
        return errors::invalidParameter("spread field must be instanceId, host or attribute:NAME.");
      }
      out.push_back({Strategy::Type::Spread, field});
    } else if (type == "random") {
      out.push_back({Strategy::Type::Random, ""});
    } else {
      return errors::invalidParameter(
          "Placement strategy type must be binpack, spread or random, not '" + type + "'.");
    }
  }
  return out;
}

}  // namespace ecsd::scheduler
