// The State over a Store (a fake one, and SQLite), and a write's Draft.
#include "ecsd/state/state.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ecsd/errors.h"
#include "ecsd/later.h"
#include "ecsd/store/sqlite_store.h"
#include "support/store_samples.h"
#include "support/test_files.h"

namespace ecsd {
namespace {

using namespace test_support;

TEST(StateTest, LoadIndexesWhatTheStoreHolds) {
  FakeStore store;
  store.stored.of<Cluster>() = {sampleCluster("a"), sampleCluster("b")};
  store.stored.of<TaskDefinition>() = {definition("web", 1), definition("web", 2, "INACTIVE"),
                                       definition("api", 1)};
  auto state = loadState(store);
  ASSERT_TRUE(state);
  state->read([](const Data& data) {
    EXPECT_EQ(data.clusters().size(), 2u);
    EXPECT_EQ(data.taskDefinitions().size(), 3u);
    EXPECT_EQ(data.highestRevision("web"), 2);
    ASSERT_NE(data.cluster("a"), nullptr);
    EXPECT_EQ(data.cluster("a")->arn, sampleCluster("a").arn);
    EXPECT_EQ(data.cluster("c"), nullptr);
    ASSERT_NE(data.taskDefinition("web", 2), nullptr);
    EXPECT_EQ(data.taskDefinition("web", 2)->status, "INACTIVE");
    EXPECT_EQ(data.taskDefinition("web", 3), nullptr);
    EXPECT_EQ(data.taskDefinition("nope", 1), nullptr);
    ASSERT_NE(data.latestActive("web"), nullptr);
    EXPECT_EQ(data.latestActive("web")->revision, 1);
    EXPECT_EQ(data.latestActive("nope"), nullptr);
    EXPECT_TRUE(data.counts("a").empty());
  });
}

TEST(StateTest, LoadFailureIsReturned) {
  FakeStore store;
  store.failLoad = errors::server("disk on fire");
  auto state = State::load(store);
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.error().message, "disk on fire");
}

TEST(StateTest, WriteCommitsBeforeItApplies) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  bool visibleDuringCommit = true;
  store.onCommit = [&](const ChangeSet&) { visibleDuringCommit = hasCluster(*state, "demo"); };

  auto result = state->write([](Draft& draft) -> Result<int> {
    draft.put(sampleCluster("demo"));
    return 42;
  });
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, 42);
  EXPECT_FALSE(visibleDuringCommit);
  EXPECT_TRUE(hasCluster(*state, "demo"));
  ASSERT_EQ(store.commits.size(), 1u);
  ASSERT_EQ(store.commits[0].of<Cluster>().put.size(), 1u);
  EXPECT_EQ(store.commits[0].of<Cluster>().put[0].name, "demo");
  EXPECT_TRUE(store.commits[0].of<TaskDefinition>().empty());
}

TEST(StateTest, FailedChangeCommitsAndAppliesNothing) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  auto result = state->write([](Draft& draft) -> Result<int> {
    draft.put(sampleCluster("demo"));
    draft.put(definition("web", 1));
    return errors::client("no");
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().type, "ClientException");
  EXPECT_TRUE(store.commits.empty());
  EXPECT_FALSE(hasCluster(*state, "demo"));
  EXPECT_TRUE(state->read([](const Data& data) { return data.taskDefinitions().empty(); }));
}

TEST(StateTest, FailedCommitAppliesNothing) {
  FakeStore store;
  store.stored.of<Cluster>() = {sampleCluster("demo")};
  auto state = loadState(store);
  ASSERT_TRUE(state);
  store.failCommit = errors::server("sqlite: disk I/O error");
  auto result = state->write([](Draft& draft) -> Result<int> {
    Cluster changed = *draft.cluster("demo");
    changed.status = "INACTIVE";
    draft.put(changed);
    draft.put(sampleCluster("other"));
    draft.put(definition("web", 1));
    return 1;
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().type, "ServerException");
  EXPECT_EQ(result.error().message, "sqlite: disk I/O error");
  EXPECT_TRUE(store.commits.empty());
  state->read([](const Data& data) {
    EXPECT_EQ(data.cluster("demo")->status, "ACTIVE");
    EXPECT_EQ(data.cluster("other"), nullptr);
    EXPECT_TRUE(data.taskDefinitions().empty());
  });
  // The next write starts from committed state, not the failed draft.
  store.failCommit.reset();
  auto next = state->write([](Draft& draft) -> Result<std::string> {
    EXPECT_EQ(draft.cluster("other"), nullptr);
    EXPECT_EQ(draft.nextRevision("web"), 1);
    return draft.cluster("demo")->status;
  });
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, "ACTIVE");
}

