// The in-memory index of everything stored, and the one path writes take:
// change a draft -> commit it durably -> make it visible. Readers see only
// committed state and never wait for the disk.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <exception>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "ecsd/domain/cluster.h"
#include "ecsd/domain/container_instance.h"
#include "ecsd/domain/service.h"
#include "ecsd/domain/task.h"
#include "ecsd/domain/task_definition.h"
#include "ecsd/result.h"
#include "ecsd/state/remaining_index.h"
#include "ecsd/state/table.h"
#include "ecsd/state/usage.h"
#include "ecsd/state/views.h"
#include "ecsd/store/store.h"

namespace ecsd {

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
  virtual const Service* service(std::string_view cluster, std::string_view name) const = 0;
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

// Committed state: a table per resource and the views derived from them.
// Operations read it through these queries, never through the tables' maps.
class Data final : public StateView {
 public:
  Data();
  Data(const Data&) = delete;
  Data& operator=(const Data&) = delete;

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

  // Every row of a resource, in key order (clusters by name, task
  // definitions by family then revision, instances and tasks by id).
  template <class Row>
  const Table<Row>& table() const {
    return std::get<Table<Row>>(tables_);
  }
  // The row of that key (nullptr: none).
  template <class Row, class K>
  const Row* find(const K& key) const {
    return table<Row>().find(key);
  }
  const Table<Cluster>& clusters() const { return table<Cluster>(); }
  const Table<TaskDefinition>& taskDefinitions() const { return table<TaskDefinition>(); }
  const Table<ContainerInstance>& instances() const { return table<ContainerInstance>(); }
  const Table<Task>& tasks() const { return table<Task>(); }
  const Table<RecordedAnswer>& answers() const { return table<RecordedAnswer>(); }
  const Table<Service>& services() const { return table<Service>(); }
  const PerTable<Table>& tables() const { return tables_; }
  const Service* service(std::string_view cluster, std::string_view name) const override {
    return find<Service>(std::make_pair(std::string(cluster), std::string(name)));
  }

  // The committed usage itself (nullptr: nothing), for a draft to layer over.
  const Usage* findUsage(std::string_view instanceId) const { return usage_.find(instanceId); }
  // The highest revision the family ever had (0: none).
  int highestRevision(std::string_view family) const;
  // Task ids of the cluster (all statuses), in id order.
  const std::set<std::string>& taskIds(std::string_view cluster) const;
  // Task ids on the instance (all statuses), in id order.
  const std::set<std::string>& taskIdsOn(std::string_view instanceId) const;
  // Task ids of a service's group ("service:NAME", all statuses) in every
  // cluster, in id order.
  const std::set<std::string>& taskIdsInServiceGroup(std::string_view group) const;
  // Registered instances of the cluster, in id order.
  const std::set<std::string>& registeredInstanceIds(std::string_view cluster) const;
  // The remaining-resources index and its subsets (views.h: RemainingView),
  // placement's seam.
  const RemainingView& remaining() const { return remaining_; }

  // Makes committed changes visible: each table in turn, then the views
  // that wait for the whole change. State::apply calls it under its lock.
  void apply(ChangeSet&& changes);

 private:
  PerTable<Table> tables_;
  UsageByInstance usage_;
  IdsByGroup<Task> tasksByCluster_;
  IdsByGroup<Task> tasksByInstance_;
  IdsByGroup<Task> tasksByServiceGroup_;
  IdsByGroup<ContainerInstance> instancesByCluster_;
  ClusterCountsView counts_;
  RemainingView remaining_;
};

// One write's view: committed state with its own changes laid over it.
class Draft final : public StateView {
 public:
  explicit Draft(const Data& base);

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
  // The row of that key as this write sees it (nullptr: none).
  template <class Row, class K>
  const Row* find(const K& key) const {
    return table<Row>().find(key);
  }
  // Task ids of the cluster (all statuses) as this write sees them.
  std::set<std::string> taskIds(std::string_view cluster) const;
  // The service's tasks (all statuses) as this write sees them.
  std::vector<const Task*> serviceTasks(std::string_view cluster, std::string_view service) const;
  const Service* service(std::string_view cluster, std::string_view name) const override {
    return find<Service>(std::make_pair(std::string(cluster), std::string(name)));
  }
  // Whether the cluster has a registered instance, without listing them.
  bool hasInstances(std::string_view cluster) const;
  // Instances this draft changed (or whose usage it changed): their entries
  // in the base's indexes are stale until it commits.
  std::set<std::string> touchedInstances() const;

