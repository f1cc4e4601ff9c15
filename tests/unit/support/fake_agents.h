// Test support: agents as operations see them, with connectivity set by the
// test and deliveries recorded.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "operations/agents.h"

namespace ecsd::test_support {

class FakeAgents final : public operations::Agents {
 public:
  bool allConnected = true;
  std::set<std::string> connectedIds;  // used when !allConnected
  std::vector<std::pair<std::string, nlohmann::json>> delivered;
  std::vector<std::string> forgotten;

  bool connected(const std::string& instanceId) const override {
    return allConnected || connectedIds.contains(instanceId);
  }
  void deliver(const std::string& instanceId, dispatch::PayloadTasks tasks) override {
    delivered.emplace_back(instanceId, nlohmann::json::parse(tasks.text()));
  }
  void forget(const std::string& instanceId) override { forgotten.push_back(instanceId); }
  std::string pollEndpoint(std::string_view) const override { return "https://127.0.0.1:8443/"; }
};

}  // namespace ecsd::test_support
