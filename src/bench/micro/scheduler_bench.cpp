// Placement as RunTask makes it, in process: a fresh Draft over committed
// state, a ClusterPool over the cluster's remaining-resources index, and
// scheduler::place(). No store, no I/O. One placed task is one decision.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ecsd/scheduler/placement.h"
#include "ecsd/state/state.h"
#include "operations/agents.h"
#include "operations/cluster_pool.h"

// Counts heap allocations, to show what bounds the cost of a decision. A
// thread_local counter: an atomic one would cost more than what it counts.
namespace {
thread_local std::uint64_t allocations = 0;
}  // namespace

// noinline: inlined into callers, GCC flags new/free pairs (-Wmismatched-new-delete).
[[gnu::noinline]] void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace ecsd::bench {
namespace {

using nlohmann::json;
using scheduler::Constraint;
using scheduler::Strategy;
using scheduler::TaskDemand;

constexpr const char* kCluster = "bench";

class AllConnected final : public operations::Agents {
 public:
  bool connected(const std::string&) const override { return true; }
  void deliver(const std::string&, dispatch::PayloadTasks) override {}
  void forget(const std::string&) override {}
  std::string pollEndpoint(std::string_view) const override { return {}; }
};

// Ids as ecsd makes them: UUIDs, so index comparisons cost what they cost.
std::string uuid(std::mt19937_64& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i != 8 && i != 13 && i != 18 && i != 23) id[i] = kHex[rng() % 16];
  }
  return id;
}

// A committed cluster of n instances of mixed sizes, each partly used by
// live tasks (with their dynamic ports and group), applied as State::apply
// applies a commit (tables, then the views derived from them). Built once per size. With cpuSpent,
// every fourth instance has all its CPU taken by small-memory tasks and most of its memory left:
// the instances binpack on memory must not wade through.
struct Fixture {
  Data data;
  AllConnected agents;

  Fixture(int n, bool cpuSpent) {
    std::mt19937_64 rng(n);
    struct Size {
      const char* type;
      std::int64_t cpu, memory;
    };
    static constexpr Size kSizes[] = {{"m5.large", 2048, 7680},
                                      {"m5.xlarge", 4096, 15576},
                                      {"m5.2xlarge", 8192, 31368},
                                      {"c5.4xlarge", 16384, 30958}};
    static constexpr const char* kZones[] = {"us-east-1a", "us-east-1b", "us-east-1c"};
    ChangeSet committed;
    auto& instances = committed.of<ContainerInstance>().put;
    auto& tasks = committed.of<Task>().put;
    for (int i = 0; i < n; ++i) {
      const Size& size = kSizes[rng() % 4];
      ContainerInstance instance;
      instance.id = uuid(rng);
      instance.arn = std::string("arn:aws:ecs:us-east-1:000000000000:container-instance/")
                         .append(kCluster)
                         .append("/")
                         .append(instance.id);
      instance.cluster = kCluster;
      instance.registered = {size.cpu, size.memory, {22, 2375, 2376, 51678, 51679}, {}};
      instance.attributes = {{"ecs.instance-type", size.type},
                             {"ecs.availability-zone", kZones[rng() % 3]},
                             {"ecs.os-type", "linux"}};
      // 0 to ~90% used, in tasks of 256 CPU / 512 MiB with one dynamic port
      // (or all CPU, in tasks of 256 CPU / 64 MiB).
      const bool spent = cpuSpent && i % 4 == 0;
      const std::int64_t taskMemory = spent ? 64 : 512;
      const int fits = static_cast<int>(std::min(size.cpu / 256, size.memory / taskMemory));
      const int live = spent ? fits : static_cast<int>(rng() % (fits * 9 / 10 + 1));
      for (int t = 0; t < live; ++t) {
        Task task;
        task.id = instance.id + "-" + std::to_string(t);
        task.cluster = kCluster;
        task.containerInstanceId = instance.id;
        task.lastStatus = t % 4 == 0 ? "PENDING" : "RUNNING";
        task.group = t % 2 == 0 ? "family:web" : "family:worker";
        task.held = {
            256, taskMemory, {static_cast<std::uint16_t>(scheduler::kEphemeralPortFirst + t)}, {}};
        tasks.push_back(std::move(task));
      }
      instances.push_back(std::move(instance));
    }
    data.apply(std::move(committed));
  }
};

