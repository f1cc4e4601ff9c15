// The indexed pipeline (place over a pool) against the ranking of every
// candidate (place over a list), on a fake pool: the same choices, the same
// failures, for every rule the walk serves.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>

#include "ecsd/scheduler/index/attribute_counts.h"
#include "ecsd/scheduler/placement.h"

namespace ecsd::scheduler {
namespace {

// Candidates in a list; the walk sorts them as an index would, the tally
// counts them one by one.
class FakePool final : public CandidatePool {
 public:
  explicit FakePool(std::vector<Candidate> candidates, bool tally = true)
      : candidates_(std::move(candidates)), tally_(tally) {}

  std::vector<Candidate> all() override { return candidates_; }
  void walkByRemaining(Resource resource, const TaskDemand& demand,
                       const std::vector<Narrowing>& narrowings,
                       const std::function<bool(Candidate&)>& visit) override {
    std::vector<Candidate*> order;
    for (auto& c : candidates_) {
      const auto admitted = [&](const Narrowing& n) { return n.admits(*c.instance, c.usage); };
      if (left(c, Resource::Cpu) >= demand.cpu && left(c, Resource::Memory) >= demand.memory &&
          std::all_of(narrowings.begin(), narrowings.end(), admitted)) {
        order.push_back(&c);
      }
    }
    std::sort(order.begin(), order.end(), [&](const Candidate* a, const Candidate* b) {
      return std::pair(left(*a, resource), a->instance->id) <
             std::pair(left(*b, resource), b->instance->id);
    });
    ++walks;
    for (Candidate* c : order) {
      ++visited;
      if (visit(*c)) return;
    }
  }
  const GroupCounts* groupCountsByAttribute(std::string_view attribute,
                                            const std::string& group) override {
    if (!tally_) return nullptr;
    counts_.clear();
    for (const auto& c : candidates_) {
      counts_[attributeValue(*c.instance, attribute)] += c.usage.groupCount(group);
    }
    return &counts_;
  }
  int walks = 0;
  int visited = 0;

 private:
  static std::int64_t left(const Candidate& c, Resource r) {
    return r == Resource::Cpu ? c.instance->registered.cpu - c.usage.cpu()
                              : c.instance->registered.memory - c.usage.memory();
  }
  std::vector<Candidate> candidates_;
  bool tally_;
  GroupCounts counts_;
};

// A random cluster: sizes, zones (some instances without one), live tasks of
// two groups, a few instances without an agent.
struct World {
  std::deque<ContainerInstance> instances;
  std::deque<Usage> usages;
  std::vector<Candidate> candidates;

  explicit World(unsigned seed, int n) {
    std::mt19937_64 rng(seed);
    const char* zones[] = {"a", "b", "c"};
    for (int i = 0; i < n; ++i) {
      ContainerInstance& instance = instances.emplace_back();
      instance.id = "i-" + std::to_string(rng() % 1000000);
      instance.arn = "arn:aws:ecs:us-east-1:000000000000:container-instance/demo/" + instance.id;
      instance.registered = {1024 * static_cast<std::int64_t>(1 + rng() % 4),
                             2048 * static_cast<std::int64_t>(1 + rng() % 4),
                             {},
                             {}};
      if (rng() % 5 != 0) instance.attributes.push_back({"zone", zones[rng() % 3]});
      instance.attributes.push_back({"type", rng() % 2 ? "big" : "small"});
      Usage& usage = usages.emplace_back();
      for (int t = static_cast<int>(rng() % 4); t > 0; --t) {
        Task task;
        task.lastStatus = "RUNNING";
        task.group = rng() % 2 ? "family:web" : "family:worker";
        task.held = {256, 512, {}, {}};
        usage.add(task, 1);
      }
      candidates.push_back({&instance, rng() % 10 != 0, LayeredUsage(&usage)});
    }
    // In id order, as a cluster lists its instances (ranking's ties go to the first).
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
      return a.instance->id < b.instance->id;
    });
  }
};

std::vector<std::string> chosen(const Outcome& outcome) {
  std::vector<std::string> out;
  for (const auto& p : outcome.placements) out.push_back(p.instance->id);
  return out;
}
std::vector<std::string> failures(const Outcome& outcome) {
  std::vector<std::string> out;
  for (const auto& f : outcome.failures) out.push_back(f.arn + " " + f.reason);
  return out;
}

void expectSameChoices(const char* strategiesJson, const char* constraintsJson, bool tally = true) {
  const auto strategies = parseStrategies(nlohmann::json::parse(strategiesJson)).value();
  const auto constraints = parseConstraints(nlohmann::json::parse(constraintsJson)).value();
  for (unsigned seed = 1; seed <= 40; ++seed) {
    World world(seed, 30);
    const int count = 1 + static_cast<int>(seed % 12);
    const TaskDemand demand{300, 700, {}, "family:web"};
    std::mt19937_64 random(seed);
    auto ranked = world.candidates;
    const Outcome expected = place(ranked, demand, count, constraints, strategies, random);
    FakePool pool(world.candidates, tally);
    const Outcome got = place(pool, demand, count, constraints, strategies, random);
    EXPECT_EQ(chosen(got), chosen(expected)) << "seed " << seed << " " << strategiesJson;
    EXPECT_EQ(failures(got), failures(expected)) << "seed " << seed << " " << strategiesJson;
  }
}

TEST(PipelineTest, SpreadOnAnAttributeThenBinpackChoosesAsRankingEveryInstance) {
  expectSameChoices(R"([{"type":"spread","field":"attribute:zone"},
                        {"type":"binpack","field":"memory"}])",
                    "[]");
  expectSameChoices(R"([{"type":"spread","field":"attribute:zone"},
                        {"type":"binpack","field":"cpu"}])",
                    R"([{"type":"memberOf","expression":"attribute:type == big"}])");
}

