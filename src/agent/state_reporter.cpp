#include "agent/state_reporter.h"

#include <spdlog/spdlog.h>

#include "common/logging.h"

namespace ecsd::agent {
namespace {

// Worth trying again: no answer, a fault or throttling on ecsd's side, or
// credentials/clock trouble that an operator can fix. Any other client error
// will not change by retrying (e.g. a task ecsd no longer knows).
bool retryable(const Error& error) {
  return error.httpStatus == 0 || error.httpStatus >= 500 || error.httpStatus == 403 ||
         error.httpStatus == 429 || error.type == "ThrottlingException";
}

}  // namespace

StateReporter::StateReporter(ApiTransport& api, std::string cluster, Timing timing)
    : api_(api), cluster_(std::move(cluster)), timing_(timing), thread_([this] { run(); }) {}

StateReporter::~StateReporter() {
  stop_.stop();
  changed_.notify_all();
  thread_.join();
}

void StateReporter::submit(TaskStateChange change) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(change));
  }
  changed_.notify_all();
}

bool StateReporter::waitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return queue_.empty() && !busy_; });
}

void StateReporter::run() {
  while (true) {
    TaskStateChange change;
    {
      std::unique_lock lock(mutex_);
      busy_ = false;
      changed_.notify_all();
      changed_.wait(lock, [this] { return !queue_.empty() || stop_.stopped(); });
      if (stop_.stopped()) return;
      change = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    for (const auto& [operation, request] : stateChangeCalls(cluster_, change)) {
      deliver(operation, request);
    }
  }
}

void StateReporter::deliver(const std::string& operation, const nlohmann::json& request) {
  Backoff backoff(timing_.firstRetry, timing_.maxRetry);
  const std::string task = request.value("task", "");
  int attempt = 0;
  // Delivered or refused for good: either way the report is done with.
  retryUntilDone(backoff, stop_, [&](std::chrono::milliseconds delay) -> std::optional<bool> {
    ++attempt;
    auto answer = api_.call(operation, request);
    if (answer) {
      spdlog::debug(
          "msg=\"State change accepted\" module=StateReporter operation={} task={} "
          "status={} attempts={}",
          operation, task, request.value("status", ""), attempt);
      return true;
    }
    const Error& error = answer.error();
    if (!retryable(error)) {
      spdlog::warn(
          "msg=\"State change refused\" module=StateReporter operation={} task={} "
          "error={} message={}",
          operation, task, error.type, logging::quote(error.message));
      return false;
    }
    spdlog::warn(
        "msg=\"State change not delivered, retrying\" module=StateReporter "
        "operation={} task={} attempt={} error={} message={} retry_in_ms={}",
        operation, task, attempt, error.type, logging::quote(error.message), delay.count());
    return std::nullopt;
  });
}

}  // namespace ecsd::agent
