// SubmitTaskStateChange and SubmitContainerStateChange: what agents report
// moves tasks PENDING -> RUNNING -> STOPPED (the rules are the domain's,
// ecsd/domain/task_lifecycle.h). STOPPED releases the task's resources in the
// same transaction that records it.
#include "ecsd/domain/quotas.h"
#include "ecsd/domain/task_lifecycle.h"
#include "ecsd/errors.h"
#include "operations/delivery.h"
#include "operations/lookups.h"
#include "operations/router.h"

namespace ecsd::operations {

namespace {

using nlohmann::json;
using protocol::ApiError;
using protocol::CallContext;
using protocol::orThrow;
using protocol::RequestReader;

void checkStatus(const std::string& status) {
  if (statusRank(status) < 0) {
    throw ApiError(errors::invalidParameter("Invalid status: '" + status +
                                            "'. Valid values: PENDING, RUNNING, STOPPED."));
  }
}

// An agent's reason, cut to what ECS keeps (on a character's boundary, so
// the text stays UTF-8): refusing it would make the agent retry a report that
// can never pass.
std::string agentReason(std::string reason) {
  std::size_t keep = quotas::kAgentReasonCharacters;
  if (reason.size() <= keep) return reason;
  while (keep > 0 && (static_cast<unsigned char>(reason[keep]) & 0xC0) == 0x80) --keep;
  reason.resize(keep);
  return reason;
}

// One container's reported change, {containerName, status, exitCode, reason,
// runtimeId, networkBindings}, applied to the task (its members' types were
// checked at the door).
void applyContainerChange(Task& task, const json& change) {
  ContainerReport report{change.value("containerName", "")};
  if (auto status = change.value("status", json()); status.is_string()) {
    checkStatus(status);
    report.status = status;
  }
  if (auto exitCode = change.value("exitCode", json()); exitCode.is_number_integer()) {
    report.exitCode = exitCode.get<int>();
  }
  if (auto reason = change.value("reason", json()); reason.is_string()) {
    report.reason = agentReason(reason.get<std::string>());
  }
  if (auto id = change.value("runtimeId", json()); id.is_string()) report.runtimeId = id;
  if (auto bindings = change.value("networkBindings", json()); bindings.is_array()) {
    report.networkBindings = std::move(bindings);
  }
  if (!applyContainerReport(task, report)) {
    throw ApiError(errors::invalidParameter("Task " + task.arn + " has no container named '" +
                                            report.containerName + "'."));
  }
}

std::optional<double> timestamp(const RequestReader& in, const char* member) {
  const json& value = in.raw().value(member, json());
  if (value.is_null()) return std::nullopt;
  if (!value.is_number())
    throw ApiError(errors::serialization(std::string(member) + " must be a timestamp"));
  return value.get<double>();
}

// Finds the task, lets change() update a copy, settles it, commits, and sends
// it back to its agent when it now has to stop.
template <class Change>
Later<json> report(const Services& s, const RequestReader& in, Change change) {
  const std::string cluster = clusterName(s.arns, in);
  const std::string reference = in.requiredString("task");
  Task task;
  bool mustStop = false;
  orThrow(co_await s.state.committed([&](Draft& draft) -> Result<json> {
    const Task* found = findTask(draft, s.arns, cluster, reference);
    if (!found) return errors::invalidParameter("The referenced task was not found.");
    task = *found;
    const bool wasRunningDesired = task.desiredStatus == "RUNNING";
    const double now = s.clock.epochSeconds();
    change(task, now);
    settle(task, now);
    mustStop = wasRunningDesired && task.desiredStatus == "STOPPED" && task.live();
    draft.put(task);
    return json::object();
  }));
  if (mustStop) deliverTasks(s, {task});
  co_return {{"acknowledgment", "ACK"}};
}

Later<json> submitTaskStateChange(const Services& s, const CallContext&, const RequestReader& in) {
  const auto status = in.optString("status");
  if (status) checkStatus(*status);
  auto reason = in.optString("reason");
  if (reason) reason = agentReason(std::move(*reason));
  const json containers = in.list("containers");
  const auto pullStartedAt = timestamp(in, "pullStartedAt");
  const auto pullStoppedAt = timestamp(in, "pullStoppedAt");
  const auto executionStoppedAt = timestamp(in, "executionStoppedAt");
  co_return co_await report(s, in, [&](Task& task, double now) {
    for (const auto& change : containers) applyContainerChange(task, change);
    if (pullStartedAt) task.pullStartedAt = pullStartedAt;
    if (pullStoppedAt) task.pullStoppedAt = pullStoppedAt;
    if (executionStoppedAt) task.executionStoppedAt = executionStoppedAt;
    if (!status) return;
    if (*status == "STOPPED") {
      reportStopped(task, reason, now);
    } else {
      advanceStatus(task, *status, now);
    }
  });
}

Later<json> submitContainerStateChange(const Services& s, const CallContext&,
                                       const RequestReader& in) {
  json change = {{"containerName", in.requiredString("containerName")}};
  for (const char* member : {"status", "exitCode", "reason", "runtimeId", "networkBindings"}) {
    if (in.has(member)) change[member] = in.raw()[member];
  }
  co_return co_await report(s, in, [&](Task& task, double now) {
    applyContainerChange(task, change);
    // A running container means its task has started.
    if (change.value("status", "") == "RUNNING") advanceStatus(task, "RUNNING", now);
  });
}

}  // namespace

void addTaskStateOperations(Router& router) {
  router.add("SubmitTaskStateChange",
             touching({{"cluster", Names::kCluster}, {"task", Names::kTask}}),
             submitTaskStateChange);
  router.add("SubmitContainerStateChange",
             touching({{"cluster", Names::kCluster}, {"task", Names::kTask}}),
             submitContainerStateChange);
}

}  // namespace ecsd::operations