  void put(Cluster cluster) { table<Cluster>().put(std::move(cluster)); }
  void put(TaskDefinition definition) { table<TaskDefinition>().put(std::move(definition)); }
  void put(ContainerInstance instance) { table<ContainerInstance>().put(std::move(instance)); }
  void put(Task task);
  void put(Service service) { table<Service>().put(std::move(service)); }
  void removeTask(const std::string& id);  // forgets a STOPPED task
  // Any row of a table that no view derives from (IAM's identities): the
  // tables above with views have their own put.
  template <class Row>
  void putRow(Row row) {
    table<Row>().put(std::move(row));
  }
  template <class Row>
  void removeRow(const typename Codec<Row>::Key& key) {
    table<Row>().remove(key);
  }
  // The answer recorded under key, as this write sees it (nullptr: none).
  const RecordedAnswer* answer(std::string_view key) const {
    return table<RecordedAnswer>().find(key);
  }
  void recordAnswer(std::string key, Answer answer);
  void forgetAnswer(const std::string& key);  // an expired one
  ChangeSet changes() const;

  // Every change is journaled, so that one write of a group can be undone
  // without the others: rollback(mark()) restores the draft as it was.
  std::size_t mark() const { return journal_.mark(); }
  void rollback(std::size_t mark) { journal_.rollback(mark); }

 private:
  template <class Row>
  TableDraft<Row>& table() {
    return std::get<TableDraft<Row>>(tables_);
  }
  template <class Row>
  const TableDraft<Row>& table() const {
    return std::get<TableDraft<Row>>(tables_);
  }
  // What the task's current version holds leaves its instance's usage
  // (sign -1), or what a new version holds joins it (1); journaled.
  void addUsage(const Task& task, int sign);

  const Data& base_;
  Journal journal_;
  PerTable<TableDraft> tables_;
  // The draft's layer of the usage view, so that several placements in one
  // write (or one group) see each other.
  std::map<std::string, Usage, std::less<>> usageDeltas_;  // by instance id
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
  // caller. Writes run one at a time, and those that arrive together are
  // committed together (group commit): each runs on the draft the ones before
  // it left, a failed one is rolled back alone, and one transaction makes
  // them all durable, so many writers share one disk sync.
  //
  // Who runs them: a write that finds none running runs its own group on its
  // own thread (a lone client's write costs no hand-off between threads);
  // writes that arrive meanwhile queue, and once that group is done the
  // state's writer thread takes over the queue. So at most one caller's
  // thread waits on the disk at a time, and groups grow with the load.
  //
  // write() blocks the calling thread until then (for tools, tests and
  // periodic work); a request handler awaits committed() instead, which holds
  // no thread while the disk syncs unless its own write leads. REQUIRES: not
  // called from a write's own completion (it would wait for itself).
  template <class F>
  auto write(F&& change) -> decltype(change(std::declval<Draft&>())) {
    std::optional<decltype(change(std::declval<Draft&>()))> result;
    std::promise<void> finished;
    Write write{[&](Draft& draft) {
                  result.emplace(change(draft));
                  return result->ok();
                },
                [&] { finished.set_value(); }};
    if (!submit(write)) finished.get_future().wait();
    if (write.exception) std::rethrow_exception(write.exception);
    if (write.commitError) return *write.commitError;
    return std::move(*result);
  }

  // Inside a Later: `co_await state.committed(change)` gives what
  // write(change) would, and the coroutine goes on through resumeOn's
  // executor once the write is committed and applied (or failed).
  template <class F>
  auto committed(F change) {
    return Committing<F>{*this, std::move(change)};
  }

