// RemainingView's subsets (placement constraints' indexes): made on first ask
// and kept in step with every change after, they hold exactly the instances
// their predicate admits, filed by what those have left.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ecsd/state/state.h"

namespace ecsd {
namespace {

using Filed = std::tuple<std::int64_t, std::int64_t, std::string>;  // memory, cpu, id

std::set<Filed> walked(const RemainingIndex& index) {
  std::set<Filed> out;
  for (auto c = index.from(INT64_MIN, INT64_MIN); c.peek(); c.pop()) {
    out.insert({c.peek()->remaining, c.peek()->other, c.peek()->id});
  }
  return out;
}

// What the subset should hold, from the tables.
std::set<Filed> expected(const Data& data, const std::string& cluster, const Admits& admits) {
  std::set<Filed> out;
  for (const auto& [id, instance] : data.instances()) {
    if (instance.cluster != cluster || !registered(instance)) continue;
    const Usage* used = data.findUsage(id);
    if (!admits(instance, LayeredUsage(used))) continue;
    out.insert({instance.registered.memory - (used ? used->memory : 0),
                instance.registered.cpu - (used ? used->cpu : 0), id});
  }
  return out;
}

TEST(RemainingSubsetsTest, HoldWhatTheirPredicateAdmitsThroughEveryChange) {
  const Admits inZoneA = [](const ContainerInstance& i, const LayeredUsage&) {
    for (const auto& a : i.attributes) {
      if (a.name == "zone") return a.value == "a";
    }
    return false;
  };
  const Admits withoutWeb = [](const ContainerInstance&, const LayeredUsage& u) {
    return u.groupCount("web") == 0;
  };
  std::mt19937_64 random(3);
  Data data;
  const auto instance = [&](int n) {
    ContainerInstance i;
    i.id = "i-" + std::to_string(n);
    i.cluster = n % 5 == 0 ? "other" : "demo";
    i.status = random() % 6 == 0 ? "INACTIVE" : (random() % 4 == 0 ? "DRAINING" : "ACTIVE");
    i.registered = {4096, 8192, {}, {}};
    i.attributes = {{"zone", random() % 2 ? "a" : "b"}};
    return i;
  };
  ChangeSet first;
  for (int n = 0; n < 40; ++n) first.of<ContainerInstance>().put.push_back(instance(n));
  data.apply(std::move(first));
  for (int step = 0; step < 300; ++step) {
    // Asked for again after some changes: in step, never rebuilt.
    if (step == 0 || step == 150) {
      data.remaining().subset(Resource::Memory, "demo", "zone a", inZoneA);
      data.remaining().subset(Resource::Memory, "demo", "without web", withoutWeb);
    }
    ChangeSet change;
    if (random() % 3 == 0) {
      change.of<ContainerInstance>().put.push_back(instance(static_cast<int>(random() % 40)));
    } else {
      Task t;
      t.id = "t-" + std::to_string(random() % 80);
      t.cluster = "demo";
      t.containerInstanceId = "i-" + std::to_string(random() % 40);
      t.lastStatus = random() % 4 == 0 ? "STOPPED" : "RUNNING";
      t.group = random() % 2 ? "web" : "db";
      t.held = {static_cast<std::int64_t>(random() % 512),
                static_cast<std::int64_t>(random() % 1024),
                {},
                {}};
      if (random() % 5 == 0) {
        change.of<Task>().removed.push_back(t.id);
      } else {
        change.of<Task>().put.push_back(t);
      }
    }
    data.apply(std::move(change));
    for (const auto& [key, admits] : {std::pair{"zone a", inZoneA}, {"without web", withoutWeb}}) {
      const auto& subset = data.remaining().subset(Resource::Memory, "demo", key, admits);
      ASSERT_EQ(walked(subset), expected(data, "demo", admits)) << key << " at step " << step;
      const auto& byCpu = data.remaining().subset(Resource::Cpu, "demo", key, admits);
      EXPECT_EQ(byCpu.size(), subset.size());
    }
  }
}

TEST(RemainingSubsetsTest, TheLeastRecentlyAskedGoesFirst) {
  Data data;
  ChangeSet change;
  ContainerInstance i;
  i.id = "i-1";
  i.cluster = "demo";
  i.registered = {1024, 1024, {}, {}};
  change.of<ContainerInstance>().put.push_back(i);
  data.apply(std::move(change));
  int made = 0;
  const auto ask = [&](const std::string& key) {
    return data.remaining().subset(Resource::Cpu, "demo", key,
                                   [&](const ContainerInstance&, const LayeredUsage&) {
                                     ++made;
                                     return true;
                                   });
  };
  for (std::size_t k = 0; k < RemainingView::kMaxSubsets; ++k) ask(std::to_string(k));
  EXPECT_EQ(made, static_cast<int>(RemainingView::kMaxSubsets));
  ask("0");  // "0" kept, now the most recent
  EXPECT_EQ(made, static_cast<int>(RemainingView::kMaxSubsets));
  ask("new");  // drops 1, the stalest
  ask("0");
  EXPECT_EQ(made, static_cast<int>(RemainingView::kMaxSubsets) + 1);
  ask("1");
  EXPECT_EQ(made, static_cast<int>(RemainingView::kMaxSubsets) + 2);
}

}  // namespace
}  // namespace ecsd
