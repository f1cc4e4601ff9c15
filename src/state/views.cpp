#include "ecsd/state/views.h"

namespace ecsd {

ClusterCounts& ClusterCounts::operator+=(const ClusterCounts& delta) {
  registeredContainerInstances += delta.registeredContainerInstances;
  runningTasks += delta.runningTasks;
  pendingTasks += delta.pendingTasks;
  activeServices += delta.activeServices;
  drainingServices += delta.drainingServices;
  return *this;
}

bool registered(const ContainerInstance& instance) { return instance.status != "INACTIVE"; }

ClusterCounts serviceCounts(const Service& service, int sign) {
  ClusterCounts counts;
  counts.activeServices = service.status == "ACTIVE" ? sign : 0;
  counts.drainingServices = service.status == "DRAINING" ? sign : 0;
  return counts;
}

// ---- UsageByInstance ----

const Usage* UsageByInstance::find(std::string_view instanceId) const {
  const auto it = usages_.find(instanceId);
  return it == usages_.end() ? nullptr : &it->second;
}

void UsageByInstance::changed(const Task* before, const Task* after) {
  if (before) usages_[before->containerInstanceId].add(*before, -1);
  if (after) usages_[after->containerInstanceId].add(*after, 1);
}

// ---- ClusterCountsView ----

ClusterCounts ClusterCountsView::of(std::string_view cluster) const {
  const auto it = counts_.find(cluster);
  return it == counts_.end() ? ClusterCounts{} : it->second;
}

void ClusterCountsView::changed(const ContainerInstance* before, const ContainerInstance* after) {
  // What the instance counted goes, what it counts now comes; its usage is
  // the same either side (tasks apply after instances).
  const Usage* used = usage_.find((before ? before : after)->id);
  const auto counted = [&](int sign) {
    return ClusterCounts{sign, sign * (used ? used->runningTasks : 0),
                         sign * (used ? used->pendingTasks : 0), 0, 0};
  };
  if (before && registered(*before)) counts_[before->cluster] += counted(-1);
  if (after && registered(*after)) counts_[after->cluster] += counted(1);
}

void ClusterCountsView::changed(const Task* before, const Task* after) {
  if (before) count(*before, -1);
  if (after) count(*after, 1);
}

void ClusterCountsView::changed(const Service* before, const Service* after) {
  if (before) counts_[before->cluster] += serviceCounts(*before, -1);
  if (after) counts_[after->cluster] += serviceCounts(*after, 1);
}

void ClusterCountsView::count(const Task& task, int sign) {
  if (!task.live()) return;
  const ContainerInstance* instance = instances_.find(task.containerInstanceId);
  if (!instance || !registered(*instance)) return;
  (task.lastStatus == "RUNNING" ? counts_[instance->cluster].runningTasks
                                : counts_[instance->cluster].pendingTasks) += sign;
}

// ---- RemainingView ----

const RemainingIndex& RemainingView::byRemaining(Resource resource,
                                                 std::string_view cluster) const {
  static const RemainingIndex kNone;
  const auto it = orders_.find(cluster);
  return it == orders_.end() ? kNone : it->second.by(resource);
}

const RemainingIndex& RemainingView::subset(Resource resource, std::string_view cluster,
                                            const std::string& key, const Admits& admits) const {
  if (const auto known = subsets_.find(cluster); known != subsets_.end()) {
    if (const auto it = known->second.find(key); it != known->second.end()) {
      it->second.asked = ++asks_;
      return it->second.orders.by(resource);
    }
  }
  if (subsetCount_ >= kMaxSubsets) dropStalestSubset();
  Subset made{admits, {}, ++asks_};
  const auto& filed = byRemaining(Resource::Memory, cluster);
  for (auto at = filed.from(INT64_MIN, INT64_MIN); at.peek(); at.pop()) {
    const auto& [memory, cpu, id] = *at.peek();
    if (admits(*instances_.find(id), LayeredUsage(usage_.find(id)))) {
      made.orders.insert(id, cpu, memory);
    }
  }
  ++subsetCount_;
  auto& kept = subsets_[std::string(cluster)].emplace(key, std::move(made)).first->second;
  return kept.orders.by(resource);
}

void RemainingView::dropStalestSubset() const {
  std::pair<std::string, std::string> stalest;  // cluster, key
  std::uint64_t asked = UINT64_MAX;
  for (const auto& [cluster, subsets] : subsets_) {
    for (const auto& [key, subset] : subsets) {
      if (subset.asked < asked) {
        asked = subset.asked;
        stalest = {cluster, key};
      }
    }
  }
  const auto in = subsets_.find(stalest.first);
  if (in == subsets_.end()) return;
  subsetCount_ -= in->second.erase(stalest.second);
  if (in->second.empty()) subsets_.erase(in);
}

std::optional<RemainingView::Filed> RemainingView::filedAs(std::string_view instanceId) const {
  const auto it = filedAs_.find(instanceId);
  return it == filedAs_.end() ? std::nullopt : std::optional<Filed>(it->second);
}

void RemainingView::changed(const ContainerInstance* before, const ContainerInstance* after) {
  touched_.insert((before ? before : after)->id);
}

void RemainingView::changed(const Task* before, const Task* after) {
  if (before) touched_.insert(before->containerInstanceId);
  if (after) touched_.insert(after->containerInstanceId);
}

void RemainingView::settle() {
  for (const auto& id : touched_) reindex(id);
  touched_.clear();
}

void RemainingView::reindex(const std::string& instanceId) {
  if (const auto old = filedAs_.find(instanceId); old != filedAs_.end()) {
    const Filed& was = old->second;
    orders_[was.cluster].erase(instanceId, was.cpu, was.memory);
    if (const auto subsets = subsets_.find(was.cluster); subsets != subsets_.end()) {
      for (auto& [key, subset] : subsets->second) {
        subset.orders.erase(instanceId, was.cpu, was.memory);
      }
    }
    filedAs_.erase(old);
  }
  const ContainerInstance* found = instances_.find(instanceId);
  const Usage* used = usage_.find(instanceId);
  attributeCounts_.set(instanceId, found && registered(*found) ? found : nullptr,
                       used ? &used->groups : nullptr);
  if (!found || !registered(*found)) return;
  const Filed keys{found->cluster, found->registered.cpu - (used ? used->cpu : 0),
                   found->registered.memory - (used ? used->memory : 0)};
  orders_[keys.cluster].insert(instanceId, keys.cpu, keys.memory);
  if (const auto subsets = subsets_.find(keys.cluster); subsets != subsets_.end()) {
    for (auto& [key, subset] : subsets->second) {
      if (subset.admits(*found, LayeredUsage(used))) {
        subset.orders.insert(instanceId, keys.cpu, keys.memory);
      }
    }
  }
  filedAs_[instanceId] = keys;
}

}  // namespace ecsd
