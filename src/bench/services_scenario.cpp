// services: ECS services at scale (issue 16). With every instance registered
// and its agent running what it is sent, the services are created, then all
// deployed at once; each phase lasts until every service is steady as the
// AWS CLI's services-stable waiter sees it. Before and after, ecsd's CPU while
// nothing changes: the service scheduler works only on services something
// happened to, so services that are steady should add nothing to it.
#include <functional>
#include <string>
#include <vector>

#include "bench/scenario_steps.h"
#include "bench/scenarios.h"

namespace ecsd::bench {
namespace {

using nlohmann::json;

constexpr std::size_t kPerDescribe = 10;  // DescribeServices' limit
// Between rounds of DescribeServices: often enough to time a phase to a
// fraction of a second, seldom enough that the polls are not ecsd's load.
constexpr auto kPollInterval = std::chrono::milliseconds(250);
// Before an idle measure: lets what the phase before it set off finish.
constexpr auto kSettle = std::chrono::seconds(1);
// A phase fails when none of the services it waits for changed for this long.
constexpr auto kStallLimit = std::chrono::seconds(120);

const std::string kPrefix = "svc-";

std::string serviceName(std::size_t index) { return kPrefix + std::to_string(index); }

void serveFor(LoadClient& client, std::chrono::nanoseconds duration) {
  client.after(duration, [&client] { client.stop(); });
  client.run();
}

// ecsd's CPU while nothing is asked of it but the agents' heartbeats.
json idleCpu(LoadClient& client, const BenchSettings& settings) {
  serveFor(client, kSettle);
  const auto before = ProcessSample::of(settings.ecsdPid);
  const auto start = SteadyClock::now();
  serveFor(client, settings.idle);
  const double seconds = secondsSince(start);
  const double cpu = ProcessSample::of(settings.ecsdPid).cpuSeconds - before.cpuSeconds;
  return {{"seconds", seconds}, {"ecsd_cpu_ms_per_second", cpu * 1000 / seconds}};
}

// One phase: a call that changes what each service wants (CreateService or
// UpdateService), every service's at once, over every lane in turn; then
// DescribeServices of those not yet steady on `taskDefinitionArn`, in rounds,
// until none is left.
class Phase {
 public:
  using Request = std::function<json(const std::string& service)>;

  Phase(LoadClient& client, const BenchSettings& settings, std::string operation,
        std::string taskDefinitionArn, Request request, std::string& error)
      : client_(client),
        settings_(settings),
        operation_(std::move(operation)),
        taskDefinitionArn_(std::move(taskDefinitionArn)),
        request_(std::move(request)),
        error_(error),
        seen_(settings.services) {}

  json run() {
    const auto before = ProcessSample::of(settings_.ecsdPid);
    start_ = SteadyClock::now();
    // All at once: every call queued now, the lanes' first calls out at once.
    for (std::size_t i = 0; i < settings_.services; ++i) change(i % client_.lanes(), i);
    client_.run();
    if (!error_.empty()) return nullptr;
    const std::size_t tasks = settings_.services * settings_.desiredPerService;
    json steady = steady_.toJson();  // per service, from the first call
    steady.erase("calls");
    json out = {{"seconds", steadyAt_},
                {"requests_seconds", changedAt_},
                {"services_steady", steady_.count()},
                {"tasks", tasks},
                {"tasks_per_second", static_cast<double>(tasks) / steadyAt_},
                {"service_steady", steady},
                {"poll_rounds", rounds_},
                {operation_, changes_.toJson()},
                {"DescribeServices", describes_.toJson()}};
    out.update(ProcessSample::of(settings_.ecsdPid).costSince(before));
    return out;
  }

 private:
  void change(std::size_t lane, std::size_t service) {
    client_.call(lane, operation_, request_(serviceName(service)), [this](CallResult result) {
      if (!error_.empty() || !check(client_, result, operation_.c_str(), error_)) return;
      changes_.add(result.latency);
      if (++changed_ < settings_.services) return;
      changedAt_ = secondsSince(start_);
      for (std::size_t i = 0; i < settings_.services; ++i) waiting_.push_back(i);
      lastChange_ = SteadyClock::now();
      poll();
    });
  }

  // One round: every service still waited for, ten to a call, over the lanes.
  void poll() {
    if (!error_.empty()) return;  // a report failed meanwhile
    ++rounds_;
    std::vector<std::size_t> round;
    round.swap(waiting_);
    outstanding_ = (round.size() + kPerDescribe - 1) / kPerDescribe;
    for (std::size_t call = 0; call < outstanding_; ++call) {
      json names = json::array();
      for (std::size_t i = call * kPerDescribe;
           i < std::min(round.size(), (call + 1) * kPerDescribe); ++i) {
        names.push_back(serviceName(round[i]));
      }
      client_.call(call % client_.lanes(), "DescribeServices",
                   {{"cluster", settings_.cluster}, {"services", names}},
                   [this](CallResult result) { described(result); });
    }
  }

