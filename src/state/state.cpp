#include "ecsd/state/state.h"

#include <spdlog/spdlog.h>

namespace ecsd {

namespace {

template <class Map>
auto findIn(const Map& map, std::string_view key) -> const typename Map::mapped_type* {
  const auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

const TaskDefinition* latestActiveIn(const Family& family) {
  for (auto it = family.rbegin(); it != family.rend(); ++it) {
    if (it->second.status == "ACTIVE") return &it->second;
  }
  return nullptr;
}

const std::set<std::string> kNoIds;
const RemainingIndex kNoIndex;

// Adds (sign 1) or takes away (-1) what the instance counts for its cluster,
// when it is registered there.
void countInstance(const StateView& view, std::string_view instanceId, int sign,
                   std::map<std::string, ClusterCounts, std::less<>>& byCluster) {
  const ContainerInstance* instance = view.instance(instanceId);
  if (!instance || instance->status == "INACTIVE") return;
  ClusterCounts& counts = byCluster[instance->cluster];
  const LayeredUsage used = view.layeredUsage(instanceId);  // not copied: every write runs this
  counts.registeredContainerInstances += sign;
  counts.runningTasks += sign * used.runningTasks();
  counts.pendingTasks += sign * used.pendingTasks();
}

ClusterCounts& operator+=(ClusterCounts& into, const ClusterCounts& delta) {
  into.registeredContainerInstances += delta.registeredContainerInstances;
  into.runningTasks += delta.runningTasks;
  into.pendingTasks += delta.pendingTasks;
  into.activeServices += delta.activeServices;
  return into;
}

}  // namespace

const TaskDefinition* resolveTaskDefinition(const StateView& view, std::string_view family,
                                            std::optional<int> revision) {
  return revision ? view.taskDefinition(family, *revision) : view.latestActive(family);
}

// ---- Data ----

const Cluster* Data::cluster(std::string_view name) const { return findIn(clusters, name); }

const TaskDefinition* Data::taskDefinition(std::string_view family, int revision) const {
  const Family* f = findIn(families, family);
  if (!f) return nullptr;
  const auto it = f->find(revision);
  return it == f->end() ? nullptr : &it->second;
}

const TaskDefinition* Data::latestActive(std::string_view family) const {
  const Family* f = findIn(families, family);
  return f ? latestActiveIn(*f) : nullptr;
}

const ContainerInstance* Data::instance(std::string_view id) const { return findIn(instances, id); }

const Task* Data::task(std::string_view id) const { return findIn(tasks, id); }

ClusterCounts Data::counts(std::string_view cluster) const {
  const ClusterIndex* index = findIn(clusterIndex, cluster);
  return index ? index->counts : ClusterCounts{};
}

Usage Data::usage(std::string_view instanceId) const {
  const Usage* used = findIn(usages, instanceId);
  return used ? *used : Usage{};
}

LayeredUsage Data::layeredUsage(std::string_view instanceId) const {
  return LayeredUsage(findIn(usages, instanceId));
}

std::vector<std::string> Data::instanceIds(std::string_view cluster) const {
  const ClusterIndex* index = findIn(clusterIndex, cluster);
  return index ? std::vector<std::string>(index->instanceIds.begin(), index->instanceIds.end())
               : std::vector<std::string>{};
}

std::optional<std::string> Data::idempotentAnswer(std::string_view key) const {
  const Answer* answer = findIn(idempotency, key);
  return answer ? std::optional<std::string>(answer->text) : std::nullopt;
}

const std::set<std::string>& Data::taskIds(std::string_view cluster) const {
  const ClusterIndex* index = findIn(clusterIndex, cluster);
  return index ? index->taskIds : kNoIds;
}

const std::set<std::string>& Data::taskIdsOn(std::string_view instanceId) const {
  const auto* ids = findIn(taskIdsByInstance, instanceId);
  return ids ? *ids : kNoIds;
}

const RemainingIndex& Data::byRemaining(Resource resource, std::string_view cluster) const {
  const RemainingIndex* index = findIn(resource == Resource::Cpu ? cpuIndex : memoryIndex, cluster);
  return index ? *index : kNoIndex;
}

void Data::reindex(const std::string& instanceId) {
  if (const auto old = indexedAs.find(instanceId); old != indexedAs.end()) {
    const Indexed& was = old->second;
    cpuIndex[was.cluster].erase({was.cpu, was.memory, instanceId});
    memoryIndex[was.cluster].erase({was.memory, was.cpu, instanceId});
    indexedAs.erase(old);
  }
  const ContainerInstance* found = instance(instanceId);
  const Usage* used = findIn(usages, instanceId);
  attributeCounts.set(instanceId, found, used ? &used->groups : nullptr);
  if (!found || found->status == "INACTIVE") return;
  const Indexed keys{found->cluster, found->registered.cpu - (used ? used->cpu : 0),
                     found->registered.memory - (used ? used->memory : 0)};
  cpuIndex[keys.cluster].insert({keys.cpu, keys.memory, instanceId});
  memoryIndex[keys.cluster].insert({keys.memory, keys.cpu, instanceId});
  indexedAs[instanceId] = keys;
}

// ---- Draft ----

const Cluster* Draft::cluster(std::string_view name) const {
  const Cluster* pending = findIn(clusters_, name);
  return pending ? pending : base_.cluster(name);
}

const TaskDefinition* Draft::taskDefinition(std::string_view family, int revision) const {
  const auto it = definitions_.find({std::string(family), revision});
  return it != definitions_.end() ? &it->second : base_.taskDefinition(family, revision);
}

const TaskDefinition* Draft::latestActive(std::string_view family) const {
  // Walk revisions from the newest, preferring this draft's version of each.
  for (int revision = nextRevision(family) - 1; revision > 0; --revision) {
    const TaskDefinition* def = taskDefinition(family, revision);
    if (def && def->status == "ACTIVE") return def;
  }
  return nullptr;
}

const ContainerInstance* Draft::instance(std::string_view id) const {
  const ContainerInstance* pending = findIn(instances_, id);
  return pending ? pending : base_.instance(id);
}

const Task* Draft::task(std::string_view id) const {
  if (removedTasks_.contains(id)) return nullptr;
  const Task* pending = findIn(tasks_, id);
  return pending ? pending : base_.task(id);
}

Usage Draft::usage(std::string_view instanceId) const {
  Usage used = base_.usage(instanceId);
  if (const Usage* delta = findIn(usageDeltas_, instanceId)) used.merge(*delta);
  return used;
}

LayeredUsage Draft::layeredUsage(std::string_view instanceId) const {
  return LayeredUsage(findIn(base_.usages, instanceId), findIn(usageDeltas_, instanceId));
}

ClusterCounts Draft::counts(std::string_view cluster) const {
  // The committed counts, with each instance this draft touched counted anew.
  std::map<std::string, ClusterCounts, std::less<>> delta;
  for (const auto& id : touchedInstances()) {
    countInstance(base_, id, -1, delta);
    countInstance(*this, id, 1, delta);
  }
  ClusterCounts counts = base_.counts(cluster);
  if (const auto* changed = findIn(delta, cluster)) counts += *changed;
  return counts;
}

std::vector<std::string> Draft::instanceIds(std::string_view cluster) const {
  std::vector<std::string> ids = base_.instanceIds(cluster);
  if (instances_.empty()) return ids;
  // This draft may have registered, moved or deregistered some.
  std::set<std::string> changed(ids.begin(), ids.end());
  for (const auto& [id, instance] : instances_) {
    if (instance.cluster == cluster && instance.status != "INACTIVE") {
      changed.insert(id);
    } else {
      changed.erase(id);
    }
  }
  return {changed.begin(), changed.end()};
}

std::optional<std::string> Draft::idempotentAnswer(std::string_view key) const {
  if (const Answer* answer = findIn(answers_, key)) return answer->text;
  if (forgottenAnswers_.contains(key)) return std::nullopt;
  return base_.idempotentAnswer(key);
}

std::set<std::string> Draft::taskIds(std::string_view cluster) const {
  std::set<std::string> ids = base_.taskIds(cluster);
  for (const auto& [id, task] : tasks_) {
    if (task.cluster == cluster) ids.insert(id);
  }
  for (const auto& id : removedTasks_) ids.erase(id);
  return ids;
}

bool Draft::hasInstances(std::string_view cluster) const {
  const auto* index = findIn(base_.clusterIndex, cluster);
  std::size_t count = index ? index->instanceIds.size() : 0;
  for (const auto& [id, instance] : instances_) {
    const bool wasThere = index && index->instanceIds.contains(id);
    const bool isThere = instance.cluster == cluster && instance.status != "INACTIVE";
    if (wasThere && !isThere) --count;
    if (!wasThere && isThere) ++count;
  }
  return count > 0;
}

std::set<std::string> Draft::touchedInstances() const {
  std::set<std::string> ids;
  for (const auto& [id, instance] : instances_) ids.insert(id);
  for (const auto& [id, delta] : usageDeltas_) ids.insert(id);
  return ids;
}

int Draft::nextRevision(std::string_view family) const {
  int highest = 0;
  if (const Family* f = findIn(base_.families, family); f && !f->empty()) {
    highest = f->rbegin()->first;
  }
  for (const auto& [key, def] : definitions_) {
    if (key.first == family) highest = std::max(highest, key.second);
  }
  return highest + 1;
}

template <class Map, class Key>
void Draft::remember(Map& map, const Key& key) {
  const auto it = map.find(key);
  if (it == map.end()) {
    undo_.push_back([&map, key] { map.erase(key); });
  } else {
    undo_.push_back([&map, key, previous = it->second] { map.insert_or_assign(key, previous); });
  }
}

void Draft::rollback(std::size_t mark) {
  while (undo_.size() > mark) {
    undo_.back()();
    undo_.pop_back();
  }
}

void Draft::put(Cluster cluster) {
  remember(clusters_, cluster.name);
  auto name = cluster.name;
  clusters_.insert_or_assign(std::move(name), std::move(cluster));
}

void Draft::put(TaskDefinition definition) {
  auto key = std::make_pair(definition.family, definition.revision);
  remember(definitions_, key);
  definitions_.insert_or_assign(std::move(key), std::move(definition));
}

void Draft::put(ContainerInstance instance) {
  remember(instances_, instance.id);
  auto id = instance.id;
  instances_.insert_or_assign(std::move(id), std::move(instance));
}

void Draft::put(Task task) {
  rememberTask(task.id);
  // Usage follows the task: what its previous version held is given back.
  if (const Task* previous = this->task(task.id)) {
    remember(usageDeltas_, previous->containerInstanceId);
    usageDeltas_[previous->containerInstanceId].add(*previous, -1);
  }
  remember(usageDeltas_, task.containerInstanceId);
  usageDeltas_[task.containerInstanceId].add(task, 1);
  removedTasks_.erase(task.id);
  auto id = task.id;
  tasks_.insert_or_assign(std::move(id), std::move(task));
}

void Draft::removeTask(const std::string& id) {
  rememberTask(id);
  if (const Task* previous = task(id)) {
    remember(usageDeltas_, previous->containerInstanceId);
    usageDeltas_[previous->containerInstanceId].add(*previous, -1);
  }
  tasks_.erase(id);
  removedTasks_.insert(id);
}

void Draft::rememberTask(const std::string& id) {
  remember(tasks_, id);
  const bool removed = removedTasks_.contains(id);
  undo_.push_back([this, id, removed] {
    if (removed) {
      removedTasks_.insert(id);
    } else {
      removedTasks_.erase(id);
    }
  });
}

void Draft::recordAnswer(std::string key, Answer answer) {
  remember(answers_, key);
  answers_.insert_or_assign(std::move(key), std::move(answer));
}

void Draft::forgetAnswer(const std::string& key) {
  remember(answers_, key);
  answers_.erase(key);
  if (forgottenAnswers_.insert(key).second) {
    undo_.push_back([this, key] { forgottenAnswers_.erase(key); });
  }
}

ChangeSet Draft::changes() const {
  ChangeSet changes;
  for (const auto& [name, cluster] : clusters_) changes.clusters.push_back(cluster);
  for (const auto& [key, def] : definitions_) changes.taskDefinitions.push_back(def);
  for (const auto& [id, instance] : instances_) changes.containerInstances.push_back(instance);
  for (const auto& [id, task] : tasks_) changes.tasks.push_back(task);
  changes.removedTasks.assign(removedTasks_.begin(), removedTasks_.end());
  for (const auto& [key, answer] : answers_) changes.answers.emplace_back(key, answer);
  for (const auto& key : forgottenAnswers_) {
    if (!answers_.contains(key)) changes.forgottenAnswers.push_back(key);
  }
  return changes;
}

// ---- State ----

Result<std::unique_ptr<State>> State::load(Store& store) {
  auto stored = store.load();
  if (!stored) return stored.error();
  std::unique_ptr<State> state(new State(store));
  ChangeSet everything;
  everything.clusters = std::move(stored->clusters);
  everything.taskDefinitions = std::move(stored->taskDefinitions);
  everything.containerInstances = std::move(stored->containerInstances);
  everything.tasks = std::move(stored->tasks);
  everything.answers = std::move(stored->answers);
  state->apply(std::move(everything));
  spdlog::info(
      "msg=\"state loaded\" clusters={} task_definition_families={} container_instances={} "
      "tasks={}",
      state->data_.clusters.size(), state->data_.families.size(), state->data_.instances.size(),
      state->data_.tasks.size());
  return state;
}

std::optional<Error> State::submit(Write& write) {
  std::unique_lock lock(queueMutex_);
  queue_.push_back(&write);
  while (!write.done) {
    if (leading_) {
      queueDone_.wait(lock);
      continue;
    }
    // Lead one group (this write is in it), then hand over: a waiter still
    // queued leads the next, so no writer serves others forever.
    leading_ = true;
    std::vector<Write*> group;
    group.swap(queue_);
    lock.unlock();
    runGroup(group);
    lock.lock();
    for (Write* w : group) w->done = true;
    leading_ = false;
    queueDone_.notify_all();
  }
  lock.unlock();
  if (write.exception) std::rethrow_exception(write.exception);
  return write.commitError;
}

void State::runGroup(const std::vector<Write*>& group) {
  Draft draft(data_);  // reading data_ unlocked is safe: only the leader changes it
  std::vector<Write*> succeeded;
  for (Write* write : group) {
    const std::size_t mark = draft.mark();
    try {
      if (write->run(draft)) {
        succeeded.push_back(write);
        continue;
      }
    } catch (...) {
      write->exception = std::current_exception();
    }
    draft.rollback(mark);
  }
  ChangeSet changes;
  try {
    changes = draft.changes();
    if (changes.empty()) return;
    if (auto committed = store_.commit(changes); !committed) {
      for (Write* write : succeeded) write->commitError = committed.error();
      return;
    }
  } catch (...) {
    // Nothing was made durable: the group fails as a whole, and the writers
    // that follow go on.
    for (Write* write : succeeded) write->exception = std::current_exception();
    return;
  }
  ++commits_;
  // Committed: memory must follow. If it cannot, it would disagree with the
  // disk from here on, so stop (noexcept) and let a restart load the truth.
  [&]() noexcept { apply(std::move(changes)); }();
}

void State::apply(ChangeSet changes) {
  std::unique_lock lock(mutex_);
  std::set<std::string> touched;
  for (const auto& instance : changes.containerInstances) touched.insert(instance.id);
  for (const auto& task : changes.tasks) {
    touched.insert(task.containerInstanceId);
    if (const Task* previous = data_.task(task.id)) touched.insert(previous->containerInstanceId);
  }
  for (const auto& id : changes.removedTasks) {
    if (const Task* previous = data_.task(id)) touched.insert(previous->containerInstanceId);
  }
  // Cluster counts: what the touched instances counted goes, what they count now comes.
  std::map<std::string, ClusterCounts, std::less<>> counted;
  for (const auto& id : touched) countInstance(data_, id, -1, counted);
  for (auto& cluster : changes.clusters) {
    auto name = cluster.name;
    data_.clusters.insert_or_assign(std::move(name), std::move(cluster));
  }
  for (auto& def : changes.taskDefinitions) {
    const int revision = def.revision;
    data_.families[def.family].insert_or_assign(revision, std::move(def));
  }
  for (auto& instance : changes.containerInstances) {
    if (const auto* previous = data_.instance(instance.id)) {
      data_.clusterIndex[previous->cluster].instanceIds.erase(instance.id);
    }
    if (instance.status != "INACTIVE") {
      data_.clusterIndex[instance.cluster].instanceIds.insert(instance.id);
    }
    auto id = instance.id;
    data_.instances.insert_or_assign(std::move(id), std::move(instance));
  }
  const auto forget = [&](const std::string& id) {
    const auto it = data_.tasks.find(id);
    if (it == data_.tasks.end()) return;
    data_.usages[it->second.containerInstanceId].add(it->second, -1);
    data_.clusterIndex[it->second.cluster].taskIds.erase(id);
    if (const auto on = data_.taskIdsByInstance.find(it->second.containerInstanceId);
        on != data_.taskIdsByInstance.end()) {
      on->second.erase(id);
      if (on->second.empty()) data_.taskIdsByInstance.erase(on);
    }
    data_.tasks.erase(it);
  };
  for (auto& task : changes.tasks) {
    forget(task.id);
    data_.usages[task.containerInstanceId].add(task, 1);
    data_.clusterIndex[task.cluster].taskIds.insert(task.id);
    data_.taskIdsByInstance[task.containerInstanceId].insert(task.id);
    auto id = task.id;
    data_.tasks.insert_or_assign(std::move(id), std::move(task));
  }
  for (const auto& id : changes.removedTasks) forget(id);
  for (const auto& key : changes.forgottenAnswers) data_.idempotency.erase(key);
  for (auto& [key, answer] : changes.answers) {
    data_.idempotency.insert_or_assign(std::move(key), std::move(answer));
  }
  for (const auto& id : touched) {
    data_.reindex(id);
    countInstance(data_, id, 1, counted);
  }
  for (const auto& [cluster, delta] : counted) data_.clusterIndex[cluster].counts += delta;
}

std::vector<std::string> State::checkAccounting() const {
  std::shared_lock lock(mutex_);
  std::map<std::string, Usage, std::less<>> recomputed;
  for (const auto& [id, task] : data_.tasks) recomputed[task.containerInstanceId].add(task, 1);
  std::vector<std::string> differing;
  std::map<std::string, ClusterCounts, std::less<>> counts;
  for (const auto& [id, instance] : data_.instances) {
    const auto indexed = data_.indexedAs.find(id);
    const bool indexRight =
        instance.status == "INACTIVE"
            ? indexed == data_.indexedAs.end()
            : indexed != data_.indexedAs.end() &&
                  indexed->second.cpu == instance.registered.cpu - recomputed[id].cpu &&
                  indexed->second.memory == instance.registered.memory - recomputed[id].memory;
    if (!(data_.usage(id) == recomputed[id]) || !indexRight) differing.push_back(instance.arn);
    if (instance.status != "INACTIVE") {
      counts[instance.cluster] += {1, recomputed[id].runningTasks, recomputed[id].pendingTasks, 0};
    }
  }
  for (const auto& [name, cluster] : data_.clusters) {
    const ClusterCounts kept = data_.counts(name);
    const ClusterCounts& right = counts[name];
    if (kept.registeredContainerInstances != right.registeredContainerInstances ||
        kept.runningTasks != right.runningTasks || kept.pendingTasks != right.pendingTasks) {
      differing.push_back(cluster.arn);
    }
  }
  return differing;
}

}  // namespace ecsd
