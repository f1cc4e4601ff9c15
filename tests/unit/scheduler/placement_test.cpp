#include "ecsd/scheduler/placement.h"

#include <gtest/gtest.h>

#include <deque>

namespace ecsd::scheduler {
namespace {

// A small cluster: instances kept alive in a deque so candidates can point at them.
class Cluster {
 public:
  Candidate& add(std::string id, std::int64_t cpu, std::int64_t memory, PortList ports = {},
                 std::vector<Attribute> attributes = {}) {
    ContainerInstance& i = instances_.emplace_back();
    i.id = id;
    i.arn = "arn:aws:ecs:us-east-1:000000000000:container-instance/demo/" + id;
    i.registered = {cpu, memory, std::move(ports), {}};
    i.attributes = std::move(attributes);
    candidates.push_back({&i, true, {}});
    return candidates.back();
  }
  std::vector<Candidate> candidates;

 private:
  std::deque<ContainerInstance> instances_;
};

TaskDemand demand(std::int64_t cpu, std::int64_t memory, std::vector<PortDemand> ports = {},
                  std::string group = "family:web") {
  return {cpu, memory, std::move(ports), std::move(group)};
}

std::mt19937_64 rng(42);

std::string chosenId(const Cluster& cluster, const Outcome& outcome, std::size_t k = 0) {
  (void)cluster;
  return outcome.placements.at(k).instance->id;
}

TEST(FitTest, ReasonsInEcsOrder) {
  Cluster c;
  auto& candidate = c.add("a", 1024, 2004, {22, 2375, 2376, 51678});
  EXPECT_FALSE(fit(candidate, demand(300, 1024), {}).rejection);
  EXPECT_EQ(fit(candidate, demand(300, 3072), {}).rejection, "RESOURCE:MEMORY");
  EXPECT_EQ(fit(candidate, demand(2048, 3072), {}).rejection, "RESOURCE:CPU");
  EXPECT_EQ(fit(candidate, demand(10, 10, {{22, false}}), {}).rejection, "RESOURCE:PORTS");
  candidate.agentConnected = false;
  EXPECT_EQ(fit(candidate, demand(10, 10), {}).rejection, "AGENT");
  const_cast<ContainerInstance*>(candidate.instance)->status = "DRAINING";
  EXPECT_EQ(fit(candidate, demand(10, 10), {}).rejection, "DRAINING");
}

TEST(FitTest, ATaskGoesOnlyWhereTheAttributesItRequiresAre) {
  Cluster c;
  c.add("a", 1024, 1024, {}, {{"ecs.os-type", "linux"}});
  c.add("b", 1024, 1024, {}, {{"com.amazonaws.ecs.capability.container-health-check", {}}});
  const Candidate& without = c.candidates[0];
  const Candidate& with = c.candidates[1];
  TaskDemand checked = demand(10, 10);
  checked.requiredAttributes = {"com.amazonaws.ecs.capability.container-health-check"};
  EXPECT_EQ(fit(without, checked, {}).rejection, "ATTRIBUTE");
  EXPECT_FALSE(fit(with, checked, {}).rejection);
  const auto outcome = place(c.candidates, checked, 2, {}, {}, rng);
  ASSERT_EQ(outcome.placements.size(), 2u);
  for (const auto& p : outcome.placements) EXPECT_EQ(p.instance->id, "b");
}

TEST(FitTest, PortsHeldByTasksAndUdpAreSeparate) {
  Cluster c;
  auto& candidate = c.add("a", 1024, 1024);
  Usage committed;
  committed.tcpPorts[80] = 1;
  candidate.usage = LayeredUsage(&committed);
  EXPECT_EQ(fit(candidate, demand(1, 1, {{80, false}}), {}).rejection, "RESOURCE:PORTS");
  const Fit udp = fit(candidate, demand(1, 1, {{80, true}}), {});
  ASSERT_FALSE(udp.rejection);
  EXPECT_EQ(udp.held.udpPorts, PortList{80});
  EXPECT_TRUE(udp.held.tcpPorts.empty());
}

TEST(FitTest, DynamicPortsComeFromTheEphemeralRangeAndAvoidUsedOnes) {
  Cluster c;
  auto& candidate = c.add("a", 1024, 1024, {kEphemeralPortFirst});
  // One port held by a committed task, one by a task placed since (laid over it).
  Usage committed;
  committed.tcpPorts[kEphemeralPortFirst + 1] = 1;
  candidate.usage = LayeredUsage(&committed);
  Task placed;
  placed.held.tcpPorts = {kEphemeralPortFirst + 3};
  candidate.usage.add(placed, 1);
  const Fit f = fit(candidate, demand(1, 1, {{0, false}, {0, false}, {8080, false}}), {});
  ASSERT_FALSE(f.rejection);
  EXPECT_EQ(f.held.tcpPorts, (PortList{8080, kEphemeralPortFirst + 2, kEphemeralPortFirst + 4}));
}

TEST(PlaceTest, BinpackMemoryPicksTheLeastRemainingThatFits) {
  Cluster c;
  c.add("big", 4096, 8192);
  c.add("small", 4096, 1024);
  c.add("medium", 4096, 4096);
  auto outcome = place(c.candidates, demand(100, 1000), 1, {}, {}, rng);
  EXPECT_EQ(chosenId(c, outcome), "small");
  outcome = place(c.candidates, demand(100, 2000), 1, {}, {}, rng);
  EXPECT_EQ(chosenId(c, outcome), "medium");
}

TEST(PlaceTest, BinpackCpu) {
  Cluster c;
  c.add("lots", 4096, 1024);
  c.add("little", 512, 8192);
  const auto outcome =
      place(c.candidates, demand(256, 100), 1, {}, {{Strategy::Type::Binpack, "cpu"}}, rng);
  EXPECT_EQ(chosenId(c, outcome), "little");
}

TEST(PlaceTest, CountPlacesUntilNothingFitsThenSaysWhyPerInstance) {
  Cluster c;
  c.add("a", 1024, 2004);
  c.add("b", 1024, 2004);
  c.add("c", 1024, 4096);
  const auto outcome = place(c.candidates, demand(300, 3072), 5, {}, {}, rng);
  ASSERT_EQ(outcome.placements.size(), 1u);
  EXPECT_EQ(chosenId(c, outcome), "c");
  ASSERT_EQ(outcome.failures.size(), 3u);
  for (const auto& f : outcome.failures) EXPECT_EQ(f.reason, "RESOURCE:MEMORY") << f.arn;
  EXPECT_EQ(c.candidates[2].usage.memory(), 3072);
  EXPECT_EQ(c.candidates[2].usage.pendingTasks(), 1);
}

TEST(PlaceTest, SpreadInstanceIdEvensOutTheGroup) {
  Cluster c;
  c.add("a", 4096, 8192);
  c.add("b", 4096, 8192);
  c.add("c", 4096, 8192);
  const auto outcome =
      place(c.candidates, demand(10, 10), 6, {}, {{Strategy::Type::Spread, "instanceId"}}, rng);
  ASSERT_EQ(outcome.placements.size(), 6u);
  for (const auto& candidate : c.candidates) EXPECT_EQ(candidate.usage.groupCount("family:web"), 2);
}

TEST(PlaceTest, SpreadByAttributeThenBinpackWithinIt) {
  Cluster c;
  c.add("a1", 4096, 4096, {}, {{"ecs.availability-zone", "a"}});
  c.add("a2", 4096, 2048, {}, {{"ecs.availability-zone", "a"}});
  c.add("b1", 4096, 8192, {}, {{"ecs.availability-zone", "b"}});
  const std::vector<Strategy> strategies = {
      {Strategy::Type::Spread, "attribute:ecs.availability-zone"},
      {Strategy::Type::Binpack, "memory"}};
  const auto outcome = place(c.candidates, demand(10, 100), 2, {}, strategies, rng);
  ASSERT_EQ(outcome.placements.size(), 2u);
  // First the zones tie and binpack picks a2; then zone b has fewer.
  EXPECT_EQ(chosenId(c, outcome, 0), "a2");
  EXPECT_EQ(chosenId(c, outcome, 1), "b1");
}

TEST(PlaceTest, RandomPlacesSomewhereFeasible) {
  Cluster c;
  c.add("a", 4096, 8192);
  c.add("tiny", 1, 1);
  for (int i = 0; i < 20; ++i) {
    const auto outcome =
        place(c.candidates, demand(1, 10), 1, {}, {{Strategy::Type::Random, ""}}, rng);
    EXPECT_EQ(chosenId(c, outcome), "a");
  }
}

TEST(PlaceTest, DistinctInstanceKeepsTheGroupApart) {
  Cluster c;
  c.add("a", 4096, 8192);
  c.add("b", 4096, 8192);
  const std::vector<Constraint> distinct = {{Constraint::Type::DistinctInstance, std::nullopt}};
  const auto outcome = place(c.candidates, demand(10, 10), 3, distinct, {}, rng);
  EXPECT_EQ(outcome.placements.size(), 2u);
  ASSERT_EQ(outcome.failures.size(), 2u);
  EXPECT_EQ(outcome.failures[0].reason, "DistinctInstance placement constraint unsatisfied");
}

TEST(PlaceTest, MemberOfFiltersByQuery) {
  Cluster c;
  c.add("a", 4096, 8192, {}, {{"ecs.instance-type", "t2.micro"}});
  c.add("b", 4096, 8192, {}, {{"ecs.instance-type", "m5.large"}});
  auto query = Query::parse("attribute:ecs.instance-type =~ m5.*");
  ASSERT_TRUE(query.ok()) << query.error().message;
  const std::vector<Constraint> memberOf = {{Constraint::Type::MemberOf, *query}};
  auto outcome = place(c.candidates, demand(10, 10), 1, memberOf, {}, rng);
  EXPECT_EQ(chosenId(c, outcome), "b");
  c.candidates.pop_back();
  outcome = place(c.candidates, demand(10, 10), 1, memberOf, {}, rng);
  ASSERT_EQ(outcome.failures.size(), 1u);
  EXPECT_EQ(outcome.failures[0].reason, "MemberOf placement constraint unsatisfied");
}

TEST(PlaceOnEachTest, OneTaskPerNamedInstanceWithReasons) {
  Cluster c;
  c.add("a", 1024, 4096);
  c.add("b", 1024, 512);
  const auto outcome = placeOnEach(c.candidates, demand(100, 1024));
  ASSERT_EQ(outcome.placements.size(), 1u);
  EXPECT_EQ(chosenId(c, outcome), "a");
  ASSERT_EQ(outcome.failures.size(), 1u);
  EXPECT_EQ(outcome.failures[0].reason, "RESOURCE:MEMORY");
}

TEST(ParseTest, ConstraintsAndStrategies) {
  EXPECT_TRUE(parseConstraints(nlohmann::json::parse(
                                   R"([{"type":"distinctInstance"},
                                       {"type":"memberOf","expression":"agentConnected == true"}])"))
                  .ok());
  EXPECT_EQ(parseConstraints(nlohmann::json::parse(R"([{"type":"memberOf","expression":"(("}])"))
                .error()
                .type,
            "InvalidParameterException");
  EXPECT_EQ(parseConstraints(nlohmann::json::parse(R"([{"type":"nearby"}])")).error().type,
            "InvalidParameterException");
  const auto strategies = parseStrategies(nlohmann::json::parse(
      R"([{"type":"spread","field":"attribute:ecs.availability-zone"},
          {"type":"binpack","field":"MEMORY"},{"type":"random"}])"));
  ASSERT_TRUE(strategies.ok());
  EXPECT_EQ(strategies->at(1).field, "memory");
  EXPECT_FALSE(
      parseStrategies(nlohmann::json::parse(R"([{"type":"binpack","field":"disk"}])")).ok());
  EXPECT_FALSE(
      parseStrategies(nlohmann::json::parse(R"([{"type":"spread","field":"zone"}])")).ok());
}

}  // namespace
}  // namespace ecsd::scheduler
