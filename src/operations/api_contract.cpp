#include "operations/api_contract.h"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/embedded_file.h"

namespace ecsd::operations {

namespace {

std::map<std::string, OperationContract, std::less<>> loadContract() {
  std::map<std::string, OperationContract, std::less<>> contract;
  for (const auto& file : apiFiles()) {
    if (file.name != "ecs-operations.json") continue;
    try {
      const auto json = nlohmann::json::parse(file.content);
      for (const auto& [name, entry] : json.at("operations").items()) {
        contract[name] = {entry.at("status").get<std::string>(), entry.value("note", ""),
                          entry.at("action").get<std::string>(),
                          entry.at("access").get<std::string>() == "write"};
      }
    } catch (const nlohmann::json::exception& e) {
      std::fprintf(stderr, "fatal: api/ecs-operations.json: %s\n", e.what());
      std::abort();
    }
  }
  return contract;
}

}  // namespace

const std::map<std::string, OperationContract, std::less<>>& apiContract() {
  static const auto contract = loadContract();
  return contract;
}

}  // namespace ecsd::operations
