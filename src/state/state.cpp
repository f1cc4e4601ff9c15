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

}  // namespace

const TaskDefinition* resolveTaskDefinition(const StateView& view, std::string_view family,
                                            std::optional<int> revision) {
  return revision ? view.taskDefinition(family, *revision) : view.latestActive(family);
}

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
  const int newest = nextRevision(family) - 1;
  for (int revision = newest; revision > 0; --revision) {
    const TaskDefinition* def = taskDefinition(family, revision);
    if (def && def->status == "ACTIVE") return def;
  }
  return nullptr;
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

void Draft::put(Cluster cluster) {
  auto name = cluster.name;
  clusters_.insert_or_assign(std::move(name), std::move(cluster));
}

void Draft::put(TaskDefinition definition) {
  auto key = std::make_pair(definition.family, definition.revision);
  definitions_.insert_or_assign(std::move(key), std::move(definition));
}

ChangeSet Draft::changes() const {
  ChangeSet changes;
  for (const auto& [name, cluster] : clusters_) changes.clusters.push_back(cluster);
  for (const auto& [key, def] : definitions_) changes.taskDefinitions.push_back(def);
  return changes;
}

Result<std::unique_ptr<State>> State::load(Store& store) {
  auto stored = store.load();
  if (!stored) return stored.error();
  std::unique_ptr<State> state(new State(store));
  state->apply(ChangeSet{std::move(stored->clusters), std::move(stored->taskDefinitions)});
  spdlog::info("msg=\"state loaded\" clusters={} task_definition_families={}",
               state->data_.clusters.size(), state->data_.families.size());
  return state;
}

void State::apply(ChangeSet changes) {
  std::unique_lock lock(mutex_);
  for (auto& cluster : changes.clusters) {
    auto name = cluster.name;
    data_.clusters.insert_or_assign(std::move(name), std::move(cluster));
  }
  for (auto& def : changes.taskDefinitions) {
    const int revision = def.revision;
    data_.families[def.family].insert_or_assign(revision, std::move(def));
  }
}

}  // namespace ecsd
