// The in-memory index of everything stored, and the one path writes take:
// change a draft -> commit it durably -> make it visible. Readers see only
// committed state and never wait for the disk.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ecsd/domain/cluster.h"
#include "ecsd/domain/container_instance.h"
#include "ecsd/domain/task.h"
#include "ecsd/domain/task_definition.h"
#include "ecsd/result.h"
#include "ecsd/scheduler/attribute_counts.h"
#include "ecsd/state/remaining_index.h"
#include "ecsd/state/usage.h"
#include "ecsd/store/store.h"

namespace ecsd {

// What a cluster holds, as DescribeClusters counts it.
struct ClusterCounts {
  int registeredContainerInstances = 0;
  int runningTasks = 0;
  int pendingTasks = 0;
  int activeServices = 0;  // services are not modelled yet
  bool empty() const {
    return registeredContainerInstances == 0 && runningTasks == 0 && pendingTasks == 0 &&
           activeServices == 0;
  }
};

// Point lookups, the same over committed state and over a write's draft.
class StateView {
 public:
  virtual ~StateView() = default;
  virtual const Cluster* cluster(std::string_view name) const = 0;
  virtual const TaskDefinition* taskDefinition(std::string_view family, int revision) const = 0;
  // The highest ACTIVE revision of family, or nullptr.
  virtual const TaskDefinition* latestActive(std::string_view family) const = 0;
  virtual const ContainerInstance* instance(std::string_view id) const = 0;
  virtual const Task* task(std::string_view id) const = 0;
  // What the live tasks on the instance hold.
  virtual Usage usage(std::string_view instanceId) const = 0;
  // The same without copying it: valid while the view is, and, over a draft,
  // until the draft changes that instance's usage.
  virtual LayeredUsage layeredUsage(std::string_view instanceId) const = 0;
  // Registered (not deregistered) instances of the cluster, by id.
  virtual std::vector<std::string> instanceIds(std::string_view cluster) const = 0;
  // The answer recorded for an idempotent call (by client token), if any.
  virtual std::optional<std::string> idempotentAnswer(std::string_view key) const = 0;
  // What DescribeClusters shows; kept up to date, not counted per call.
  virtual ClusterCounts counts(std::string_view cluster) const = 0;
};

// "family" resolves to the latest ACTIVE revision, "family:rev" to that
// revision in any status. nullptr when there is none.
const TaskDefinition* resolveTaskDefinition(const StateView& view, std::string_view family,
                                            std::optional<int> revision);

using Family = std::map<int, TaskDefinition>;  // by revision

// Committed state.
struct Data final : StateView {
  struct ClusterIndex {
    std::set<std::string> instanceIds;  // registered ones
    std::set<std::string> taskIds;
    ClusterCounts counts;  // over its registered instances' live tasks
  };

  std::map<std::string, Cluster, std::less<>> clusters;             // by name, ACTIVE and INACTIVE
  std::map<std::string, Family, std::less<>> families;              // by family name
  std::map<std::string, ContainerInstance, std::less<>> instances;  // by id, INACTIVE too
  std::map<std::string, Task, std::less<>> tasks;                   // by id
  std::map<std::string, Usage, std::less<>> usages;                 // by instance id
  std::map<std::string, ClusterIndex, std::less<>> clusterIndex;    // by cluster name
  std::map<std::string, std::set<std::string>, std::less<>> taskIdsByInstance;  // all statuses
  std::map<std::string, Answer, std::less<>> idempotency;           // by key
  // Per cluster, registered instances ordered by remaining CPU and by
  // remaining memory, so that binpack finds the tightest fit without visiting
  // every instance.
  struct Indexed {
    std::string cluster;
    std::int64_t cpu = 0;
    std::int64_t memory = 0;
  };
  std::map<std::string, RemainingIndex, std::less<>> cpuIndex;
  std::map<std::string, RemainingIndex, std::less<>> memoryIndex;
  std::map<std::string, Indexed, std::less<>> indexedAs;  // instance id -> its keys
  scheduler::AttributeCounts attributeCounts;               // spread's group counts per value

  const Cluster* cluster(std::string_view name) const override;
  const TaskDefinition* taskDefinition(std::string_view family, int revision) const override;
  const TaskDefinition* latestActive(std::string_view family) const override;
  const ContainerInstance* instance(std::string_view id) const override;
  const Task* task(std::string_view id) const override;
  Usage usage(std::string_view instanceId) const override;
  LayeredUsage layeredUsage(std::string_view instanceId) const override;
  std::vector<std::string> instanceIds(std::string_view cluster) const override;
  std::optional<std::string> idempotentAnswer(std::string_view key) const override;
  ClusterCounts counts(std::string_view cluster) const override;
  // Task ids of the cluster (all statuses), in id order.
  const std::set<std::string>& taskIds(std::string_view cluster) const;
  // Task ids on the instance (all statuses), in id order.
  const std::set<std::string>& taskIdsOn(std::string_view instanceId) const;
  const RemainingIndex& byRemaining(Resource resource, std::string_view cluster) const;
  // Puts the instance where its remaining CPU and memory now belong in the indexes.
  void reindex(const std::string& instanceId);
};

// One write's view: committed state with its own changes laid over it.
class Draft final : public StateView {
 public:
  explicit Draft(const Data& base) : base_(base) {}

