#include "ecsd/state/state.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

namespace ecsd {

namespace {

constexpr int kNoRevision = std::numeric_limits<int>::max();

// Adds (sign 1) or takes away (-1) what the instance counts for its cluster,
// when it is registered there.
void countInstance(const StateView& view, std::string_view instanceId, int sign,
                   std::map<std::string, ClusterCounts, std::less<>>& byCluster) {
  const ContainerInstance* instance = view.instance(instanceId);
  if (!instance || !registered(*instance)) return;
  ClusterCounts& counts = byCluster[instance->cluster];
  const LayeredUsage used = view.layeredUsage(instanceId);  // not copied: every write runs this
  counts.registeredContainerInstances += sign;
  counts.runningTasks += sign * used.runningTasks();
  counts.pendingTasks += sign * used.pendingTasks();
}

const std::string* clusterOfTask(const Task& task) { return &task.cluster; }
const std::string* instanceOfTask(const Task& task) { return &task.containerInstanceId; }
const std::string* serviceGroupOfTask(const Task& task) {
  return serviceOfGroup(task.group) ? &task.group : nullptr;
}
const std::string* clusterIfRegistered(const ContainerInstance& instance) {
  return registered(instance) ? &instance.cluster : nullptr;
}

}  // namespace

const TaskDefinition* resolveTaskDefinition(const StateView& view, std::string_view family,
                                            std::optional<int> revision) {
  return revision ? view.taskDefinition(family, *revision) : view.latestActive(family);
}

// ---- Data ----

Data::Data()
    : tasksByCluster_(clusterOfTask),
      tasksByInstance_(instanceOfTask),
      tasksByServiceGroup_(serviceGroupOfTask),
      instancesByCluster_(clusterIfRegistered),
      counts_(instances(), usage_),
      remaining_(instances(), usage_) {
  auto& tasks = std::get<Table<Task>>(tables_);
  auto& instances = std::get<Table<ContainerInstance>>(tables_);
  tasks.subscribe(usage_);
  tasks.subscribe(tasksByCluster_);
  tasks.subscribe(tasksByInstance_);
  tasks.subscribe(tasksByServiceGroup_);
  tasks.subscribe(counts_);
  tasks.subscribe(remaining_);
  instances.subscribe(instancesByCluster_);
  instances.subscribe(counts_);
  instances.subscribe(remaining_);
  std::get<Table<Service>>(tables_).subscribe(counts_);
}

void Data::apply(ChangeSet&& changes) {
  forEachTable(tables_,
               [&]<class Row>(Table<Row>& table) { table.apply(std::move(changes.of<Row>())); });
  remaining_.settle();
}

const Cluster* Data::cluster(std::string_view name) const { return clusters().find(name); }

const TaskDefinition* Data::taskDefinition(std::string_view family, int revision) const {
  return taskDefinitions().find(std::make_pair(std::string(family), revision));
}

const TaskDefinition* Data::latestActive(std::string_view family) const {
  const auto& definitions = taskDefinitions();
  // From the family's newest revision down.
  for (auto it = definitions.from(std::make_pair(std::string(family), kNoRevision));
       it != definitions.begin();) {
    --it;
    if (it->first.first != family) break;
    if (it->second.status == "ACTIVE") return &it->second;
  }
  return nullptr;
}

int Data::highestRevision(std::string_view family) const {
  const auto& definitions = taskDefinitions();
  auto it = definitions.from(std::make_pair(std::string(family), kNoRevision));
  if (it == definitions.begin()) return 0;
  --it;
  return it->first.first == family ? it->first.second : 0;
}

const ContainerInstance* Data::instance(std::string_view id) const { return instances().find(id); }

const Task* Data::task(std::string_view id) const { return tasks().find(id); }

ClusterCounts Data::counts(std::string_view cluster) const { return counts_.of(cluster); }

Usage Data::usage(std::string_view instanceId) const {
  const Usage* used = usage_.find(instanceId);
  return used ? *used : Usage{};
}

LayeredUsage Data::layeredUsage(std::string_view instanceId) const {
  return LayeredUsage(usage_.find(instanceId));
}

std::vector<std::string> Data::instanceIds(std::string_view cluster) const {
  const auto& ids = instancesByCluster_.of(cluster);
  return {ids.begin(), ids.end()};
}

const std::set<std::string>& Data::registeredInstanceIds(std::string_view cluster) const {
  return instancesByCluster_.of(cluster);
}

std::optional<std::string> Data::idempotentAnswer(std::string_view key) const {
  const RecordedAnswer* answer = answers().find(key);
  return answer ? std::optional<std::string>(answer->answer.text) : std::nullopt;
}

const std::set<std::string>& Data::taskIds(std::string_view cluster) const {
  return tasksByCluster_.of(cluster);
}

const std::set<std::string>& Data::taskIdsOn(std::string_view instanceId) const {
  return tasksByInstance_.of(instanceId);
}

const std::set<std::string>& Data::taskIdsInServiceGroup(std::string_view group) const {
  return tasksByServiceGroup_.of(group);
}

// ---- Draft ----

Draft::Draft(const Data& base)
    : base_(base),
      tables_(std::apply(
          [this](const auto&... table) {
            return PerTable<TableDraft>{TableDraft(table, journal_)...};
          },
          base.tables())) {}

const Cluster* Draft::cluster(std::string_view name) const { return table<Cluster>().find(name); }

const TaskDefinition* Draft::taskDefinition(std::string_view family, int revision) const {
  return table<TaskDefinition>().find(std::make_pair(std::string(family), revision));
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
  return table<ContainerInstance>().find(id);
}

const Task* Draft::task(std::string_view id) const { return table<Task>().find(id); }

Usage Draft::usage(std::string_view instanceId) const {
  Usage used = base_.usage(instanceId);
  if (const auto it = usageDeltas_.find(instanceId); it != usageDeltas_.end()) {
    used.merge(it->second);
  }
  return used;
}

LayeredUsage Draft::layeredUsage(std::string_view instanceId) const {
  const auto it = usageDeltas_.find(instanceId);
  return LayeredUsage(base_.findUsage(instanceId),
                      it == usageDeltas_.end() ? nullptr : &it->second);
}

ClusterCounts Draft::counts(std::string_view cluster) const {
  // The committed counts, with each instance this draft touched counted anew.
  std::map<std::string, ClusterCounts, std::less<>> delta;
  for (const auto& id : touchedInstances()) {
    countInstance(base_, id, -1, delta);
    countInstance(*this, id, 1, delta);
  }
  ClusterCounts counts = base_.counts(cluster);
  if (const auto changed = delta.find(cluster); changed != delta.end()) counts += changed->second;
  for (const auto& [key, service] : table<Service>().overlay()) {
    if (key.first != cluster) continue;
    if (const Service* was = base_.service(key.first, key.second)) counts += serviceCounts(*was, -1);
    if (service) counts += serviceCounts(*service, 1);
  }
  return counts;
}

std::vector<std::string> Draft::instanceIds(std::string_view cluster) const {
  const auto& committed = base_.registeredInstanceIds(cluster);
  const auto& overlay = table<ContainerInstance>().overlay();
  if (overlay.empty()) return {committed.begin(), committed.end()};
  // This draft may have registered, moved or deregistered some.
  std::set<std::string> ids(committed.begin(), committed.end());
  for (const auto& [id, instance] : overlay) {
    if (instance && instance->cluster == cluster && registered(*instance)) {
      ids.insert(id);
    } else {
      ids.erase(id);
    }
  }
  return {ids.begin(), ids.end()};
}

std::optional<std::string> Draft::idempotentAnswer(std::string_view key) const {
  const RecordedAnswer* answer = table<RecordedAnswer>().find(key);
  return answer ? std::optional<std::string>(answer->answer.text) : std::nullopt;
}

std::set<std::string> Draft::taskIds(std::string_view cluster) const {
  std::set<std::string> ids = base_.taskIds(cluster);
  for (const auto& [id, task] : table<Task>().overlay()) {
    if (!task) {
      ids.erase(id);
    } else if (task->cluster == cluster) {
      ids.insert(id);
    }
  }
  return ids;
}

std::vector<const Task*> Draft::serviceTasks(std::string_view cluster,
                                             std::string_view service) const {
  const std::string group = serviceGroup(std::string(service));
  std::set<std::string> ids = base_.taskIdsInServiceGroup(group);
  for (const auto& [id, task] : table<Task>().overlay()) {
    if (task && task->group == group) ids.insert(id);
  }
  std::vector<const Task*> tasks;
  for (const auto& id : ids) {
    const Task* task = this->task(id);
    if (task && task->group == group && task->cluster == cluster) tasks.push_back(task);
  }
  return tasks;
}

bool Draft::hasInstances(std::string_view cluster) const {
  const auto& committed = base_.registeredInstanceIds(cluster);
  std::size_t count = committed.size();
  for (const auto& [id, instance] : table<ContainerInstance>().overlay()) {
    const bool wasThere = committed.contains(id);
    const bool isThere = instance && instance->cluster == cluster && registered(*instance);
    if (wasThere && !isThere) --count;
    if (!wasThere && isThere) ++count;
  }
  return count > 0;
}

std::set<std::string> Draft::touchedInstances() const {
  std::set<std::string> ids;
  for (const auto& [id, instance] : table<ContainerInstance>().overlay()) ids.insert(id);
  for (const auto& [id, delta] : usageDeltas_) ids.insert(id);
  return ids;
}

int Draft::nextRevision(std::string_view family) const {
  int highest = base_.highestRevision(family);
  const auto& overlay = table<TaskDefinition>().overlay();
  for (auto it = overlay.lower_bound(std::make_pair(std::string(family), 0));
       it != overlay.end() && it->first.first == family; ++it) {
    highest = std::max(highest, it->first.second);
  }
  return highest + 1;
}

void Draft::addUsage(const Task& task, int sign) {
  const std::string& id = task.containerInstanceId;
  journal_.recordEntry(usageDeltas_, id);
  usageDeltas_[id].add(task, sign);
}

void Draft::put(Task task) {
  // Usage follows the task: what its previous version held is given back.
  if (const Task* previous = this->task(task.id)) addUsage(*previous, -1);
  addUsage(task, 1);
  table<Task>().put(std::move(task));
}

void Draft::removeTask(const std::string& id) {
  if (const Task* previous = task(id)) addUsage(*previous, -1);
  table<Task>().remove(id);
}

void Draft::recordAnswer(std::string key, Answer answer) {
  table<RecordedAnswer>().put({std::move(key), std::move(answer)});
}

void Draft::forgetAnswer(const std::string& key) { table<RecordedAnswer>().remove(key); }

ChangeSet Draft::changes() const {
  ChangeSet changes;
  forEachTable(changes.tables,
               [&]<class Row>(RowChanges<Row>& rows) { rows = table<Row>().changes(); });
  return changes;
}

// ---- State ----

Result<std::unique_ptr<State>> State::load(Store& store) {
  auto stored = store.load();
  if (!stored) return stored.error();
  std::unique_ptr<State> state(new State(store));
  ChangeSet everything;
  forEachTable(everything.tables, [&]<class Row>(RowChanges<Row>& rows) {
    rows.put = std::move(stored->template of<Row>());
  });
  state->apply(std::move(everything));
  spdlog::info(
      "msg=\"state loaded\" clusters={} task_definitions={} container_instances={} "
      "tasks={}",
      state->data_.clusters().size(), state->data_.taskDefinitions().size(),
      state->data_.instances().size(), state->data_.tasks().size());
  return state;
}

State::State(Store& store) : store_(store), writer_([this] { writeGroups(); }) {}

State::~State() {
  {
    std::lock_guard lock(queueMutex_);
    stopping_ = true;
  }
  handedOverOrStopping_.notify_one();
  writer_.join();
}

bool State::submit(Write& write, bool mayLead) {
  std::unique_lock lock(queueMutex_);
  queue_.push_back(&write);
  if (leading_) return false;  // whoever leads takes it with the next group
  if (!mayLead) {  // the writer thread leads, and this thread goes on
    leading_ = true;
    handedOver_ = true;
    handedOverOrStopping_.notify_one();
    return false;
  }
  leading_ = true;
  runQueued(lock, &write);
  if (queue_.empty()) {
    leading_ = false;
    if (stopping_) handedOverOrStopping_.notify_one();  // the writer may go now
  } else {
    // Writes queued meanwhile: the writer thread goes on with them, so this
    // caller's own answer waits for no one else's commit.
    handedOver_ = true;
    handedOverOrStopping_.notify_one();
  }
  return true;
}

void State::runQueued(std::unique_lock<std::mutex>& lock, const Write* own) {
  std::vector<Write*> group;
  group.swap(queue_);
  lock.unlock();
  // Everything queued while the last group committed goes in this one, so a
  // group grows with the load rather than with a thread count.
  runGroup(group);
  for (Write* write : group) {
    if (write != own) write->finished();
  }
  lock.lock();
}

void State::writeGroups() {
  std::unique_lock lock(queueMutex_);
  for (;;) {
    handedOverOrStopping_.wait(lock, [&] { return handedOver_ || (stopping_ && !leading_); });
    if (!handedOver_) return;  // stopping, and every write is answered
    while (!queue_.empty()) runQueued(lock, nullptr);
    handedOver_ = false;
    leading_ = false;
  }
}

void State::runGroup(const std::vector<Write*>& group) {
  Draft draft(data_);  // reading data_ unlocked is safe: only the leading thread changes it
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
  if (applied_) applied_(changes);
  data_.apply(std::move(changes));
}

}  // namespace ecsd