  // Where coroutines waiting in committed() resume when another thread ran
  // their write (one that led its own goes straight on): `here` is asked on
  // the thread that suspends one and names the executor it resumes on. By
  // default the writer thread itself; the server names the suspending
  // thread's own event loop, so that the writer goes on to the next group and
  // the handler beside its connection. Call before the first write.
  using Executor = std::function<void(std::function<void()>)>;
  void resumeOn(std::function<Executor()> here) { resumeHere_ = std::move(here); }
  // Whether a coroutine's write may lead its own group on the thread that
  // awaits it, and so wait there for the disk. The server says no on its
  // event loops: a loop waiting for the disk would hold every connection it
  // serves, reads too; the writer thread runs the group instead. By default
  // yes. Call before the first write.
  void leadOn(std::function<bool()> mayLead) { mayLead_ = std::move(mayLead); }

  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  // Told of every change as it is applied, in commit order, under the
  // state's exclusive lock (so a reader it wakes sees the change applied):
  // it must be quick and must not read the state. The service scheduler
  // learns what changed this way. Set before the first write.
  using Listener = std::function<void(const ChangeSet&)>;
  void onApplied(Listener listener) { applied_ = std::move(listener); }

  // How many store commits have carried writes (for tests and metrics).
  std::uint64_t commits() const { return commits_.load(); }

  // Recomputes every instance's usage from its tasks, and each cluster's
  // counts, and lists the ARN of each instance or cluster whose kept figures
  // differ (empty when all agree). Runs in slices, each under the shared
  // lock for a bounded amount of work, so writes never wait long for it;
  // longestHold, if given, learns the longest slice.
  std::vector<std::string> checkAccounting(std::chrono::nanoseconds* longestHold = nullptr) const;

 private:
  struct Write {
    std::function<bool(Draft&)> run;  // false: the change failed (its Result says why)
    // Called once the write is committed or failed, unless the write led its
    // own group (submit returned true); the Write may be gone as soon as it
    // is called.
    std::function<void()> finished;
    std::exception_ptr exception = nullptr;
    std::optional<Error> commitError = std::nullopt;
  };

  // The awaitable committed() returns; it lives in the waiting coroutine's frame.
  template <class F>
  struct Committing {
    using Answer = decltype(std::declval<F&>()(std::declval<Draft&>()));
    State& state;
    F change;
    std::optional<Answer> result = std::nullopt;
    Write write = {};

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> waiting) {
      write.run = [this](Draft& draft) {
        result.emplace(change(draft));
        return result->ok();
      };
      write.finished = [executor = state.resumeHere_(), waiting] {
        executor([waiting] { waiting.resume(); });
      };
      // Last: unless it led, the coroutine may resume before submit returns.
      return !state.submit(write, state.mayLead_());  // led: go straight on
    }
    Answer await_resume() {
      if (write.exception) std::rethrow_exception(write.exception);
      if (write.commitError) return *write.commitError;
      return std::move(*result);
    }
  };

  explicit State(Store& store);
  // Runs the write's group on this thread if no write is running, and then
  // returns true (its finished() is not called); otherwise queues it and
  // returns false, and write.finished() follows.
  bool submit(Write& write, bool mayLead = true);
  // The writer thread: once a leading write hands the queue over, runs every
  // queued write as one group, commits it, applies it, and tells each write,
  // until the queue is empty; until the state is destroyed.
  void writeGroups();
  // Takes the queue as one group, runs it and tells each write but `own`.
  // REQUIRES: lock held, this thread leading.
  void runQueued(std::unique_lock<std::mutex>& lock, const Write* own);
  void runGroup(const std::vector<Write*>& group);
  void apply(ChangeSet changes);

  Store& store_;
  Data data_;
  mutable std::shared_mutex mutex_;  // guards data_ against readers while applying
  std::mutex queueMutex_;            // guards queue_, leading_, handedOver_ and stopping_
  std::condition_variable handedOverOrStopping_;
  std::vector<Write*> queue_;
  bool leading_ = false;     // some thread is running a group
  bool handedOver_ = false;  // the writer thread is, or is about to
  bool stopping_ = false;
  std::function<Executor()> resumeHere_ = [] {
    return [](std::function<void()> resume) { resume(); };
  };
  std::function<bool()> mayLead_ = [] { return true; };
  Listener applied_;
  std::atomic<std::uint64_t> commits_{0};
  std::thread writer_;  // last: it starts once everything above exists
};

}  // namespace ecsd
