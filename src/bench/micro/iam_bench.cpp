// The authorize stage's policy evaluation, in process: an ECS RunTask
// request evaluated against 100 parsed policies of 5 statements each, a mix
// of other services' grants, ECS reads, grants on other task definitions and
// clusters, and Deny guards (every Deny is looked at on every call). The
// statement that allows is the last of the last policy, so a decision walks
// everything. One evaluate() is one decision.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "ecsd/iam/evaluation.h"
#include "ecsd/iam/policy.h"
#include "policy_corpus.h"

namespace ecsd::iam {
namespace {

using bench::document;
using bench::kPolicies;
using bench::kPrefix;

void evaluateRunTask(benchmark::State& state) {
  std::vector<Policy> policies;
  for (int i = 0; i < kPolicies; ++i) {
    Result<Policy> parsed = parsePolicy(document(i), PolicyKind::Managed);
    if (!parsed.ok()) {
      state.SkipWithError(parsed.error().message.c_str());
      return;
    }
    policies.push_back(std::move(parsed).value());
  }
  std::vector<const Policy*> attached;
  for (const Policy& p : policies) attached.push_back(&p);

  // The request context the authorize stage builds for RunTask.
  Request request{"ecs:RunTask", std::string(kPrefix) + "task-definition/web:7", {}};
  request.context.set("aws:username", "alice");
  request.context.set("aws:userid", "AIDAEXAMPLE0123456789");
  request.context.set("aws:PrincipalArn", "arn:aws:iam::111122223333:user/alice");
  request.context.set("aws:SourceIp", "10.1.2.3");
  request.context.set("aws:CurrentTime", "2024-05-01T12:00:00Z");
  request.context.set("aws:SecureTransport", "true");
  request.context.set("ecs:cluster", std::string(kPrefix) + "cluster/default");

  std::int64_t decisions = 0;
  for (auto _ : state) {
    const Decision d = evaluate(attached, request);
    benchmark::DoNotOptimize(d);
    if (d.verdict != Verdict::Allow || d.policy != kPolicies - 1) {
      state.SkipWithError("the last statement did not decide");
      return;
    }
    ++decisions;
  }
  state.SetItemsProcessed(decisions);
  // Rate, inverted: seconds per decision (the console shows it as "1.6us").
  state.counters["time_per_decision"] = benchmark::Counter(
      static_cast<double>(decisions), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["statements"] = kPolicies * 5;
}

BENCHMARK(evaluateRunTask)->Name("BM_IamEvaluateRunTask100Policies");

}  // namespace
}  // namespace ecsd::iam