TEST(PipelineTest, SpreadAloneBreaksItsTiesByBinpackAndIsWalkedToo) {
  // ECS's default for services: spread across zones alone.
  expectSameChoices(R"([{"type":"spread","field":"attribute:zone"}])", "[]");
  expectSameChoices(R"([{"type":"spread","field":"instanceId"}])",
                    R"([{"type":"memberOf","expression":"attribute:type == big"}])");
}

TEST(PipelineTest, ConstraintsOnTheBinpackWalkChooseAsRankingEveryInstance) {
  expectSameChoices("[]", R"([{"type":"distinctInstance"}])");
  expectSameChoices(R"([{"type":"binpack","field":"cpu"}])",
                    R"([{"type":"memberOf","expression":"attribute:zone in [a, b]"}])");
  expectSameChoices("[]", R"([{"type":"memberOf","expression":"attribute:zone exists"},
                              {"type":"distinctInstance"}])");
  // Served by an index although it reads usage; and one no index serves.
  expectSameChoices("[]",
                    R"j([{"type":"memberOf","expression":"not(task:group == family:web)"}])j");
  expectSameChoices("[]", R"([{"type":"memberOf",
                               "expression":"agentConnected == true and attribute:type == big"}])");
}

TEST(PipelineTest, SpreadOnInstancesThenBinpackChoosesAsRankingEveryInstance) {
  // Counts beyond the instances without the group: the walk hands over to ranking.
  expectSameChoices(R"([{"type":"spread","field":"instanceId"},
                        {"type":"binpack","field":"memory"}])",
                    "[]");
  expectSameChoices(R"([{"type":"spread","field":"host"},
                        {"type":"binpack","field":"cpu"}])",
                    R"([{"type":"memberOf","expression":"attribute:type == small"}])");
}

TEST(PipelineTest, WithoutATallySpreadRanksEveryInstance) {
  expectSameChoices(R"([{"type":"spread","field":"attribute:zone"},
                        {"type":"binpack","field":"memory"}])",
                    "[]", /*tally=*/false);
}

TEST(PipelineTest, SpreadStopsTheWalkOnceNoOtherZoneCouldHaveFewer) {
  // Zone a holds a web task, b and c none: the tightest fit in b or c wins,
  // and the walk need not go past it to the roomy instances.
  std::deque<ContainerInstance> instances;
  std::deque<Usage> usages;
  std::vector<Candidate> candidates;
  const auto add = [&](std::string id, std::int64_t memory, const char* zone, int webTasks) {
    ContainerInstance& i = instances.emplace_back();
    i.id = id;
    i.arn = "arn:" + id;
    i.registered = {4096, memory, {}, {}};
    i.attributes = {{"zone", zone}};
    Usage& u = usages.emplace_back();
    for (int t = 0; t < webTasks; ++t) {
      Task task;
      task.lastStatus = "RUNNING";
      task.group = "family:web";
      task.held = {1, 1, {}, {}};
      u.add(task, 1);
    }
    candidates.push_back({&i, true, LayeredUsage(&u)});
  };
  add("a1", 1000, "a", 1);
  add("b1", 2000, "b", 0);
  add("c1", 3000, "c", 0);
  for (int k = 0; k < 20; ++k) add("z" + std::to_string(k), 8000 + k, "a", 0);
  FakePool pool(candidates);
  std::mt19937_64 random(1);
  const auto strategies = parseStrategies(nlohmann::json::parse(
                                              R"([{"type":"spread","field":"attribute:zone"},
                                                  {"type":"binpack","field":"memory"}])"))
                              .value();
  const Outcome outcome = place(pool, {10, 10, {}, "family:web"}, 1, {}, strategies, random);
  EXPECT_EQ(chosen(outcome), std::vector<std::string>{"b1"});
  EXPECT_LE(pool.visited, 4);  // a1, b1, c1 and the hand-out's second walk to b1
}

TEST(AttributeCountsTest, CountsGroupsPerValueAndTheInstancesWithout) {
  AttributeCounts counts;
  ContainerInstance a, b, c;
  a.cluster = b.cluster = c.cluster = "demo";
  a.attributes = {{"zone", "x"}};
  b.attributes = {{"zone", "y"}};
  const AttributeCounts::Groups two{{"web", 2}}, one{{"web", 1}, {"db", 4}};
  counts.set("a", &a, &two);
  counts.set("b", &b, &one);
  counts.set("c", &c, &one);
  using Counts = std::map<std::optional<std::string>, int>;
  EXPECT_EQ(counts.byValue("demo", "zone", "web"), (Counts{{std::nullopt, 1}, {"x", 2}, {"y", 1}}));
  counts.set("a", &a, &one);          // a's tasks changed
  counts.set("c", nullptr, nullptr);  // c deregistered
  EXPECT_EQ(counts.byValue("demo", "zone", "web"), (Counts{{"x", 1}, {"y", 1}}));
  EXPECT_EQ(counts.byValue("demo", "zone", "db"), (Counts{{"x", 4}, {"y", 4}}));
  b.status = "INACTIVE";
  counts.set("b", &b, &one);
  EXPECT_EQ(counts.byValue("demo", "zone", "web"), (Counts{{"x", 1}}));
  EXPECT_EQ(counts.contribution("b"), nullptr);
  EXPECT_TRUE(counts.byValue("other", "zone", "web").empty());
}

}  // namespace
}  // namespace ecsd::scheduler
