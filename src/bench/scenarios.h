// ecs-bench's scenarios. Each drives a LoadClient until its goal is reached
// and returns its numbers as JSON (also printed as a table by the caller).
#pragma once

#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/load_client.h"

namespace ecsd::bench {

struct BenchSettings {
  std::string cluster;          // created by the run
  std::size_t instances = 100;  // simulated agents
  std::size_t tasks = 1000;     // place: tasks to place
  std::size_t cycles = 200;     // lifecycle: run -> RUNNING -> stop -> STOPPED cycles
  std::chrono::milliseconds readDuration{5000};  // read: how long to read
  int ecsdPid = 0;                               // for CPU and memory figures; 0: not measured
};

// register: every instance registered (RegisterContainerInstance over all
// lanes) and its agent session open. Leaves the instances connected for the
// scenarios after it; returns their ARNs in `instanceArns`.
nlohmann::json registerScenario(LoadClient& client, const BenchSettings& settings,
                                std::vector<std::string>& instanceArns);

// place: RunTask(count=10) from every lane until `tasks` are placed; done
// when every placed task has reached its agent in a PayloadMessage.
nlohmann::json placeScenario(LoadClient& client, const BenchSettings& settings);

// lifecycle: run -> RUNNING reported by the agent -> stop -> STOPPED reported,
// one task at a time per lane; the time until DescribeTasks shows each.
nlohmann::json lifecycleScenario(LoadClient& client, const BenchSettings& settings);

// read: DescribeContainerInstances (100), ListTasks, DescribeTasks (100) and
// DescribeClusters in turn from every lane, closed loop, for readDuration.
nlohmann::json readScenario(LoadClient& client, const BenchSettings& settings,
                            const std::vector<std::string>& instanceArns);

}  // namespace ecsd::bench
