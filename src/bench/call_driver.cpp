#include "bench/call_driver.h"

namespace ecsd::bench {

using SteadyClock = std::chrono::steady_clock;
using nlohmann::json;

CallDriver::CallDriver(LoadClient& client, DriveSettings settings, Next next)
    : client_(client), settings_(settings), next_(std::move(next)) {}

std::string CallDriver::run() {
  start_ = SteadyClock::now();
  end_ = start_ + settings_.duration;
  lastAnswer_ = start_;
  if (settings_.rate > 0) {
    for (std::size_t lane = client_.lanes(); lane-- > 0;) idle_.push_back(lane);
    tick();
  } else {
    for (std::size_t lane = 0; lane < client_.lanes(); ++lane, ++made_) {
      send(lane, {next_(), start_});
    }
  }
  client_.run();
  client_.drain();
  return error_;
}

void CallDriver::tick() {
  const auto period = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(1.0 / settings_.rate));
  const auto now = SteadyClock::now();
  // The loop may wake late (it was busy): every call due by now goes out now,
  // still timed from when it was due.
  auto due = start_ + period * static_cast<SteadyClock::rep>(made_);
  for (; due <= now && due < end_; due += period) {
    loopLag_.add(now - due);
    issue(due);
  }
  if (due < end_) return client_.after(due - now, [this] { tick(); });
  issuing_ = false;
  if (over()) client_.stop();
}

void CallDriver::issue(SteadyClock::time_point due) {
  ++made_;
  Due call{next_(), due};
  if (idle_.empty()) {
    ++late_;
    waiting_.push_back(std::move(call));
    return;
  }
  const std::size_t lane = idle_.back();
  idle_.pop_back();
  send(lane, std::move(call));
}

void CallDriver::send(std::size_t lane, Due due) {
  const std::string operation = due.call.operation;
  json request = std::move(due.call.request);
  client_.call(lane, operation, std::move(request),
               [this, lane, due = std::move(due)](CallResult result) {
                 answered(lane, due, std::move(result));
               });
}

void CallDriver::answered(std::size_t lane, const Due& due, CallResult result) {
  ++answered_;
  lastAnswer_ = SteadyClock::now();
  if (!error_.empty()) return;  // stopped: the rest only drain
  if (!result.ok()) {
    error_ = result.failure(due.call.operation);
    return client_.stop();
  }
  result.latency = lastAnswer_ - due.at;
  latencies_[due.call.operation].add(result.latency);
  if (due.call.answered) due.call.answered(result);
  if (settings_.rate <= 0) {
    if (lastAnswer_ < end_) {
      ++made_;
      send(lane, {next_(), lastAnswer_});
    }
  } else if (!waiting_.empty()) {
    Due call = std::move(waiting_.front());
    waiting_.pop_front();
    send(lane, std::move(call));
  } else {
    idle_.push_back(lane);
  }
  if (over()) client_.stop();
}

bool CallDriver::over() const {
  return answered_ == made_ && (settings_.rate > 0 ? !issuing_ : lastAnswer_ >= end_);
}

json CallDriver::report() {
  const double seconds = std::chrono::duration<double>(lastAnswer_ - start_).count();
  const double window = std::chrono::duration<double>(settings_.duration).count();
  json out = {{"mode", settings_.rate > 0 ? "open loop" : "closed loop"},
              {"lanes", client_.lanes()},
              {"calls", answered_},
              {"seconds", seconds},
              {"achieved_calls_per_second", seconds > 0 ? answered_ / seconds : 0}};
  if (settings_.rate > 0) {
    out["offered_calls_per_second"] = static_cast<double>(made_) / window;
    out["late_calls"] = late_;
    // How late ecs-bench itself issued calls (its loop busy or not scheduled):
    // when this is high, the generator, not the server, held calls back.
    out["loop_lag_p99_ms"] = loopLag_.quantileMs(0.99);
    out["loop_lag_max_ms"] = loopLag_.quantileMs(1.0);
  }
  for (auto& [operation, samples] : latencies_) out[operation] = samples.toJson();
  return out;
}

}  // namespace ecsd::bench