TEST(StateTest, ReadsDuringAWriteSeeOnlyCommittedState) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  auto result = state->write([&](Draft& draft) -> Result<bool> {
    draft.put(sampleCluster("demo"));
    EXPECT_NE(draft.cluster("demo"), nullptr);
    return hasCluster(*state, "demo");
  });
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(*result);
  EXPECT_TRUE(hasCluster(*state, "demo"));
}

TEST(StateTest, WritesBuildOnEachOther) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  for (int expected = 1; expected <= 3; ++expected) {
    auto revision = state->write([](Draft& draft) -> Result<int> {
      TaskDefinition t = definition("web", draft.nextRevision("web"));
      draft.put(t);
      return t.revision;
    });
    ASSERT_TRUE(revision.ok());
    EXPECT_EQ(*revision, expected);
  }
  EXPECT_EQ(store.commits.size(), 3u);
  EXPECT_EQ(state->read([](const Data& data) { return data.latestActive("web")->revision; }), 3);
}

TEST(StateTest, WorksOverTheSqliteStore) {
  TempDir dir;
  const std::string path = (dir.path / "ecsd.db").string();
  {
    auto store = openSqliteStore(path, Durability::Full);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto state = loadState(**store);
    ASSERT_TRUE(state);
    auto written = state->write([](Draft& draft) -> Result<bool> {
      draft.put(sampleCluster("demo"));
      draft.put(definition("web", 1));
      return true;
    });
    ASSERT_TRUE(written.ok()) << written.error().message;
  }
  auto store = openSqliteStore(path, Durability::Full);
  ASSERT_TRUE(store.ok());
  auto state = loadState(**store);
  ASSERT_TRUE(state);
  EXPECT_TRUE(hasCluster(*state, "demo"));
  EXPECT_EQ(state->read([](const Data& data) { return data.latestActive("web")->arn; }),
            definition("web", 1).arn);
}

TEST(StateTest, ConcurrentWritersAllLandAndShareCommits) {
  TempDir dir;
  auto store = openSqliteStore((dir.path / "ecsd.db").string(), Durability::Full);
  ASSERT_TRUE(store.ok());
  auto state = loadState(**store);
  ASSERT_TRUE(state);
  constexpr int kThreads = 16;
  constexpr int kWrites = 20;
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        const auto written = state->write([&](Draft& draft) -> Result<bool> {
          draft.put(sampleCluster("c" + std::to_string(t * kWrites + i)));
          return true;
        });
        if (written.ok()) ++acknowledged;
      }
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(acknowledged.load(), kThreads * kWrites);
  EXPECT_EQ(state->read([](const Data& data) { return data.clusters().size(); }),
            static_cast<std::size_t>(kThreads * kWrites));
  // Writers that arrived together shared a commit (a disk sync each at most).
  EXPECT_LT(state->commits(), static_cast<std::uint64_t>(kThreads * kWrites));
  auto reopened = loadState(**store);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->read([](const Data& data) { return data.clusters().size(); }),
            static_cast<std::size_t>(kThreads * kWrites));
}

TEST(StateTest, ALoneWriteRunsOnItsCallersThreadAndOthersQueueBehindIt) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  const auto caller = std::this_thread::get_id();
  std::thread::id ranOn, otherRanOn;
  std::promise<void> leading, writing;
  std::thread other;
  const auto led = state->write([&](Draft& draft) -> Result<bool> {
    ranOn = std::this_thread::get_id();
    other = std::thread([&] {
      leading.get_future().wait();
      writing.set_value();
      (void)state->write([&](Draft& d) -> Result<bool> {
        otherRanOn = std::this_thread::get_id();
        d.put(sampleCluster("second"));
        return true;
      });
    });
    leading.set_value();
    writing.get_future().wait();
    // Long enough for the other write, about to be submitted, to queue
    // behind this one (it cannot lead while this one runs).
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    draft.put(sampleCluster("first"));
    return true;
  });
  ASSERT_TRUE(led.ok());
  EXPECT_EQ(ranOn, caller);
  const auto otherThread = other.get_id();
  other.join();
  EXPECT_TRUE(hasCluster(*state, "first"));
  EXPECT_TRUE(hasCluster(*state, "second"));
  // It queued, so the writer thread ran it: neither this thread nor its own.
  EXPECT_NE(otherRanOn, caller);
  EXPECT_NE(otherRanOn, otherThread);
}

