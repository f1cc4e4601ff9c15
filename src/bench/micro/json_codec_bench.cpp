// The JSON codec as requests see it: request bodies through the protocol
// layer (parseCall, RequestReader, the operation's own validation), answers
// rendered to the JSON text successResponse sends. In process, no I/O.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ecsd/domain/task_definition_spec.h"
#include "ecsd/scheduler/placement.h"
#include "operations/api_contract.h"
#include "operations/render.h"
#include "protocol/input_shape.h"
#include "protocol/json_protocol.h"
#include "protocol/request_reader.h"

namespace ecsd::bench {
namespace {

using nlohmann::json;
using protocol::HttpRequest;
using protocol::RequestReader;

HttpRequest request(const std::string& operation, std::string body) {
  HttpRequest r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"Host", "127.0.0.1:8443"},
               {"X-Amz-Target", std::string(protocol::kTargetPrefix).append(operation)},
               {"Content-Type", "application/x-amz-json-1.1"}};
  r.body = std::move(body);
  return r;
}

// A RunTask body as the AWS CLI sends one with the usual options.
const char* const kRunTaskBody = R"({
  "cluster": "demo", "taskDefinition": "wordpress:3", "count": 6, "group": "service:web",
  "startedBy": "deploy-42", "launchType": "EC2",
  "overrides": {"containerOverrides": [{"name": "wp", "environment": [
      {"name": "WORDPRESS_DB_HOST", "value": "mysql"}, {"name": "STAGE", "value": "prod"}]}]},
  "placementConstraints": [{"type": "memberOf",
      "expression": "attribute:ecs.instance-type =~ m5.* and attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"}],
  "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"},
                        {"type": "binpack", "field": "memory"}],
  "tags": [{"key": "team", "value": "web"}, {"key": "env", "value": "prod"}],
  "clientToken": "7c5b3f5e-2f0e-4c39-9d5d-1b0c4e2a8f11"})";

// parseCall and, with conform (the benchmarks' argument: 1 as every call
// has it, 0 to see its cost side by side), the door's type check.
Result<protocol::Call> parsedCall(const HttpRequest& r, bool conform) {
  auto call = protocol::parseCall(r);
  if (!call.ok() || !conform) return call;
  const protocol::Shape* shape = operations::inputShapes().input(call->operation);
  if (auto typed = protocol::conformInput(*shape, call->input); !typed.ok()) return typed.error();
  return call;
}

// What RunTask reads from its input before it touches state.
void parseRunTask(benchmark::State& state) {
  const HttpRequest r = request("RunTask", kRunTaskBody);
  for (auto _ : state) {
    auto call = parsedCall(r, state.range(0) != 0);
    if (!call.ok()) {
      state.SkipWithError("RunTask body rejected");
      break;
    }
    const RequestReader in(call->input);
    auto definition = in.requiredString("taskDefinition");
    auto overrides = in.optObject("overrides");
    auto group = in.optString("group");
    auto startedBy = in.optString("startedBy");
    auto tags = in.tags("tags");
    auto count = in.optInt("count", 1, 10);
    auto constraints = scheduler::parseConstraints(in.list("placementConstraints"));
    auto strategies = scheduler::parseStrategies(in.list("placementStrategy"));
    auto token = in.optString("clientToken");
    if (!constraints.ok() || !strategies.ok()) {
      state.SkipWithError("placement rejected");
      break;
    }
    benchmark::DoNotOptimize(definition.data());
    benchmark::DoNotOptimize(count);
    benchmark::DoNotOptimize(tags.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * r.body.size()));
  state.SetItemsProcessed(state.iterations());
}

std::string wordpressBody() {
  std::ifstream file(ECSD_SOURCE_DIR "/docs/examples/wordpress.json");
  std::stringstream text;
  text << file.rdbuf();
  if (!file) throw std::runtime_error("cannot read docs/examples/wordpress.json");
  const json body = {{"family", "wordpress"},
                     {"containerDefinitions", json::parse(text.str())},
                     {"tags", {{{"key", "app"}, {"value", "blog"}}}}};
  return body.dump();
}

// RegisterTaskDefinition's parse and validation: the WordPress example.
void parseRegisterTaskDefinition(benchmark::State& state) {
  const HttpRequest r = request("RegisterTaskDefinition", wordpressBody());
  for (auto _ : state) {
    auto call = parsedCall(r, state.range(0) != 0);
    if (!call.ok()) {
      state.SkipWithError("RegisterTaskDefinition body rejected");
      break;
    }
    const RequestReader in(call->input);
    auto tags = in.tags("tags");
    auto body = normalizeTaskDefinition(in.raw());
    if (!body.ok()) {
      state.SkipWithError("definition rejected");
      break;
    }
    benchmark::DoNotOptimize(tags.data());
    benchmark::DoNotOptimize(&*body);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * r.body.size()));
  state.SetItemsProcessed(state.iterations());
}

constexpr int kAnswerSize = 100;

std::string hexId(std::mt19937_64& rng, std::size_t length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(length, '0');
  for (auto& c : id) c = kHex[rng() % 16];
  return id;
}

