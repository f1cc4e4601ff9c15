#include "operations/api_contract.h"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/embedded_file.h"

namespace ecsd::operations {

namespace {

[[noreturn]] void malformed(std::string_view file, std::string_view why) {
  std::fprintf(stderr, "fatal: api/%.*s: %.*s\n", static_cast<int>(file.size()), file.data(),
               static_cast<int>(why.size()), why.data());
  std::abort();
}

std::string_view embedded(std::string_view name) {
  for (const auto& file : apiFiles()) {
    if (file.name == name) return file.content;
  }
  malformed(name, "not compiled in");
}

std::map<std::string, OperationContract, std::less<>> loadContract() {
  std::map<std::string, OperationContract, std::less<>> contract;
  try {
    const auto json = nlohmann::json::parse(embedded("ecs-operations.json"));
    for (const auto& [name, entry] : json.at("operations").items()) {
      contract[name] = {entry.at("status").get<std::string>(), entry.value("note", ""),
                        entry.at("action").get<std::string>(),
                        entry.at("access").get<std::string>() == "write"};
    }
  } catch (const nlohmann::json::exception& e) {
    malformed("ecs-operations.json", e.what());
  }
  return contract;
}

}  // namespace

const std::map<std::string, OperationContract, std::less<>>& apiContract() {
  static const auto contract = loadContract();
  return contract;
}

const protocol::InputShapes& inputShapes() {
  static const auto shapes = [] {
    auto parsed = protocol::InputShapes::parse(embedded("ecs-input-shapes.json"));
    if (!parsed) malformed("ecs-input-shapes.json", parsed.error().message);
    return std::move(parsed).value();
  }();
  return shapes;
}

}  // namespace ecsd::operations