// Where no write may lead (the server's event loops), even a lone write is
// run by the writer thread, and its coroutine resumes through resumeOn's
// executor: the awaiting thread never waits for the disk.
Later<bool> createCluster(State& state, std::string name, std::thread::id* ranOn) {
  const auto written = co_await state.committed([&](Draft& draft) -> Result<bool> {
    *ranOn = std::this_thread::get_id();
    draft.put(sampleCluster(name));
    return true;
  });
  co_return written.ok();
}

TEST(StateTest, WhereNoWriteMayLeadTheWriterThreadRunsEvenALoneOne) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  std::atomic<int> resumedThroughExecutor{0};
  state->resumeOn([&] {
    return [&](std::function<void()> resume) {
      ++resumedThroughExecutor;
      resume();
    };
  });
  state->leadOn([] { return false; });
  std::thread::id ranOn;
  std::promise<Outcome<bool>> done;
  createCluster(*state, "lone", &ranOn).start([&](Outcome<bool> outcome) {
    done.set_value(std::move(outcome));
  });
  auto outcome = done.get_future().get();
  ASSERT_TRUE(outcome.value.has_value());
  EXPECT_TRUE(*outcome.value);
  EXPECT_NE(ranOn, std::this_thread::get_id());
  EXPECT_EQ(resumedThroughExecutor.load(), 1);
  EXPECT_TRUE(hasCluster(*state, "lone"));
}

TEST(StateTest, AnExceptionReachesItsCallerAndChangesNothing) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  EXPECT_THROW((void)state->write([](Draft& draft) -> Result<bool> {
    draft.put(sampleCluster("half"));
    throw std::runtime_error("change failed midway");
  }),
               std::runtime_error);
  EXPECT_FALSE(hasCluster(*state, "half"));
  const auto after = state->write([](Draft& draft) -> Result<bool> {
    draft.put(sampleCluster("whole"));
    return true;
  });
  EXPECT_TRUE(after.ok());
  EXPECT_TRUE(hasCluster(*state, "whole"));
}

