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
  // services: how many, each one's desiredCount, how long each idle CPU measure lasts.
  std::size_t services = 1000;
  std::size_t desiredPerService = 10;
  std::chrono::milliseconds idle{10000};
  // read, place-rate, mixed: calls/s offered (0: closed loop) and for how long.
  double rate = 0;
  std::chrono::milliseconds duration{5000};
  int ecsdPid = 0;  // for CPU and memory figures; 0: not measured
  // RunTask with a clientToken, as the AWS CLI and SDKs send one on every call
  // (an idempotency token): ecsd then records each answer.
  bool clientTokens = false;
  // RunTask's placementStrategy, as ECS takes it (an array); null: none, so
  // ecsd's default (binpack on memory).
  nlohmann::json placementStrategy = nullptr;
};

// A RunTask request as the settings say clients send it.
nlohmann::json runTaskRequest(const BenchSettings& settings, nlohmann::json request);

// The task definition the place, lifecycle and place-rate scenarios run
// (family "bench": one container of 16 CPU units and 32 MiB).
nlohmann::json benchTaskDefinition(const std::string& family);

// register: every instance registered (RegisterContainerInstance over all
// lanes) and its agent session open. Creates the cluster and registers the
// "bench" task definition first; leaves the instances connected for the
// scenarios after it; returns their ARNs in `instanceArns`.
nlohmann::json registerScenario(LoadClient& client, const BenchSettings& settings,
                                std::vector<std::string>& instanceArns);

// place: RunTask(count=10) from every lane until `tasks` are placed; done
// when every placed task has reached its agent in a PayloadMessage.
nlohmann::json placeScenario(LoadClient& client, const BenchSettings& settings);

// place-rate: RunTask(count=1) at the offered rate (closed loop without one)
// for the duration; RunTask's latency. Its tasks stay: 256 fit on an instance.
nlohmann::json placeRateScenario(LoadClient& client, const BenchSettings& settings);

// mixed: what CI jobs do, in turn: RegisterTaskDefinition (a new revision of
// one of four families), RunTask, DescribeTasks, ListTasks, DescribeTasks,
// StopTask; at the offered rate or closed loop, for the duration.
nlohmann::json mixedScenario(LoadClient& client, const BenchSettings& settings);

// first-answer: ListClusters, retried until it is answered; the time from
// `since` (the wall clock when the caller started ecsd) to that answer.
nlohmann::json firstAnswerScenario(LoadClient& client, std::chrono::system_clock::time_point since);

// lifecycle: run -> RUNNING reported by the agent -> stop -> STOPPED reported,
// one task at a time per lane; the time until DescribeTasks shows each.
nlohmann::json lifecycleScenario(LoadClient& client, const BenchSettings& settings);

// services: after register, with the agents running what they are sent:
// CreateService of `services` services of `desiredPerService` "bench" tasks
// (ECS's defaults: spread across zones, minimum 100 / maximum 200 percent),
// the time until every one is steady (as the services-stable waiter: one
// deployment, runningCount == desiredCount); then a new revision, every
// service updated to it at once, and the time until every one is steady on
// it. ecsd's CPU while nothing changes, before the services and after.
nlohmann::json servicesScenario(LoadClient& client, const BenchSettings& settings);

// read: DescribeContainerInstances (100), ListTasks, DescribeTasks (100) and
// DescribeClusters in turn, at the offered rate or closed loop, for the duration.
nlohmann::json readScenario(LoadClient& client, const BenchSettings& settings,
                            const std::vector<std::string>& instanceArns);

}  // namespace ecsd::bench
