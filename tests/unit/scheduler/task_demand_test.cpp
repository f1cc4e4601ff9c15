// What a task needs, as ECS counts it for placement.
#include "ecsd/scheduler/task_demand.h"

#include <gtest/gtest.h>

namespace ecsd::scheduler {
namespace {

using nlohmann::json;

TaskContainer container(std::int64_t cpu, std::optional<std::int64_t> memory,
                        std::optional<std::int64_t> reservation) {
  TaskContainer c;
  c.cpu = cpu;
  c.memory = memory;
  c.memoryReservation = reservation;
  return c;
}

TEST(TaskDemandTest, MemoryIsTheReservationWhereSetElseTheLimit) {
  const json definition = json::parse(R"({"containerDefinitions":[
      {"name":"a","portMappings":[{"containerPort":80,"hostPort":8080},{"containerPort":53,"protocol":"udp"}]},
      {"name":"b"}]})");
  const auto demand =
      demandOf(definition, {container(256, 512, 128), container(128, 300, std::nullopt)},
               std::nullopt, std::nullopt, "family:web");
  EXPECT_EQ(demand.cpu, 384);
  EXPECT_EQ(demand.memory, 128 + 300);
  EXPECT_EQ(demand.group, "family:web");
  ASSERT_EQ(demand.ports.size(), 2u);
  EXPECT_EQ(demand.ports[0].hostPort, 8080);
  EXPECT_FALSE(demand.ports[0].udp);
  EXPECT_EQ(demand.ports[1].hostPort, 0);  // any free port
  EXPECT_TRUE(demand.ports[1].udp);
}

TEST(TaskDemandTest, TaskLevelValuesWinAndNetworkModeDecidesThePorts) {
  json definition = json::parse(R"({"networkMode":"host","containerDefinitions":[
      {"name":"a","portMappings":[{"containerPort":80}]}]})");
  auto demand = demandOf(definition, {container(256, 512, std::nullopt)}, 1024, 2048, "g");
  EXPECT_EQ(demand.cpu, 1024);
  EXPECT_EQ(demand.memory, 2048);
  ASSERT_EQ(demand.ports.size(), 1u);
  EXPECT_EQ(demand.ports[0].hostPort, 80);  // host mode takes the container's port
  definition["networkMode"] = "awsvpc";
  EXPECT_TRUE(demandOf(definition, {}, std::nullopt, std::nullopt, "g").ports.empty());
}

}  // namespace
}  // namespace ecsd::scheduler