TEST(StateTest, NoWriterServesOthersForever) {
  // Under a steady stream of writers, each still returns within a few
  // groups: a leader runs one group and hands over.
  FakeStore store;
  store.onCommit = [](const ChangeSet&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  };
  auto state = loadState(store);
  ASSERT_TRUE(state);
  std::atomic<bool> stop{false};
  std::atomic<long> worstMs{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 16; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        const auto start = std::chrono::steady_clock::now();
        (void)state->write([&](Draft& draft) -> Result<bool> {
          draft.put(sampleCluster("w" + std::to_string(t)));
          return true;
        });
        const long ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count();
        long seen = worstMs;
        while (ms > seen && !worstMs.compare_exchange_weak(seen, ms)) {
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (auto& w : writers) w.join();
  EXPECT_LT(worstMs.load(), 1000);
}

TEST(StateTest, AStoreThatThrowsFailsItsGroupAndLaterWritesGoOn) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  store.onCommit = [](const ChangeSet&) { throw std::runtime_error("disk on fire"); };
  EXPECT_THROW((void)state->write([](Draft& draft) -> Result<bool> {
    draft.put(sampleCluster("lost"));
    return true;
  }),
               std::runtime_error);
  EXPECT_FALSE(hasCluster(*state, "lost"));
  store.onCommit = nullptr;
  auto next = std::async(std::launch::async, [&] {
    return state->write([](Draft& draft) -> Result<bool> {
      draft.put(sampleCluster("later"));
      return true;
    });
  });
  ASSERT_EQ(next.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "a later write hangs";
  EXPECT_TRUE(next.get().ok());
  EXPECT_TRUE(hasCluster(*state, "later"));
}

TEST(StateTest, ClusterCountsAndInstanceTaskIdsFollowEveryChange) {
  FakeStore store;
  auto state = loadState(store);
  ASSERT_TRUE(state);
  const auto instance = [](const std::string& id, const std::string& status) {
    ContainerInstance i;
    i.id = id;
    i.cluster = "demo";
    i.status = status;
    return i;
  };
  const auto task = [](const std::string& id, const std::string& on, const std::string& status) {
    Task t;
    t.id = id;
    t.cluster = "demo";
    t.containerInstanceId = on;
    t.lastStatus = status;
    return t;
  };
  const auto write = [&](const std::function<void(Draft&)>& change) {
    ASSERT_TRUE(state
                    ->write([&](Draft& draft) -> Result<int> {
                      change(draft);
                      return 0;
                    })
                    .ok());
  };
  write([&](Draft& draft) {
    draft.put(sampleCluster("demo"));
    draft.put(instance("i-1", "ACTIVE"));
    draft.put(instance("i-2", "ACTIVE"));
    draft.put(task("t-1", "i-1", "RUNNING"));
    draft.put(task("t-2", "i-1", "PENDING"));
    draft.put(task("t-3", "i-2", "RUNNING"));
    // The draft counts its own changes before they are committed.
    const ClusterCounts counts = draft.counts("demo");
    EXPECT_EQ(counts.registeredContainerInstances, 2);
    EXPECT_EQ(counts.runningTasks, 2);
    EXPECT_EQ(counts.pendingTasks, 1);
  });
  const auto committed = [&] {
    return state->read([](const Data& data) { return data.counts("demo"); });
  };
  EXPECT_EQ(committed().runningTasks, 2);
  EXPECT_EQ(committed().pendingTasks, 1);
  write([&](Draft& draft) {
    draft.put(task("t-2", "i-1", "RUNNING"));
    draft.put(task("t-1", "i-1", "STOPPED"));
    EXPECT_EQ(draft.counts("demo").runningTasks, 2);
    EXPECT_EQ(draft.counts("demo").pendingTasks, 0);
  });
  EXPECT_EQ(committed().runningTasks, 2);
  EXPECT_EQ(committed().pendingTasks, 0);
  state->read([](const Data& data) {
    EXPECT_EQ(data.taskIdsOn("i-1"), (std::set<std::string>{"t-1", "t-2"}));
    EXPECT_EQ(data.taskIdsOn("i-2"), (std::set<std::string>{"t-3"}));
    return 0;
  });
  // A deregistered instance no longer counts, nor do its tasks; a forgotten
  // task leaves its instance's list.
  write([&](Draft& draft) {
    draft.put(instance("i-2", "INACTIVE"));
    draft.removeTask("t-1");
    EXPECT_EQ(draft.counts("demo").registeredContainerInstances, 1);
  });
  const ClusterCounts after = committed();
  EXPECT_EQ(after.registeredContainerInstances, 1);
  EXPECT_EQ(after.runningTasks, 1);
  state->read([](const Data& data) {
    EXPECT_EQ(data.taskIdsOn("i-1"), (std::set<std::string>{"t-2"}));
    return 0;
  });
  EXPECT_EQ(state->checkAccounting(), std::vector<std::string>{});
}

// --- Draft ---

class DraftTest : public testing::Test {
 protected:
  DraftTest() {
    ChangeSet committed;
    committed.of<TaskDefinition>().put = {definition("web", 1), definition("web", 2),
                                          definition("web", 3, "INACTIVE"),
                                          definition("old", 4, "DELETE_IN_PROGRESS")};
    committed.of<Cluster>().put = {sampleCluster("demo")};
    base_.apply(std::move(committed));
  }
  Data base_;
};

TEST_F(DraftTest, RollbackUndoesExactlyOneChange) {
  Draft draft(base_);
  ContainerInstance instance;
  instance.id = "i-1";
  instance.cluster = "demo";
  draft.put(instance);
  Task kept;
  kept.id = "t-1";
  kept.cluster = "demo";
  kept.containerInstanceId = "i-1";
  kept.held.memory = 100;
  draft.put(kept);
  const auto mark = draft.mark();
  Task undone = kept;
  undone.id = "t-2";
  undone.held.memory = 500;
  draft.put(undone);
  Task changed = kept;
  changed.lastStatus = "STOPPED";
  draft.put(changed);
  draft.removeTask("t-1");
  draft.put(sampleCluster("other"));
  draft.recordAnswer("RunTask:x", {"{}", 1.0});
  draft.rollback(mark);
  EXPECT_EQ(draft.usage("i-1").memory, 100);
  ASSERT_NE(draft.task("t-1"), nullptr);
  EXPECT_EQ(draft.task("t-1")->lastStatus, "PENDING");
  EXPECT_EQ(draft.task("t-2"), nullptr);
  EXPECT_EQ(draft.cluster("other"), nullptr);
  EXPECT_FALSE(draft.idempotentAnswer("RunTask:x"));
  const ChangeSet changes = draft.changes();
  EXPECT_EQ(changes.of<Task>().put.size(), 1u);
  EXPECT_EQ(changes.of<ContainerInstance>().put.size(), 1u);
  EXPECT_TRUE(changes.of<Task>().removed.empty());
}

TEST_F(DraftTest, TaskIdsSeeTheWritesOwnTasks) {
  // A check inside a write (DeregisterContainerInstance) must see tasks an
  // earlier write of the same group placed.
  Draft draft(base_);
  Task placed;
  placed.id = "t-new";
  placed.cluster = "demo";
  placed.containerInstanceId = "i-1";
  draft.put(placed);
  EXPECT_TRUE(draft.taskIds("demo").contains("t-new"));
  draft.removeTask("t-new");
  EXPECT_FALSE(draft.taskIds("demo").contains("t-new"));
}

TEST_F(DraftTest, ReadsThroughToTheBase) {
  const Draft draft(base_);
  ASSERT_NE(draft.cluster("demo"), nullptr);
  EXPECT_EQ(draft.cluster("demo"), base_.cluster("demo"));
  EXPECT_EQ(draft.cluster("none"), nullptr);
  EXPECT_EQ(draft.taskDefinition("web", 3), base_.taskDefinition("web", 3));
  EXPECT_EQ(draft.taskDefinition("web", 9), nullptr);
  ASSERT_NE(draft.latestActive("web"), nullptr);
  EXPECT_EQ(draft.latestActive("web")->revision, 2);
  EXPECT_EQ(draft.latestActive("old"), nullptr);
  EXPECT_EQ(draft.latestActive("none"), nullptr);
  EXPECT_TRUE(draft.changes().empty());
}

TEST_F(DraftTest, NextRevisionNeverReusesOne) {
  Draft draft(base_);
  EXPECT_EQ(draft.nextRevision("web"), 4);  // 3 is INACTIVE but taken
  EXPECT_EQ(draft.nextRevision("old"), 5);  // DELETE_IN_PROGRESS still counts
  EXPECT_EQ(draft.nextRevision("new"), 1);
  draft.put(definition("web", 4));
  draft.put(definition("new", 1));
  EXPECT_EQ(draft.nextRevision("web"), 5);
  EXPECT_EQ(draft.nextRevision("new"), 2);
  EXPECT_EQ(draft.nextRevision("we"), 1);  // names are exact, not prefixes
}

TEST_F(DraftTest, OverlayWinsOverTheBase) {
  Draft draft(base_);
  Cluster deleted = sampleCluster("demo");
  deleted.status = "INACTIVE";
  draft.put(deleted);
  draft.put(definition("web", 2, "INACTIVE"));

  EXPECT_EQ(draft.cluster("demo")->status, "INACTIVE");
  EXPECT_EQ(draft.taskDefinition("web", 2)->status, "INACTIVE");
  // latestActive skips the revision this draft deregistered.
  ASSERT_NE(draft.latestActive("web"), nullptr);
  EXPECT_EQ(draft.latestActive("web")->revision, 1);
  // The base is untouched.
  EXPECT_EQ(base_.cluster("demo")->status, "ACTIVE");
  EXPECT_EQ(base_.latestActive("web")->revision, 2);

  draft.put(definition("web", 4));
  EXPECT_EQ(draft.latestActive("web")->revision, 4);
  draft.put(definition("fresh", 1));
  ASSERT_NE(draft.latestActive("fresh"), nullptr);
  EXPECT_EQ(draft.latestActive("fresh")->revision, 1);
}

TEST_F(DraftTest, ChangesHoldOnlyWhatWasPutLastVersionWins) {
  Draft draft(base_);
  draft.put(definition("web", 4));
  draft.put(definition("web", 4, "INACTIVE"));
  draft.put(sampleCluster("new"));
  const ChangeSet changes = draft.changes();
  ASSERT_EQ(changes.of<Cluster>().put.size(), 1u);
  EXPECT_EQ(changes.of<Cluster>().put[0].name, "new");
  ASSERT_EQ(changes.of<TaskDefinition>().put.size(), 1u);
  EXPECT_EQ(changes.of<TaskDefinition>().put[0].revision, 4);
  EXPECT_EQ(changes.of<TaskDefinition>().put[0].status, "INACTIVE");
}

TEST_F(DraftTest, ResolveTaskDefinition) {
  const Draft draft(base_);
  ASSERT_NE(resolveTaskDefinition(draft, "web", std::nullopt), nullptr);
  EXPECT_EQ(resolveTaskDefinition(draft, "web", std::nullopt)->revision, 2);
  // An explicit revision resolves in any status.
  ASSERT_NE(resolveTaskDefinition(draft, "web", 3), nullptr);
  EXPECT_EQ(resolveTaskDefinition(draft, "web", 3)->status, "INACTIVE");
  EXPECT_EQ(resolveTaskDefinition(draft, "web", 5), nullptr);
  EXPECT_EQ(resolveTaskDefinition(draft, "old", std::nullopt), nullptr);
  EXPECT_NE(resolveTaskDefinition(base_, "old", 4), nullptr);
}

}  // namespace
}  // namespace ecsd
