#include "operations/cluster_pool.h"

#include <tuple>

#include "ecsd/scheduler/index/attribute_counts.h"

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
    for (std::size_t r = 0; r < 2; ++r)
      fresh_[r].erase({filed->second[r], filed->second[1 - r], id});
    freshKeys_.erase(filed);
  }
  const ContainerInstance* instance = draft_.instance(id);
  // Still in the walk only while registered in this cluster; either way its
  // committed index entry, if any, is stale (freshKeys_ marks it so).
  auto& keys = freshKeys_[id];
  keys = {-1, -1};
  if (!instance || instance->cluster != cluster_ || instance->status == "INACTIVE") {
    if (tally_) recount(*tally_, id);
    return;
  }
  // A candidate made already may have been placed on; otherwise the draft
  // says (without making one: most touched instances are never visited).
  const auto made = made_.find(id);
  keys = made != made_.end() ? remaining(*instance, made->second->usage)
                             : remaining(*instance, draft_.layeredUsage(id));
  for (std::size_t r = 0; r < 2; ++r) fresh_[r].insert({keys[r], keys[1 - r], id});
  if (tally_) recount(*tally_, id);
}

void ClusterPool::walkByRemaining(Resource resource, const scheduler::TaskDemand& demand,
                                  const std::vector<scheduler::Narrowing>& narrowings,
                                  const std::function<bool(Candidate&)>& visit) {
  if (handedOut_) refresh(handedOut_->instance->id);
  handedOut_ = nullptr;
  // The committed index, or the smallest subset of it a narrowing admits: the
  // instances it leaves out are as committed (the fresh ones are walked
  // whatever they are), so none of them could take the task.
  const RemainingView& committed = draft_.base().remaining();
  const RemainingIndex* walked = &committed.byRemaining(resource, cluster_);
  for (const auto& narrowing : narrowings) {
    const auto& subset = committed.subset(resource, cluster_, narrowing.key, narrowing.admits);
    if (subset.size() < walked->size()) walked = &subset;
  }
  // Merge it (skipping its stale entries) with the fresh one.
  const std::size_t r = slot(resource);
  const std::array<std::int64_t, 2> needed{demand.cpu, demand.memory};
  auto indexed = walked->from(needed[r], needed[1 - r]);
  auto merged = fresh_[r].from(needed[r], needed[1 - r]);
  while (true) {
    const RemainingIndex::Entry* next = indexed.peek();
    if (next && freshKeys_.contains(next->id)) {
      indexed.pop();
      continue;
    }
    const RemainingIndex::Entry* fresh = merged.peek();
    if (!next && !fresh) return;
    const bool takeIndexed = !fresh || (next && std::tie(next->remaining, next->id) <
                                                    std::tie(fresh->remaining, fresh->id));
    Candidate& c = candidate(takeIndexed ? next->id : fresh->id);
    if (visit(c)) {
      handedOut_ = &c;
      return;
    }
    if (takeIndexed) {
      indexed.pop();
    } else {
      merged.pop();
    }
  }
}

const ClusterPool::GroupCounts* ClusterPool::groupCountsByAttribute(std::string_view attribute,
                                                                    const std::string& group) {
  if (handedOut_) refresh(handedOut_->instance->id);
  handedOut_ = nullptr;
  if (!tally_ || tally_->attribute != attribute || tally_->group != group) {
    const auto& committed = draft_.base().remaining().attributeCounts();
    tally_ =
        Tally{std::string(attribute), group, committed.byValue(cluster_, attribute, group), {}};
    // freshKeys_ holds every instance whose committed entry is stale: the
    // draft's and those placed on.
    for (const auto& [id, keys] : freshKeys_) recount(*tally_, id);
  }
  return &tally_->counts;
}

void ClusterPool::recount(Tally& tally, const std::string& id) {
  if (const auto counted = tally.fresh.find(id); counted != tally.fresh.end()) {
    if (const auto it = tally.counts.find(counted->second.first); it != tally.counts.end()) {
      it->second -= counted->second.second;
    }
  } else if (const auto* was = draft_.base().remaining().attributeCounts().contribution(id);
             was && was->cluster == cluster_) {
    std::optional<std::string> value;
    for (const auto& [name, v] : was->attributes) {
      if (name == tally.attribute) value = v;
    }
    const auto n = was->groups.find(tally.group);
    if (const auto it = tally.counts.find(value); it != tally.counts.end()) {
      it->second -= n == was->groups.end() ? 0 : n->second;
    }
  }
  const ContainerInstance* now = draft_.instance(id);
  if (!now || now->cluster != cluster_ || now->status == "INACTIVE") {
    tally.fresh[id] = {std::nullopt, 0};
    return;
  }
  const auto made = made_.find(id);
  const int n = made != made_.end() ? made->second->usage.groupCount(tally.group)
                                    : draft_.layeredUsage(id).groupCount(tally.group);
  auto value = scheduler::attributeValue(*now, tally.attribute);
  tally.counts[value] += n;
  tally.fresh[id] = {std::move(value), n};
}

}  // namespace ecsd::operations