  void described(const CallResult& result) {
    if (!error_.empty() || !check(client_, result, "DescribeServices", error_)) return;
    describes_.add(result.latency);
    const json& body = result.body();
    if (!body.value("failures", json::array()).empty()) {
      error_ = "DescribeServices: " + body["failures"].dump();
      return client_.stop();
    }
    for (const auto& service : body.at("services")) {
      const std::string& name = service.at("serviceName").get_ref<const std::string&>();
      const std::size_t index = std::stoul(name.substr(kPrefix.size()));
      const auto& deployments = service.at("deployments");
      if (deployments.size() == 1 && deployments[0].at("taskDefinition") == taskDefinitionArn_ &&
          service.at("runningCount") == service.at("desiredCount")) {
        steady_.add(SteadyClock::now() - start_);
        lastChange_ = SteadyClock::now();
        continue;
      }
      waiting_.push_back(index);
      // Where the service is, and its newest event: what a stalled phase reports.
      std::string state = std::to_string(deployments.size()) + " deployments, running " +
                          service.at("runningCount").dump() + ", pending " +
                          service.at("pendingCount").dump() + " of " +
                          service.at("desiredCount").dump();
      if (const auto& events = service.at("events"); !events.empty()) {
        state += "; newest event: " + events[0].value("message", "");
      }
      if (state != seen_[index]) lastChange_ = SteadyClock::now();
      seen_[index] = std::move(state);
    }
    if (--outstanding_ > 0) return;
    if (waiting_.empty()) {
      steadyAt_ = secondsSince(start_);
      return client_.stop();
    }
    if (SteadyClock::now() - lastChange_ > kStallLimit) {
      error_ = operation_ + ": " + std::to_string(waiting_.size()) + " services not steady and " +
               "none changed for " + std::to_string(kStallLimit.count()) + " s; " +
               serviceName(waiting_.front()) + ": " + seen_[waiting_.front()];
      return client_.stop();
    }
    client_.after(kPollInterval, [this] { poll(); });
  }

  LoadClient& client_;
  const BenchSettings& settings_;
  const std::string operation_, taskDefinitionArn_;
  const Request request_;
  std::string& error_;
  SteadyClock::time_point start_, lastChange_;
  std::size_t changed_ = 0, rounds_ = 0, outstanding_ = 0;
  double changedAt_ = 0, steadyAt_ = 0;
  std::vector<std::size_t> waiting_;  // services not yet seen steady
  std::vector<std::string> seen_;     // by service: its state when last described
  Latencies changes_, describes_, steady_;
};

}  // namespace

json servicesScenario(LoadClient& client, const BenchSettings& settings) {
  std::string error;
  const auto failed = [&](const std::string& what) {
    client.drain();
    return json{{"scenario", "services"}, {"error", what}};
  };
  const auto start = ProcessSample::of(settings.ecsdPid);
  json out = {{"scenario", "services"},
              {"instances", settings.instances},
              {"lanes", client.lanes()},
              {"services", settings.services},
              {"desired_per_service", settings.desiredPerService},
              {"idle_before", idleCpu(client, settings)}};

  const auto described = client.callNow("DescribeTaskDefinition", {{"taskDefinition", "bench"}});
  if (!described.ok()) return failed(described.failure("DescribeTaskDefinition"));
  const std::string first = described.body().at("taskDefinition").at("taskDefinitionArn");
  Latencies reports;
  runSentTasks(client, settings.cluster, 0, client.lanes(), error, &reports);
  // No placementStrategy: ECS's default for services, spread across zones.
  // (Each phase outlives the drain of its calls, which an error leaves.)
  Phase create(
      client, settings, "CreateService", first,
      [&](const std::string& name) {
        return json{{"cluster", settings.cluster},
                    {"serviceName", name},
                    {"taskDefinition", first},
                    {"desiredCount", settings.desiredPerService}};
      },
      error);
  out["create"] = create.run();
  if (!error.empty()) return failed("create: " + error);

  // A deploy: a new revision of the family (ECS makes one per registration).
  const auto registered = client.callNow("RegisterTaskDefinition", benchTaskDefinition("bench"));
  if (!registered.ok()) return failed(registered.failure("RegisterTaskDefinition"));
  const std::string second = registered.body().at("taskDefinition").at("taskDefinitionArn");
  Phase deploy(
      client, settings, "UpdateService", second,
      [&](const std::string& name) {
        return json{{"cluster", settings.cluster}, {"service", name}, {"taskDefinition", second}};
      },
      error);
  out["deploy"] = deploy.run();
  if (!error.empty()) return failed("deploy: " + error);

  out["idle_after"] = idleCpu(client, settings);
  client.drain();
  if (!error.empty()) return failed(error);  // a report that failed while idle
  out["idle_added_ecsd_cpu_ms_per_second"] =
      out["idle_after"]["ecsd_cpu_ms_per_second"].get<double>() -
      out["idle_before"]["ecsd_cpu_ms_per_second"].get<double>();
  out["SubmitTaskStateChange"] = reports.toJson();
  out.update(ProcessSample::of(settings.ecsdPid).costSince(start));
  return out;
}

}  // namespace ecsd::bench
