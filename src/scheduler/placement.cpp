#include "ecsd/scheduler/placement.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "ecsd/errors.h"
#include "ecsd/scheduler/index/attribute_counts.h"
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
              const std::vector<Constraint>& constraints, const std::vector<Strategy>& given,
              std::mt19937_64& random) {
  const std::vector<Strategy> strategies = rankingChain(given);
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

namespace {

// How a request's placement finds its instances: which index walk serves its
// strategies, or none (rank every candidate).
struct Walk {
  enum class Spread { None, Attribute, Instance };
  bool indexed = false;
  Resource binpack = Resource::Memory;  // the order of the walk
  Spread spread = Spread::None;
  std::string spreadAttribute;  // Spread::Attribute's
  std::string why;              // when not indexed, for the debug log
};

Walk walkFor(const std::vector<Strategy>& strategies) {
  const auto binpackOn = [](const Strategy& s) {
    return s.field == "cpu" ? Resource::Cpu : Resource::Memory;
  };
  const std::string prefix = "attribute:";
  if (strategies.size() == 1 && strategies[0].type == Strategy::Type::Binpack) {
    return {true, binpackOn(strategies[0]), Walk::Spread::None, "", ""};
  }
  // Spread's ties are broken by binpack, which the walk's order is; any
  // strategy after binpack would break binpack's ties some other way.
  if (strategies.size() == 2 && strategies[0].type == Strategy::Type::Spread &&
      strategies[1].type == Strategy::Type::Binpack) {
    const std::string& field = strategies[0].field;
    if (field.starts_with(prefix)) {
      return {true, binpackOn(strategies[1]), Walk::Spread::Attribute, field.substr(prefix.size()),
              ""};
    }
    return {true, binpackOn(strategies[1]), Walk::Spread::Instance, "", ""};  // instanceId, host
  }
  return {false, Resource::Memory, Walk::Spread::None, "", "no index serves these strategies"};
}

struct Pick {
  Candidate* chosen = nullptr;
  Resources held;
};

// What every pick of one request shares.
struct Request {
  CandidatePool& pool;
  const Walk& walk;
  const TaskDemand& demand;
  const std::vector<Constraint>& constraints;
  std::vector<Narrowing> narrowings;
};

// Binpack: the first instance of the walk that can take the task.
Pick binpackPick(const Request& r) {
  Pick pick;
  r.pool.walkByRemaining(r.walk.binpack, r.demand, r.narrowings, [&](Candidate& c) {
    Fit f = fit(c, r.demand, r.constraints);
    if (f.rejection) return false;
    pick = {&c, std::move(f.held)};
    return true;
  });
  return pick;
}

// Spread on instances, then binpack: the first instance of the walk without
// a task of the group, when one can take the task (none has fewer). nullopt:
// every instance that could has some, and only ranking them all tells.
std::optional<Pick> spreadInstancePick(const Request& r) {
  auto narrowings = r.narrowings;
  narrowings.push_back(withoutGroup(r.demand.group));
  Pick pick;
  r.pool.walkByRemaining(r.walk.binpack, r.demand, narrowings, [&](Candidate& c) {
    if (c.usage.groupCount(r.demand.group) > 0) return false;
    Fit f = fit(c, r.demand, r.constraints);
    if (f.rejection) return false;
    pick = {&c, std::move(f.held)};
    return true;
  });
  if (!pick.chosen) return std::nullopt;
  return pick;
}

// Spread on an attribute, then binpack: of the values with an instance that
// can take the task, the one with the fewest tasks of the group; within it,
// the walk's first. The walk stops once no value it has not met yet could
// have fewer. nullopt: the pool keeps no tally. Values are few (zones):
// plain vectors, nothing copied.
std::optional<Pick> spreadAttributePick(const Request& r) {
  const auto* counts = r.pool.groupCountsByAttribute(r.walk.spreadAttribute, r.demand.group);
  if (!counts) return std::nullopt;
  struct Value {
    std::optional<std::string_view> name;
    int count = 0;
    bool met = false;
  };
  std::vector<Value> values;
  values.reserve(counts->size() + 1);
  for (const auto& [name, n] : *counts) values.push_back({name, n, false});
  Pick pick;
  int pickCount = 0;
  bool handedOut = false;
  r.pool.walkByRemaining(r.walk.binpack, r.demand, r.narrowings, [&](Candidate& c) {
    const auto name = attributeView(*c.instance, r.walk.spreadAttribute);
    auto value =
        std::find_if(values.begin(), values.end(), [&](const Value& v) { return v.name == name; });
    if (value != values.end() && value->met) return false;  // loses to its value's first
    Fit f = fit(c, r.demand, r.constraints);
    if (f.rejection) return false;
    if (value == values.end()) value = values.insert(values.end(), {name, 0, false});
    value->met = true;
    if (!pick.chosen || value->count < pickCount) {
      pick = {&c, std::move(f.held)};
      pickCount = value->count;
    }
    handedOut = pick.chosen == &c;
    return std::none_of(values.begin(), values.end(),
                        [&](const Value& v) { return !v.met && v.count < pickCount; });
  });
  // The pool tracks what it hands out; the pick was met earlier in the walk.
  if (pick.chosen && !handedOut) {
    r.pool.walkByRemaining(r.walk.binpack, r.demand, r.narrowings,
                           [&](Candidate& c) { return &c == pick.chosen; });
  }
  return pick;
}

std::optional<Pick> pickFor(const Request& r) {
  switch (r.walk.spread) {
    case Walk::Spread::None:
      return binpackPick(r);
    case Walk::Spread::Attribute:
      return spreadAttributePick(r);
    case Walk::Spread::Instance:
      return spreadInstancePick(r);
  }
  return std::nullopt;
}

}  // namespace

// The pipeline: source (the pool's index walk, narrowed to the instances the
// constraints' indexes admit) -> feasibility (fit: agent, attributes,
// resources, ports, constraints) -> strategies (the walk's order, spread's
// tally) -> select; the pick takes the task before the next.
Outcome place(CandidatePool& pool, const TaskDemand& demand, int count,
              const std::vector<Constraint>& constraints, const std::vector<Strategy>& strategies,
              std::mt19937_64& random) {
  const Walk walk = walkFor(rankingChain(strategies));
  const Request request{
      pool, walk, demand, constraints,
      walk.indexed ? narrowingsOf(constraints, demand) : std::vector<Narrowing>{}};
  Outcome outcome;
  std::string why = walk.why;
  for (int n = 0; walk.indexed && n < count; ++n) {
    std::optional<Pick> pick = pickFor(request);
    if (!pick) {  // rank every candidate
      why = walk.spread == Walk::Spread::Instance ? "every instance that fits has the group"
                                                  : "the pool keeps no attribute tally";
      break;
    }
    if (!pick->chosen) {
      outcome.failures = failuresFor(pool.all(), demand, constraints);
      return outcome;
    }
    take(*pick->chosen, demand, pick->held);
    outcome.placements.push_back({pick->chosen->instance, std::move(pick->held)});
  }
  if (static_cast<int>(outcome.placements.size()) == count) return outcome;
  spdlog::debug("event=placement_scan reason=\"{}\" strategies={}", why, strategies.size());
  auto candidates = pool.all();
  Outcome rest = place(candidates, demand, count - static_cast<int>(outcome.placements.size()),
                       constraints, strategies, random);
  outcome.placements.insert(outcome.placements.end(), rest.placements.begin(),
                            rest.placements.end());
  outcome.failures = std::move(rest.failures);
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