Fixture& fixture(int n, bool cpuSpent = false) {
  static std::map<std::pair<int, bool>, std::unique_ptr<Fixture>> built;
  auto& f = built[{n, cpuSpent}];
  if (!f) f = std::make_unique<Fixture>(n, cpuSpent);
  return *f;
}

// Demands of varied sizes, so that successive walks start at different
// places in the index (as different requests do) rather than one hot path.
std::vector<TaskDemand> demands() {
  std::vector<TaskDemand> out;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1024; ++i) {
    const std::int64_t cpu = 128 * static_cast<std::int64_t>(1 + rng() % 8);
    const std::int64_t memory = 128 * static_cast<std::int64_t>(1 + rng() % 16);
    out.push_back({cpu, memory, {{0, false}}, "family:web"});
  }
  return out;
}

// Forwards to the real pool and counts the candidates binpack's walk hands
// to place(). Used outside the timed loop only.
class CountingPool final : public scheduler::CandidatePool {
 public:
  explicit CountingPool(scheduler::CandidatePool& pool) : pool_(pool) {}
  std::vector<scheduler::Candidate> all() override { return pool_.all(); }
  const GroupCounts* groupCountsByAttribute(std::string_view attribute,
                                            const std::string& group) override {
    return pool_.groupCountsByAttribute(attribute, group);
  }
  void walkByRemaining(Resource resource, const scheduler::TaskDemand& demand,
                       const std::vector<scheduler::Narrowing>& narrowings,
                       const std::function<bool(scheduler::Candidate&)>& visit) override {
    pool_.walkByRemaining(resource, demand, narrowings, [&](scheduler::Candidate& c) {
      ++visited;
      return visit(c);
    });
  }
  std::int64_t visited = 0;

 private:
  scheduler::CandidatePool& pool_;
};

