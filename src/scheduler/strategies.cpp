#include "scheduler/strategies.h"

#include <algorithm>
#include <map>

#include "scheduler/instance_target.h"

namespace ecsd::scheduler {

namespace {

// spread attribute:NAME: the task group's count over all instances sharing
// each value of the attribute (a missing attribute is a value of its own).
std::map<std::string, int> groupCountByAttribute(const std::vector<Candidate>& candidates,
                                                 const std::string& attribute,
                                                 const std::string& group) {
  std::map<std::string, int> counts;
  for (const auto& c : candidates) {
    const auto value = InstanceTarget(*c.instance, c.agentConnected, c.usage).attribute(attribute);
    counts[value.value_or("\x01missing")] += c.usage.groupCount(group);
  }
  return counts;
}

// Lower is better.
std::vector<double> scores(const std::vector<Candidate>& candidates,
                           const std::vector<std::size_t>& feasible, const TaskDemand& demand,
                           const Strategy& strategy, std::mt19937_64& random) {
  std::vector<double> out;
  out.reserve(feasible.size());
  if (strategy.type == Strategy::Type::Binpack) {
    // The least remaining of the resource that still fits.
    for (auto i : feasible) {
      const Candidate& c = candidates[i];
      out.push_back(strategy.field == "cpu"
                        ? static_cast<double>(c.instance->registered.cpu - c.usage.cpu())
                        : static_cast<double>(c.instance->registered.memory - c.usage.memory()));
    }
  } else if (strategy.type == Strategy::Type::Spread) {
    // The value with the fewest tasks of the group so far.
    const std::string prefix = "attribute:";
    if (strategy.field.starts_with(prefix)) {
      const auto counts =
          groupCountByAttribute(candidates, strategy.field.substr(prefix.size()), demand.group);
      for (auto i : feasible) {
        const Candidate& c = candidates[i];
        const auto value = InstanceTarget(*c.instance, c.agentConnected, c.usage)
                               .attribute(strategy.field.substr(prefix.size()));
        out.push_back(counts.at(value.value_or("\x01missing")));
      }
    } else {  // instanceId, host: every instance is its own value
      for (auto i : feasible) out.push_back(candidates[i].usage.groupCount(demand.group));
    }
  } else {
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    for (std::size_t k = 0; k < feasible.size(); ++k) out.push_back(uniform(random));
  }
  return out;
}

}  // namespace

std::vector<Strategy> rankingChain(const std::vector<Strategy>& strategies) {
  const bool spreadsAlone = std::all_of(strategies.begin(), strategies.end(), [](const Strategy& s) {
    return s.type == Strategy::Type::Spread;
  });
  if (!spreadsAlone) return strategies;
  std::vector<Strategy> chain = strategies;
  chain.push_back({Strategy::Type::Binpack, "memory"});
  return chain;
}

std::size_t best(const std::vector<Candidate>& candidates, const std::vector<std::size_t>& feasible,
                 const TaskDemand& demand, const std::vector<Strategy>& strategies,
                 std::mt19937_64& random) {
  std::vector<std::size_t> tied = feasible;
  for (const auto& strategy : strategies) {
    if (tied.size() == 1) break;
    const auto score = scores(candidates, tied, demand, strategy, random);
    const double lowest = *std::min_element(score.begin(), score.end());
    std::vector<std::size_t> next;
    for (std::size_t k = 0; k < tied.size(); ++k) {
      if (score[k] == lowest) next.push_back(tied[k]);
    }
    tied = std::move(next);
  }
  return tied.front();
}

}  // namespace ecsd::scheduler