  const Cluster* cluster(std::string_view name) const override;
  const TaskDefinition* taskDefinition(std::string_view family, int revision) const override;
  const TaskDefinition* latestActive(std::string_view family) const override;
  const ContainerInstance* instance(std::string_view id) const override;
  const Task* task(std::string_view id) const override;
  Usage usage(std::string_view instanceId) const override;
  std::vector<std::string> instanceIds(std::string_view cluster) const override;
  std::optional<std::string> idempotentAnswer(std::string_view key) const override;
  ClusterCounts counts(std::string_view cluster) const override;
  LayeredUsage layeredUsage(std::string_view instanceId) const override;
  // One past the highest revision the family ever had (revisions are never reused).
  int nextRevision(std::string_view family) const;
  const Data& base() const { return base_; }
  // Task ids of the cluster (all statuses) as this write sees them.
  std::set<std::string> taskIds(std::string_view cluster) const;
  // Whether the cluster has a registered instance, without listing them.
  bool hasInstances(std::string_view cluster) const;
  // Instances this draft changed (or whose usage it changed): their entries
  // in the base's indexes are stale until it commits.
  std::set<std::string> touchedInstances() const;

  void put(Cluster cluster);
  void put(TaskDefinition definition);
  void put(ContainerInstance instance);
  void put(Task task);
  void removeTask(const std::string& id);  // forgets a STOPPED task
  void recordAnswer(std::string key, Answer answer);
  void forgetAnswer(const std::string& key);  // an expired one
  ChangeSet changes() const;

  // Every change is journaled, so that one write of a group can be undone
  // without the others: rollback(mark()) restores the draft as it was.
  std::size_t mark() const { return undo_.size(); }
  void rollback(std::size_t mark);

 private:
  // Journals how to restore map[key] as it is now.
  template <class Map, class Key>
  void remember(Map& map, const Key& key);
  void rememberTask(const std::string& id);  // the task and whether it was removed

  const Data& base_;
  std::vector<std::function<void()>> undo_;
  std::map<std::string, Cluster, std::less<>> clusters_;
  std::map<std::pair<std::string, int>, TaskDefinition> definitions_;
  std::map<std::string, ContainerInstance, std::less<>> instances_;
  std::map<std::string, Task, std::less<>> tasks_;
  std::set<std::string, std::less<>> removedTasks_;
  std::map<std::string, Usage, std::less<>> usageDeltas_;  // by instance id
  std::map<std::string, Answer, std::less<>> answers_;
  std::set<std::string, std::less<>> forgottenAnswers_;
};

class State {
 public:
  // Loads everything the store holds.
  static Result<std::unique_ptr<State>> load(Store& store);

  // Runs f(const Data&) under a shared lock and returns what it returns.
  template <class F>
  auto read(F&& f) const {
    std::shared_lock lock(mutex_);
    return f(static_cast<const Data&>(data_));
  }

  // Runs change(Draft&) -> Result<T>. When it succeeds, its changes are
  // committed to the store and only then applied to memory; when it or the
  // commit fails, nothing changes, and an exception it throws reaches the
  // caller. Writes are serialized, and those that arrive together are
  // committed together (group commit): each runs on the draft the ones before
  // it left, a failed one is rolled back alone, and one transaction makes them
  // all durable, so many writers share one disk sync.
  template <class F>
  auto write(F&& change) -> decltype(change(std::declval<Draft&>())) {
    std::optional<decltype(change(std::declval<Draft&>()))> result;
    Write write{[&](Draft& draft) {
      result.emplace(change(draft));
      return result->ok();
    }};
    if (auto failed = submit(write)) return *failed;
    return std::move(*result);
  }

  // How many store commits have carried writes (for tests and metrics).
  std::uint64_t commits() const { return commits_.load(); }

  // Recomputes every instance's usage from its tasks, and each cluster's
  // counts, and lists the ARN of each instance or cluster whose kept figures
  // differ (empty when all agree).
  std::vector<std::string> checkAccounting() const;

 private:
  struct Write {
    std::function<bool(Draft&)> run;  // false: the change failed (its Result says why)
    bool done = false;
    std::exception_ptr exception = nullptr;
    std::optional<Error> commitError = std::nullopt;
  };

  explicit State(Store& store) : store_(store) {}
  // Queues the write and returns once it is committed or failed; the first
  // waiting writer leads, running every queued write as a group.
  std::optional<Error> submit(Write& write);
  void runGroup(const std::vector<Write*>& group);
  void apply(ChangeSet changes);

  Store& store_;
  Data data_;
  mutable std::shared_mutex mutex_;  // guards data_ against readers while applying
  std::mutex queueMutex_;            // guards queue_ and leading_
  std::condition_variable queueDone_;
  std::vector<Write*> queue_;
  bool leading_ = false;
  std::atomic<std::uint64_t> commits_{0};
};

}  // namespace ecsd
