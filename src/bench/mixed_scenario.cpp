// mixed: the calls CI jobs make against a shared cluster. Each job registers
// a new revision of its family's task definition, runs a task of it, polls
// it, lists its family's tasks, and stops a task; jobs' calls interleave.
#include <deque>
#include <string>

#include "bench/call_driver.h"
#include "bench/scenarios.h"

namespace ecsd::bench {
namespace {

using nlohmann::json;

constexpr std::size_t kFamilies = 4;
// Tasks run before the clock starts, so that a StopTask finds one to stop
// even while the RunTasks just before it are still unanswered.
constexpr std::size_t kWarmTasks = 50;

std::string family(std::size_t job) { return "bench-ci-" + std::to_string(job % kFamilies); }

// The jobs' state: which tasks run and which call comes next.
class CiJobs {
 public:
  explicit CiJobs(const BenchSettings& settings)
      : settings_(settings), cluster_(settings.cluster) {}

  void ran(const CallResult& result) {
    for (const auto& task : result.body().value("tasks", json::array())) {
      running_.push_back(task.value("taskArn", ""));
    }
  }

  PlannedCall next() {
    const std::size_t job = calls_ / 6;
    switch (calls_++ % 6) {
      case 0: {
        json definition = benchTaskDefinition(family(job));
        definition["containerDefinitions"][0]["environment"] = {
            {{"name", "BUILD"}, {"value", std::to_string(job)}}};
        return {"RegisterTaskDefinition", definition, {}};
      }
      case 1:
        return {"RunTask",
                runTaskRequest(settings_, {{"cluster", cluster_},
                                           {"taskDefinition", family(job)},
                                           {"startedBy", "ci"}}),
                [this](const CallResult& result) { ran(result); }};
      case 2:
      case 4:
        return {"DescribeTasks", {{"cluster", cluster_}, {"tasks", {newest()}}}, {}};
      case 3:
        return {
            "ListTasks", {{"cluster", cluster_}, {"family", family(job)}, {"maxResults", 100}}, {}};
      default:
        if (running_.empty()) {  // every task stopped: list instead, and say so
          ++stopsSkipped_;
          return {"ListTasks", {{"cluster", cluster_}, {"maxResults", 100}}, {}};
        }
        const std::string arn = running_.front();
        running_.pop_front();
        stopped_ = arn;
        return {"StopTask", {{"cluster", cluster_}, {"task", arn}, {"reason", "ci job done"}}, {}};
    }
  }

  std::size_t stopsSkipped() const { return stopsSkipped_; }

 private:
  // The task a job polls: the newest one run (or stopped, when none runs).
  const std::string& newest() const { return running_.empty() ? stopped_ : running_.back(); }

  const BenchSettings& settings_;
  const std::string cluster_;
  std::deque<std::string> running_;
  std::string stopped_;
  std::size_t calls_ = 0, stopsSkipped_ = 0;
};

}  // namespace

json mixedScenario(LoadClient& client, const BenchSettings& settings) {
  CiJobs jobs(settings);
  for (std::size_t i = 0; i < kFamilies; ++i) {
    auto result = client.callNow("RegisterTaskDefinition", benchTaskDefinition(family(i)));
    if (!result.ok()) {
      return {{"scenario", "mixed"}, {"error", result.failure("RegisterTaskDefinition")}};
    }
  }
  for (std::size_t run = 0; run < kWarmTasks; run += 10) {
    auto result = client.callNow(
        "RunTask", runTaskRequest(settings, {{"cluster", settings.cluster},
                                             {"taskDefinition", family(0)},
                                             {"count", 10}}));
    if (!result.ok()) return {{"scenario", "mixed"}, {"error", result.failure("RunTask")}};
    jobs.ran(result);
  }
  const auto before = ProcessSample::of(settings.ecsdPid);
  CallDriver driver(client, {settings.rate, settings.duration}, [&] { return jobs.next(); });
  if (auto error = driver.run(); !error.empty()) return {{"scenario", "mixed"}, {"error", error}};
  json out = {{"scenario", "mixed"}, {"stop_task_skipped", jobs.stopsSkipped()}};
  out.update(driver.report());
  out.update(ProcessSample::of(settings.ecsdPid).costSince(before));
  return out;
}

}  // namespace ecsd::bench
