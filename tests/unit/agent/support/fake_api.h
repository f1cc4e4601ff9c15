// An ApiTransport that records every call and answers from a script: a
// handler per operation, and optionally a number of failures first.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "agent/net/api_client.h"

namespace ecsd::agent::test_support {

class FakeApi final : public ApiTransport {
 public:
  using Handler = std::function<Result<nlohmann::json>(const nlohmann::json&)>;

  Result<nlohmann::json> call(const std::string& operation,
                              const nlohmann::json& request) override {
    Handler handler;
    {
      std::lock_guard lock(mutex_);
      calls_.emplace_back(operation, request);
      if (failures_ > 0) {
        --failures_;
        return Error{failureType_, "scripted failure", failureStatus_};
      }
      const auto it = handlers_.find(operation);
      if (it == handlers_.end()) return nlohmann::json::object();
      handler = it->second;
    }
    return handler(request);
  }

  void on(const std::string& operation, Handler handler) {
    std::lock_guard lock(mutex_);
    handlers_[operation] = std::move(handler);
  }
  // The next `count` calls fail with this error.
  void failNext(int count, std::string type = "EndpointUnreachable", int status = 0) {
    std::lock_guard lock(mutex_);
    failures_ = count;
    failureType_ = std::move(type);
    failureStatus_ = status;
  }
  std::vector<std::pair<std::string, nlohmann::json>> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<nlohmann::json> callsOf(const std::string& operation) const {
    std::vector<nlohmann::json> out;
    for (const auto& [name, request] : calls()) {
      if (name == operation) out.push_back(request);
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Handler> handlers_;
  std::vector<std::pair<std::string, nlohmann::json>> calls_;
  int failures_ = 0;
  std::string failureType_;
  int failureStatus_ = 0;
};

}  // namespace ecsd::agent::test_support
