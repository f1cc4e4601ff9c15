#include "bench/scenarios.h"

#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <optional>

#include "bench/call_driver.h"
#include "bench/scenario_steps.h"
#include "bench/stats.h"
#include "crypto/crypto.h"

namespace ecsd::bench {
namespace {

using nlohmann::json;

json instanceResources() {
  return json::array(
      {{{"name", "CPU"}, {"type", "INTEGER"}, {"integerValue", 4096}},
       {{"name", "MEMORY"}, {"type", "INTEGER"}, {"integerValue", 16384}},
       {{"name", "PORTS"},
        {"type", "STRINGSET"},
        {"stringSetValue", {"22", "2375", "2376", "51678", "51679"}}},
       {{"name", "PORTS_UDP"}, {"type", "STRINGSET"}, {"stringSetValue", json::array()}}});
}

// Counts the entries of a RunTask answer's "tasks" while parsing it (SAX), so
// no document is built: for ten tasks, building and freeing one cost the
// generator more CPU than ecsd spent answering.
class TaskCounter : public nlohmann::json_sax<json> {
 public:
  // The number of tasks, or nullopt when `answer` is not valid JSON.
  static std::optional<std::size_t> count(const std::string& answer) {
    TaskCounter counter;
    if (!json::sax_parse(answer, &counter)) return std::nullopt;
    return counter.tasks_;
  }

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    if (depth_ == 2 && inTasks_) ++tasks_;
    ++depth_;
    return true;
  }
  bool end_object() override { return leave(); }
  bool start_array(std::size_t) override {
    if (depth_ == 1) inTasks_ = key_ == "tasks";
    ++depth_;
    return true;
  }
  bool end_array() override { return leave(); }
  bool key(string_t& name) override {
    if (depth_ == 1) key_ = name;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool leave() {
    if (--depth_ == 1) inTasks_ = false;
    return true;
  }

  std::size_t depth_ = 0, tasks_ = 0;
  std::string key_;  // the member of the answer being read
  bool inTasks_ = false;
};

}  // namespace

void runSentTasks(LoadClient& client, const std::string& cluster, std::size_t first,
                  std::size_t count, std::string& error, Latencies* latencies) {
  client.onPayload([&client, cluster, first, count, &error, latencies, next = std::size_t{0}](
                       std::size_t, const std::vector<agent::TaskSpec>& tasks) mutable {
    for (const auto& task : tasks) {
      const std::string& status = task.desiredStatus;  // reached at once, as reported
      json containers = json::array();
      for (const auto& c : task.containers) {
        containers.push_back({{"containerName", c.name}, {"status", status}});
      }
      const std::size_t lane = first + next++ % count;
      client.call(std::min(lane, client.lanes() - 1), "SubmitTaskStateChange",
                  {{"cluster", cluster},
                   {"task", task.arn},
                   {"status", status},
                   {"containers", containers}},
                  [&client, &error, latencies](CallResult result) {
                    if (!check(client, result, "SubmitTaskStateChange", error)) return;
                    if (latencies) latencies->add(result.latency);
                  });
    }
  });
}

json runTaskRequest(const BenchSettings& settings, json request) {
  if (settings.clientTokens) request["clientToken"] = crypto::uuid4();
  if (!settings.placementStrategy.is_null())
    request["placementStrategy"] = settings.placementStrategy;
  return request;
}

json benchTaskDefinition(const std::string& family) {
  return {{"family", family},
          {"containerDefinitions",
           {{{"name", "app"}, {"image", "busybox"}, {"cpu", 16}, {"memory", 32}}}}};
}

json registerScenario(LoadClient& client, const BenchSettings& settings,
                      std::vector<std::string>& instanceArns) {
  instanceArns.assign(settings.instances, "");
  Latencies latencies;
  std::size_t next = 0, connected = 0;
  std::string error;
  const auto before = ProcessSample::of(settings.ecsdPid);
  SteadyClock::time_point start;
  double registeredAt = 0;
  std::size_t registered = 0;

  std::function<void(std::size_t)> registerNext = [&](std::size_t lane) {
    if (next >= settings.instances) return;
    const std::size_t index = next++;
    client.call(
        lane, "RegisterContainerInstance",
        {{"cluster", settings.cluster},
         {"totalResources", instanceResources()},
         // Three zones, as a region has, for spread(attribute:ecs.availability-zone).
         {"attributes",
          {{{"name", "ecs.availability-zone"},
            {"value", std::string("us-east-1") + "abc"[index % 3]}}}},
         {"versionInfo", {{"agentVersion", "bench"}, {"dockerVersion", "bench"}}}},
        [&, lane, index](CallResult result) {
          if (!check(client, result, "RegisterContainerInstance", error)) return;
          latencies.add(result.latency);
          if (++registered == settings.instances) registeredAt = secondsSince(start);
          const std::string arn = result.body().at("containerInstance").at("containerInstanceArn");
          instanceArns[index] = arn;
          client.connectAgent(index, settings.cluster, arn, [&](bool ok, const std::string& why) {
            if (!ok) {
              error = "agent session: " + why;
              return client.stop();
            }
            if (++connected == settings.instances) client.stop();
          });
          registerNext(lane);
        });
  };
  for (const auto& [operation, request] :
       {std::pair{"CreateCluster", json{{"clusterName", settings.cluster}}},
        std::pair{"RegisterTaskDefinition", benchTaskDefinition("bench")}}) {
    if (const auto result = client.callNow(operation, request); !result.ok()) {
      return {{"scenario", "register"}, {"error", result.failure(operation)}};
    }
  }
  start = SteadyClock::now();
  for (std::size_t lane = 0; lane < client.lanes(); ++lane) registerNext(lane);
  client.run();
  client.drain();
  const double total = secondsSince(start);
  if (!error.empty()) return {{"scenario", "register"}, {"error", error}};
  json out = {{"scenario", "register"},
              {"instances", settings.instances},
              {"lanes", client.lanes()},
              {"registered_seconds", registeredAt},
              {"connected_seconds", total},
              {"registrations_per_second", static_cast<double>(settings.instances) / registeredAt},
              {"latency", latencies.toJson()}};
  out.update(ProcessSample::of(settings.ecsdPid).costSince(before));
  return out;
}

json placeScenario(LoadClient& client, const BenchSettings& settings) {
  constexpr std::size_t kPerCall = 10;
  Latencies latencies;
  std::size_t requested = 0, placed = 0, delivered = 0, unplaced = 0;
  std::string error;
  const auto before = ProcessSample::of(settings.ecsdPid);
  SteadyClock::time_point start;
  double placedAt = 0;

  client.onPayload([&](std::size_t, const std::vector<agent::TaskSpec>& tasks) {
    for (const auto& task : tasks) {
      if (task.desiredStatus == "RUNNING") ++delivered;
    }
    if (placedAt > 0 && delivered >= placed) client.stop();
  });
  std::function<void(std::size_t)> runNext = [&](std::size_t lane) {
    if (requested >= settings.tasks) return;
    const std::size_t count = std::min(kPerCall, settings.tasks - requested);
    requested += count;
    client.call(lane, "RunTask",
                runTaskRequest(
                    settings,
                    {{"cluster", settings.cluster}, {"taskDefinition", "bench"}, {"count", count}}),
                [&, lane, count](CallResult result) {
                  if (!check(client, result, "RunTask", error)) return;
                  latencies.add(result.latency);
                  const auto tasks = TaskCounter::count(result.text);
                  if (!tasks) {
                    error = "RunTask: the answer is not JSON: " + result.text;
                    return client.stop();
                  }
                  placed += *tasks;
                  unplaced += count - *tasks;
                  if (placed + unplaced >= settings.tasks) {
                    placedAt = secondsSince(start);
                    if (delivered >= placed) client.stop();
                  }
                  runNext(lane);
                });
  };
  start = SteadyClock::now();
  for (std::size_t lane = 0; lane < client.lanes(); ++lane) runNext(lane);
  client.run();
  client.drain();
  const double total = secondsSince(start);
  if (!error.empty()) return {{"scenario", "place"}, {"error", error}};
  json out = {{"scenario", "place"},
              {"instances", settings.instances},
              {"lanes", client.lanes()},
              {"tasks_placed", placed},
              {"tasks_unplaced", unplaced},
              {"placed_seconds", placedAt},
              {"delivered_seconds", total},
              {"placements_per_second", static_cast<double>(placed) / placedAt},
              {"run_task_latency", latencies.toJson()}};
  out.update(ProcessSample::of(settings.ecsdPid).costSince(before));
  return out;
}

json lifecycleScenario(LoadClient& client, const BenchSettings& settings) {
  // Half the lanes run the cycles; the agents report over the other half, as
  // real agents report over connections of their own.
  const std::size_t cycleLanes = std::max<std::size_t>(1, client.lanes() / 2);
  const std::size_t reportLanes = std::max<std::size_t>(1, client.lanes() - cycleLanes);
  Latencies toRunning, toStopped;
  std::size_t started = 0, finished = 0;
  std::string error;
  const auto before = ProcessSample::of(settings.ecsdPid);
  const auto start = SteadyClock::now();

  runSentTasks(client, settings.cluster, cycleLanes, reportLanes, error);
  // Polls DescribeTasks on `lane` until the task's lastStatus is `status`.
  std::function<void(std::size_t, std::string, std::string, SteadyClock::time_point,
                     std::function<void(std::chrono::nanoseconds)>)>
      waitFor = [&](std::size_t lane, std::string arn, std::string status,
                    SteadyClock::time_point since,
                    std::function<void(std::chrono::nanoseconds)> then) {
        client.call(lane, "DescribeTasks", {{"cluster", settings.cluster}, {"tasks", {arn}}},
                    [&, lane, arn, status, since, then](CallResult result) {
                      if (!check(client, result, "DescribeTasks", error)) return;
                      if (result.body().at("tasks").at(0).value("lastStatus", "") == status) {
                        return then(SteadyClock::now() - since);
                      }
                      client.after(std::chrono::milliseconds(1),
                                   [&, lane, arn, status, since, then] {
                                     waitFor(lane, arn, status, since, then);
                                   });
                    });
      };
  std::function<void(std::size_t)> cycle = [&](std::size_t lane) {
    if (started >= settings.cycles) return;
    ++started;
    const auto runAt = SteadyClock::now();
    client.call(
        lane, "RunTask",
        runTaskRequest(settings, {{"cluster", settings.cluster}, {"taskDefinition", "bench"}}),
        [&, lane, runAt](CallResult result) {
          if (!check(client, result, "RunTask", error)) return;
          const std::string arn = result.body().at("tasks").at(0).at("taskArn");
          waitFor(lane, arn, "RUNNING", runAt, [&, lane, arn](auto running) {
            toRunning.add(running);
            const auto stopAt = SteadyClock::now();
            client.call(lane, "StopTask", {{"cluster", settings.cluster}, {"task", arn}},
                        [&, lane, arn, stopAt](CallResult result) {
                          if (!check(client, result, "StopTask", error)) return;
                          waitFor(lane, arn, "STOPPED", stopAt, [&, lane](auto stopped) {
                            toStopped.add(stopped);
                            if (++finished == settings.cycles) return client.stop();
                            cycle(lane);
                          });
                        });
          });
        });
  };
  for (std::size_t lane = 0; lane < cycleLanes; ++lane) cycle(lane);
  client.run();
  client.drain();
  if (!error.empty()) return {{"scenario", "lifecycle"}, {"error", error}};
  json out = {{"scenario", "lifecycle"},
              {"cycles", finished},
              {"seconds", secondsSince(start)},
              {"run_to_running", toRunning.toJson()},
              {"stop_to_stopped", toStopped.toJson()}};
  out.update(ProcessSample::of(settings.ecsdPid).costSince(before));
  return out;
}

json readScenario(LoadClient& client, const BenchSettings& settings,
                  const std::vector<std::string>& instanceArns) {
  const std::vector<std::string> someInstances(
      instanceArns.begin(),
      instanceArns.begin() +
          static_cast<std::ptrdiff_t>(std::min<std::size_t>(100, instanceArns.size())));
  const auto listed =
      client.callNow("ListTasks", {{"cluster", settings.cluster}, {"maxResults", 100}});
  if (!listed.ok()) return {{"scenario", "read"}, {"error", listed.failure("ListTasks")}};
  const auto taskArns = listed.body().at("taskArns").get<std::vector<std::string>>();
  if (taskArns.empty()) {
    return {{"scenario", "read"},
            {"error", "the cluster has no tasks to describe (run place first)"}};
  }
  // The four reads an operator's tools make, in turn.
  const std::vector<PlannedCall> reads = {
      {"DescribeContainerInstances",
       {{"cluster", settings.cluster}, {"containerInstances", someInstances}},
       {}},
      {"ListTasks", {{"cluster", settings.cluster}, {"maxResults", 100}}, {}},
      {"DescribeTasks", {{"cluster", settings.cluster}, {"tasks", taskArns}}, {}},
      {"DescribeClusters", {{"clusters", {settings.cluster}}}, {}}};
  std::size_t next = 0;
  const auto before = ProcessSample::of(settings.ecsdPid);
  CallDriver driver(client, {settings.rate, settings.duration},
                    [&] { return reads[next++ % reads.size()]; });
  if (auto error = driver.run(); !error.empty()) return {{"scenario", "read"}, {"error", error}};
  json out = {{"scenario", "read"}};
  out.update(driver.report());
  out.update(ProcessSample::of(settings.ecsdPid).costSince(before));
  return out;
}

json placeRateScenario(LoadClient& client, const BenchSettings& settings) {
  std::size_t placed = 0, unplaced = 0;
  const auto before = ProcessSample::of(settings.ecsdPid);
  CallDriver driver(client, {settings.rate, settings.duration}, [&] {
    return PlannedCall{
        "RunTask",
        runTaskRequest(settings,
                       {{"cluster", settings.cluster}, {"taskDefinition", "bench"}, {"count", 1}}),
        [&](const CallResult& result) {
          const bool ok = TaskCounter::count(result.text) == 1;
          ++(ok ? placed : unplaced);
        }};
  });
  if (auto error = driver.run(); !error.empty()) {
    return {{"scenario", "place-rate"}, {"error", error}};
  }
  json out = {{"scenario", "place-rate"},
              {"instances", settings.instances},
              {"tasks_placed", placed},
              {"tasks_unplaced", unplaced}};
  out.update(driver.report());
  out.update(ProcessSample::of(settings.ecsdPid).costSince(before));
  return out;
}

}  // namespace ecsd::bench