// DescribeContainerInstances with 100 instances, as the agent registers them.
void renderDescribeContainerInstances(benchmark::State& state) {
  std::mt19937_64 rng(3);
  std::vector<ContainerInstance> instances(kAnswerSize);
  std::vector<Usage> usages(kAnswerSize);
  for (int i = 0; i < kAnswerSize; ++i) {
    ContainerInstance& instance = instances[i];
    instance.id = hexId(rng, 32);
    instance.arn = std::string("arn:aws:ecs:us-east-1:000000000000:container-instance/demo/")
                       .append(instance.id);
    instance.cluster = "demo";
    instance.ec2InstanceId = std::string("i-").append(hexId(rng, 17));
    instance.registered = {4096, 15576, {22, 2375, 2376, 51678, 51679}, {}};
    instance.attributes = {{"ecs.capability.privileged-container", std::nullopt},
                           {"ecs.capability.docker-remote-api.1.40", std::nullopt},
                           {"ecs.capability.logging-driver.json-file", std::nullopt},
                           {"ecs.instance-type", "m5.xlarge"},
                           {"ecs.availability-zone", "us-east-1a"},
                           {"ecs.os-type", "linux"},
                           {"ecs.os-family", "LINUX"},
                           {"ecs.cpu-architecture", "x86_64"},
                           {"ecs.ami-id", "ami-0123456789abcdef0"}};
    instance.versionInfo = {{"agentVersion", "1.82.0"},
                            {"agentHash", "0a1b2c3d"},
                            {"dockerVersion", "DockerVersion: 24.0.7"}};
    instance.registeredAt = 1.7e9 + i;
    for (int t = 0; t < 4; ++t) {
      Task task;
      task.lastStatus = "RUNNING";
      task.held = {256, 1024, {static_cast<std::uint16_t>(49153 + t)}, {}};
      usages[i].add(task, 1);
    }
  }
  std::size_t bytes = 0;
  std::vector<std::string> references;
  for (int i = 0; i < kAnswerSize; ++i) references.push_back(std::to_string(i));
  for (auto _ : state) {
    // As DescribeContainerInstances writes it (describedList), minus the lookups.
    const auto output = operations::describedList(
        "containerInstances", references,
        [&](JsonWriter& out, const std::string& reference) {
          const auto i = static_cast<std::size_t>(std::stoi(reference));
          operations::writeContainerInstance(out, instances[i], usages[i], true, false);
          return true;
        },
        [](const std::string& reference) { return reference; });
    const auto response = protocol::successResponse(output, "5f1c2a9e-request");
    bytes += response.body.size();
    benchmark::DoNotOptimize(response.body.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.SetItemsProcessed(state.iterations() * kAnswerSize);
}

// DescribeTasks with 100 WordPress tasks (two containers each, running).
void renderDescribeTasks(benchmark::State& state) {
  std::mt19937_64 rng(5);
  const ArnFactory arns("us-east-1", "000000000000");
  std::vector<Task> tasks(kAnswerSize);
  const std::string instanceArn =
      arns.containerInstance("demo", "0f3c5a7e9b1d4f6a8c2e0b4d6f8a1c3e");
  for (auto& task : tasks) {
    task.id = hexId(rng, 32);
    task.arn = arns.task("demo", task.id);
    task.cluster = "demo";
    task.taskDefinitionArn = arns.taskDefinition("wordpress", 3);
    task.family = "wordpress";
    task.revision = 3;
    task.lastStatus = "RUNNING";
    task.group = "family:wordpress";
    task.startedBy = "deploy-42";
    task.overrides = json::object();
    task.createdAt = 1.7e9;
    task.startedAt = 1.7e9 + 12.5;
    task.pullStartedAt = 1.7e9 + 0.5;
    task.pullStoppedAt = 1.7e9 + 10.25;
    for (const char* name : {"wp", "mysql"}) {
      TaskContainer c;
      c.arn = arns.container("demo", task.id, hexId(rng, 32));
      c.name = name;
      c.image = std::string(name) == "wp" ? "wordpress:latest" : "mysql:8";
      c.lastStatus = "RUNNING";
      c.cpu = std::string(name) == "wp" ? 100 : 50;
      c.memory = std::string(name) == "wp" ? 1024 : 512;
      if (std::string(name) == "wp") {
        c.networkBindings = json::array({{{"bindIP", "0.0.0.0"},
                                          {"containerPort", 80},
                                          {"hostPort", 80},
                                          {"protocol", "tcp"}}});
      }
      task.containers.push_back(std::move(c));
    }
  }
  std::size_t bytes = 0;
  std::vector<std::string> references;
  for (int i = 0; i < kAnswerSize; ++i) references.push_back(std::to_string(i));
  for (auto _ : state) {
    // As DescribeTasks writes it (describedList), minus the lookups.
    const auto output = operations::describedList(
        "tasks", references,
        [&](JsonWriter& out, const std::string& reference) {
          const auto i = static_cast<std::size_t>(std::stoi(reference));
          operations::writeTask(out, tasks[i], arns, instanceArn, false);
          return true;
        },
        [](const std::string& reference) { return reference; });
    const auto response = protocol::successResponse(output, "5f1c2a9e-request");
    bytes += response.body.size();
    benchmark::DoNotOptimize(response.body.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.SetItemsProcessed(state.iterations() * kAnswerSize);
}

BENCHMARK(parseRunTask)->Name("BM_JsonParseRunTask")->ArgName("conform")->Arg(0)->Arg(1);
BENCHMARK(parseRegisterTaskDefinition)
    ->Name("BM_JsonParseRegisterTaskDefinition")
    ->ArgName("conform")
    ->Arg(0)
    ->Arg(1);
BENCHMARK(renderDescribeContainerInstances)->Name("BM_JsonRenderDescribeContainerInstances100");
BENCHMARK(renderDescribeTasks)->Name("BM_JsonRenderDescribeTasks100");

}  // namespace
}  // namespace ecsd::bench
