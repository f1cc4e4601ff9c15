#include "operations/cluster_pool.h"

namespace ecsd::operations {

using scheduler::Candidate;

namespace {

std::size_t slot(Resource resource) { return resource == Resource::Cpu ? 0 : 1; }

std::array<std::int64_t, 2> remaining(const ContainerInstance& instance,
                                      const LayeredUsage& usage) {
  return {instance.registered.cpu - usage.cpu(), instance.registered.memory - usage.memory()};
}

}  // namespace

ClusterPool::ClusterPool(const Draft& draft, const Agents& agents, std::string cluster)
    : draft_(draft), agents_(agents), cluster_(std::move(cluster)) {
  for (const auto& id : draft_.touchedInstances()) refresh(id);
}

Candidate& ClusterPool::candidate(const std::string& id) {
  if (const auto it = made_.find(id); it != made_.end()) return *it->second;
  Candidate& made = storage_.emplace_back(
      Candidate{draft_.instance(id), agents_.connected(id), draft_.layeredUsage(id)});
  made_.emplace(id, &made);
  return made;
}

std::vector<Candidate> ClusterPool::all() { return of(draft_.instanceIds(cluster_)); }

std::vector<Candidate> ClusterPool::of(const std::vector<std::string>& instanceIds) {
  std::vector<Candidate> out;
  out.reserve(instanceIds.size());
  for (const auto& id : instanceIds) out.push_back(candidate(id));
  return out;
}

void ClusterPool::refresh(const std::string& id) {
  if (const auto filed = freshKeys_.find(id); filed != freshKeys_.end()) {
    for (std::size_t r = 0; r < 2; ++r) fresh_[r].erase({filed->second[r], id});
    freshKeys_.erase(filed);
  }
  const ContainerInstance* instance = draft_.instance(id);
  // Still in the walk only while registered in this cluster; either way its
  // committed index entry, if any, is stale (freshKeys_ marks it so).
  auto& keys = freshKeys_[id];
  keys = {-1, -1};
  if (!instance || instance->cluster != cluster_ || instance->status == "INACTIVE") return;
  // A candidate made already may have been placed on; otherwise the draft
  // says (without making one: most touched instances are never visited).
  const auto made = made_.find(id);
  keys = made != made_.end() ? remaining(*instance, made->second->usage)
                             : remaining(*instance, draft_.layeredUsage(id));
  for (std::size_t r = 0; r < 2; ++r) fresh_[r].insert({keys[r], id});
}

void ClusterPool::walkByRemaining(Resource resource, std::int64_t needed,
                                  const std::function<bool(Candidate&)>& visit) {
  if (handedOut_) refresh(handedOut_->instance->id);
  handedOut_ = nullptr;
  // Merge the committed index (skipping its stale entries) with the fresh one.
  const Index& fresh = fresh_[slot(resource)];
  const auto& index = draft_.base().byRemaining(resource, cluster_);
  auto indexed = index.lower_bound({needed, std::string()});
  auto merged = fresh.lower_bound({needed, std::string()});
  while (indexed != index.end() || merged != fresh.end()) {
    if (indexed != index.end() && freshKeys_.contains(indexed->second)) {
      ++indexed;
      continue;
    }
    const bool takeIndexed =
        merged == fresh.end() || (indexed != index.end() && *indexed < *merged);
    const std::string& id = takeIndexed ? indexed->second : merged->second;
    Candidate& c = candidate(id);
    if (visit(c)) {
      handedOut_ = &c;
      return;
    }
    if (takeIndexed) {
      ++indexed;
    } else {
      ++merged;
    }
  }
}

}  // namespace ecsd::operations