void report(benchmark::State& state, std::int64_t decisions, std::uint64_t allocated) {
  state.SetItemsProcessed(decisions);
  // Rate, inverted: seconds per decision (the console shows it as "1.6us").
  state.counters["time_per_decision"] = benchmark::Counter(
      static_cast<double>(decisions), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["allocs_per_decision"] =
      static_cast<double>(allocated) / static_cast<double>(decisions ? decisions : 1);
}

// The timed loop: one RunTask's placement per iteration, `count` tasks, the
// demands in turn from `first`. Over a fresh Draft of committed state (as a
// write alone sees it: dropped after each, so every iteration sees the same
// state), or over `group`, what earlier writes of a group commit left.
void timePlacements(benchmark::State& state, Fixture& f, const Draft* group, int count,
                    const std::vector<Constraint>& constraints,
                    const std::vector<Strategy>& strategies, std::mt19937_64& random,
                    std::size_t first) {
  const auto tasks = demands();
  std::size_t next = first;
  std::int64_t placed = 0;
  const std::uint64_t allocatedBefore = allocations;
  for (auto _ : state) {
    std::optional<Draft> alone;
    const Draft& draft = group ? *group : alone.emplace(f.data);
    operations::ClusterPool pool(draft, f.agents, kCluster);
    const auto outcome = scheduler::place(pool, tasks[next++ % tasks.size()], count, constraints,
                                          strategies, random);
    placed += static_cast<std::int64_t>(outcome.placements.size());
    benchmark::DoNotOptimize(outcome.placements.data());
  }
  if (placed != static_cast<std::int64_t>(state.iterations()) * count) {
    state.SkipWithError("a task was not placed: the fixture is too full");
  }
  report(state, placed, allocations - allocatedBefore);
}

// One RunTask's placement as a write alone makes it.
void runPlacement(benchmark::State& state, int count, const std::vector<Constraint>& constraints,
                  const std::vector<Strategy>& strategies, bool cpuSpent = false) {
  Fixture& f = fixture(static_cast<int>(state.range(0)), cpuSpent);
  const auto tasks = demands();
  std::mt19937_64 random(1);
  {
    // The constraints' indexes are made on first use, once per expression
    // (BM_MakeSubset times that), not per decision.
    Draft draft(f.data);
    operations::ClusterPool pool(draft, f.agents, kCluster);
    scheduler::place(pool, tasks.back(), 1, constraints, strategies, random);
  }
  timePlacements(state, f, nullptr, count, constraints, strategies, random, 0);
  // How far binpack's walk goes per decision, over every demand once (untimed),
  // and how many live tasks the chosen instance holds: its Usage is copied and
  // its ports scanned for each decision.
  std::int64_t visited = 0, decided = 0, tasksOnChosen = 0;
  for (const auto& demand : tasks) {
    Draft draft(f.data);
    operations::ClusterPool pool(draft, f.agents, kCluster);
    CountingPool counting(pool);
    const auto outcome = scheduler::place(counting, demand, count, constraints, strategies, random);
    for (const auto& p : outcome.placements) {
      const Usage used = f.data.usage(p.instance->id);
      tasksOnChosen += used.runningTasks + used.pendingTasks;
    }
    decided += static_cast<std::int64_t>(outcome.placements.size());
    visited += counting.visited;
  }
  state.counters["visited_per_decision"] =
      static_cast<double>(visited) / static_cast<double>(decided ? decided : 1);
  state.counters["tasks_on_chosen"] =
      static_cast<double>(tasksOnChosen) / static_cast<double>(decided ? decided : 1);
}

std::vector<Strategy> strategies(const char* text) {
  return scheduler::parseStrategies(json::parse(text)).value();
}

void binpackMemory(benchmark::State& state) { runPlacement(state, 1, {}, {}); }
void binpackMemoryCpuSpent(benchmark::State& state) { runPlacement(state, 1, {}, {}, true); }
void binpackMemoryCount10(benchmark::State& state) { runPlacement(state, 10, {}, {}); }
void binpackCpu(benchmark::State& state) {
  runPlacement(state, 1, {}, strategies(R"([{"type":"binpack","field":"cpu"}])"));
}
// The docs' example: spread over zones, then pack: the walk, with the zones' tally.
void spreadZoneBinpack(benchmark::State& state) {
  runPlacement(state, 1, {},
               strategies(R"([{"type":"spread","field":"attribute:ecs.availability-zone"},
                              {"type":"binpack","field":"memory"}])"));
}
// ECS's default for services: spread across zones alone (its ties broken by binpack).
void spreadZone(benchmark::State& state) {
  runPlacement(state, 1, {},
               strategies(R"([{"type":"spread","field":"attribute:ecs.availability-zone"}])"));
}
// A constraint is tested on the walk's way.
void memberOfBinpack(benchmark::State& state) {
  const auto constraints = scheduler::parseConstraints(json::parse(R"([{"type":"memberOf",
      "expression":"attribute:ecs.instance-type =~ m5.*"}])"))
                               .value();
  runPlacement(state, 1, constraints, {});
}

void memberOfEqualsBinpack(benchmark::State& state) {
  const auto constraints = scheduler::parseConstraints(json::parse(R"([{"type":"memberOf",
      "expression":"attribute:ecs.availability-zone == us-east-1b"}])"))
                               .value();
  runPlacement(state, 1, constraints, {});
}
void distinctInstanceBinpack(benchmark::State& state) {
  const auto constraints =
      scheduler::parseConstraints(json::parse(R"([{"type":"distinctInstance"}])")).value();
  runPlacement(state, 1, constraints, {});
}
void spreadZoneBinpackCount10(benchmark::State& state) {
  runPlacement(state, 10, {},
               strategies(R"([{"type":"spread","field":"attribute:ecs.availability-zone"},
                              {"type":"binpack","field":"memory"}])"));
}

// RunTask(count=10) as the last of a group of 16 that commit together (group
// commit): the draft already holds the 150 tasks the 15 before it placed, and
// the pool must merge what they changed into the committed index.
void binpackMemoryCount10InGroup(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  const auto tasks = demands();
  std::mt19937_64 random(1);
  Draft draft(f.data);
  for (int request = 0; request < 15; ++request) {
    operations::ClusterPool pool(draft, f.agents, kCluster);
    const auto& demand = tasks[static_cast<std::size_t>(request)];
    const auto outcome = scheduler::place(pool, demand, 10, {}, {}, random);
    for (const auto& placement : outcome.placements) {
      Task task;
      task.id = uuid(random);
      task.cluster = kCluster;
      task.containerInstanceId = placement.instance->id;
      task.group = demand.group;
      task.held = placement.held;
      draft.put(std::move(task));
    }
  }
  timePlacements(state, f, &draft, 10, {}, {}, random, 15);
}

