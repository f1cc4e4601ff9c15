// The whole authorize stage of an ECS call, as the server runs it: an IAM
// user's RunTask (web:1 in cluster default) through PolicyAuthorizer, with
// 100 policies of 5 statements (policy_corpus.h) inline on the user; the
// statement that allows is the last of the last policy. It includes the
// cache lookup of the compiled policies, the resources from the call's
// input, the condition keys, evaluation and the decision's log line (to a
// sink that drops it). One refuse() is one decision.
#include <benchmark/benchmark.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "ecsd/clock.h"
#include "identity/compiled_policies.h"
#include "identity/policy_authorizer.h"
#include "operations/touches.h"
#include "policy_corpus.h"

namespace ecsd::identity {
namespace {

// Nothing durable: the benchmark measures decisions, not commits.
class NullStore final : public Store {
 public:
  Result<StoredState> load() override { return StoredState{}; }
  Status commit(const ChangeSet&) override { return {}; }
};

void authorizeRunTask(benchmark::State& bench) {
  NullStore store;
  auto state = State::load(store);
  const ArnFactory arns("us-east-1", "111122223333");
  const SystemClock clock;
  IamUser user;
  user.name = "alice";
  user.id = "AIDAEXAMPLE0123456789";
  user.arn = "arn:aws:iam::111122223333:user/alice";
  for (int i = 0; i < bench::kPolicies; ++i) {
    user.policies.push_back({std::string("p").append(std::to_string(i)), bench::document(i)});
  }
  (void)(*state)->write([&](Draft& draft) -> Result<int> {
    draft.putRow(user);
    return 0;
  });
  const CompiledPolicies policies(**state);
  const PolicyAuthorizer authorizer(**state, arns, clock, policies);
  const auto touches = operations::touching(
      {{"cluster", operations::Names::kCluster}, {"taskDefinition", operations::Names::kTaskDefinition}});
  const protocol::OperationDescriptor runTask{
      "RunTask", "ecs:RunTask", protocol::Access::kWrite,
      [&](const protocol::Call& call) { return touches(arns, call.input); }};
  const protocol::Call call{"RunTask", {{"cluster", "default"}, {"taskDefinition", "web:1"}}};
  const security::AccessKey key{"AKIAEXAMPLE", "secret", "alice", false};
  const protocol::CallContext context{"request-id", key, "ecsd:8443", "10.1.2.3:5000", true};

  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("null", std::make_shared<spdlog::sinks::null_sink_mt>()));
  std::int64_t decisions = 0;
  for (auto _ : bench) {
    auto refusal = authorizer.refuse(runTask, call, context);
    benchmark::DoNotOptimize(refusal);
    if (refusal) {
      bench.SkipWithError(refusal->message.c_str());
      break;
    }
    ++decisions;
  }
  spdlog::set_default_logger(previous);
  bench.SetItemsProcessed(decisions);
  bench.counters["time_per_decision"] = benchmark::Counter(
      static_cast<double>(decisions), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

BENCHMARK(authorizeRunTask)->Name("BM_AuthorizeStageRunTask100Policies");

}  // namespace
}  // namespace ecsd::identity
