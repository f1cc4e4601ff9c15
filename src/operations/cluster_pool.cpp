#include "operations/cluster_pool.h"

#include <algorithm>
#include <set>

namespace ecsd::operations {

using scheduler::Candidate;

ClusterPool::ClusterPool(const Draft& draft, const Agents& agents, std::string cluster)
    : draft_(draft), agents_(agents), cluster_(std::move(cluster)) {}

Candidate& ClusterPool::candidate(const std::string& id) {
  if (const auto it = made_.find(id); it != made_.end()) return *it->second;
  Candidate& made = storage_.emplace_back(
      Candidate{draft_.instance(id), agents_.connected(id), draft_.layeredUsage(id)});
  made_[id] = &made;
  return made;
}

std::vector<Candidate> ClusterPool::all() { return of(draft_.instanceIds(cluster_)); }

std::vector<Candidate> ClusterPool::of(const std::vector<std::string>& instanceIds) {
  std::vector<Candidate> out;
  out.reserve(instanceIds.size());
  for (const auto& id : instanceIds) out.push_back(candidate(id));
  return out;
}

void ClusterPool::walkByRemaining(Resource resource, std::int64_t needed,
                                  const std::function<bool(Candidate&)>& visit) {
  // The index is exact for instances nobody has touched since it was built;
  // the others (changed by the draft, or placed on by this pool) are merged
  // in by their current values.
  std::set<std::string> stale = draft_.touchedInstances();
  for (const auto& [id, c] : made_) {
    if (c->usage.changes().memory != 0 || c->usage.changes().cpu != 0) stale.insert(id);
  }
  std::vector<std::pair<std::int64_t, std::string>> fresh;
  for (const auto& id : stale) {
    const ContainerInstance* instance = draft_.instance(id);
    if (!instance || instance->cluster != cluster_ || instance->status == "INACTIVE") continue;
    const std::int64_t left = remaining(candidate(id), resource);
    if (left >= needed) fresh.emplace_back(left, id);
  }
  std::sort(fresh.begin(), fresh.end());
  const auto& index = draft_.base().byRemaining(resource, cluster_);
  auto indexed = index.lower_bound({needed, std::string()});
  auto merged = fresh.begin();
  while (indexed != index.end() || merged != fresh.end()) {
    if (indexed != index.end() && stale.contains(indexed->second)) {
      ++indexed;
      continue;
    }
    const bool takeIndexed =
        merged == fresh.end() || (indexed != index.end() && *indexed < *merged);
    const std::string& id = takeIndexed ? indexed->second : merged->second;
    if (visit(candidate(id))) return;
    if (takeIndexed) {
      ++indexed;
    } else {
      ++merged;
    }
  }
}

}  // namespace ecsd::operations