// A decision and what committing and later forgetting its task do to
// committed state (Data::apply: the task table and every view, the index
// among them), so the state stays the same from one iteration to the next.
void binpackMemoryWithIndexUpdate(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  const auto tasks = demands();
  std::mt19937_64 random(1);
  std::size_t next = 0;
  std::int64_t placed = 0;
  const std::uint64_t allocatedBefore = allocations;
  for (auto _ : state) {
    const TaskDemand& demand = tasks[next++ % tasks.size()];
    Task task;
    {
      Draft draft(f.data);
      operations::ClusterPool pool(draft, f.agents, kCluster);
      const auto outcome = scheduler::place(pool, demand, 1, {}, {}, random);
      if (outcome.placements.empty()) continue;
      task.containerInstanceId = outcome.placements[0].instance->id;
      task.group = demand.group;
      task.held = outcome.placements[0].held;
    }
    task.id = "placed";
    task.cluster = kCluster;
    ChangeSet committed;
    committed.of<Task>().put = {task};
    f.data.apply(std::move(committed));
    ChangeSet forgotten;
    forgotten.of<Task>().removed = {task.id};
    f.data.apply(std::move(forgotten));
    ++placed;
  }
  if (placed != static_cast<std::int64_t>(state.iterations())) {
    state.SkipWithError("a task was not placed: the fixture is too full");
  }
  report(state, placed, allocations - allocatedBefore);
}

// Making a constraint's index on its first use: every registered instance of
// the cluster tested once. A fresh key each iteration (the view drops the
// stalest), so each makes one.
void makeSubset(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  const auto constraints = scheduler::parseConstraints(json::parse(R"([{"type":"memberOf",
      "expression":"attribute:ecs.availability-zone == us-east-1b"}])"))
                               .value();
  auto narrowing = scheduler::narrowingsOf(constraints, demands().front()).front();
  std::size_t made = 0, admitted = 0;
  for (auto _ : state) {
    const auto& subset = f.data.remaining().subset(
        Resource::Memory, kCluster, narrowing.key + std::to_string(made++), narrowing.admits);
    admitted = subset.size();
  }
  state.counters["admitted"] = static_cast<double>(admitted);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

// Sizes: 100 .. 100,000 instances. Fixtures are built on first use, outside
// the timed loop.
void sizes(benchmark::internal::Benchmark* b) {
  for (int n : {100, 1000, 10000, 100000}) b->Arg(n);
  b->ArgName("instances");
}

BENCHMARK(binpackMemory)->Name("BM_PlaceBinpackMemory")->Apply(sizes);
BENCHMARK(binpackMemoryCpuSpent)->Name("BM_PlaceBinpackMemoryCpuSpent")->Apply(sizes);
BENCHMARK(binpackMemoryCount10)->Name("BM_PlaceBinpackMemoryCount10")->Apply(sizes);
BENCHMARK(binpackMemoryCount10InGroup)->Name("BM_PlaceBinpackMemoryCount10InGroup")->Apply(sizes);
BENCHMARK(binpackCpu)->Name("BM_PlaceBinpackCpu")->Apply(sizes);
BENCHMARK(binpackMemoryWithIndexUpdate)->Name("BM_PlaceBinpackMemoryWithIndexUpdate")->Apply(sizes);
BENCHMARK(spreadZoneBinpack)->Name("BM_PlaceSpreadZoneBinpack")->Apply(sizes);
BENCHMARK(spreadZone)->Name("BM_PlaceSpreadZone")->Apply(sizes);
BENCHMARK(memberOfBinpack)->Name("BM_PlaceMemberOfBinpack")->Apply(sizes);
BENCHMARK(memberOfEqualsBinpack)->Name("BM_PlaceMemberOfEqualsBinpack")->Apply(sizes);
BENCHMARK(distinctInstanceBinpack)->Name("BM_PlaceDistinctInstanceBinpack")->Apply(sizes);
BENCHMARK(makeSubset)->Name("BM_MakeSubset")->Apply(sizes);
BENCHMARK(spreadZoneBinpackCount10)->Name("BM_PlaceSpreadZoneBinpackCount10")->Apply(sizes);

}  // namespace
}  // namespace ecsd::bench
