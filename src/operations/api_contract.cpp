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

std::map<std::string, CallClass, std::less<>> loadCallClasses() {
  std::map<std::string, CallClass, std::less<>> classes;
  std::map<std::string, std::string, std::less<>> classOf;
  try {
    const auto json = nlohmann::json::parse(embedded("ecs-throttling.json"));
    for (const auto& [name, entry] : json.at("callClasses").items()) {
      CallClass& callClass = classes[name];
      callClass.rate = {entry.at("burst").get<double>(), entry.at("refill").get<double>()};
      callClass.operations = entry.at("operations").get<std::vector<std::string>>();
      for (const auto& operation : callClass.operations) {
        if (!classOf.emplace(operation, name).second) {
          malformed("ecs-throttling.json", operation + " is in two call classes");
        }
      }
    }
  } catch (const nlohmann::json::exception& e) {
    malformed("ecs-throttling.json", e.what());
  }
  return classes;
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

const std::map<std::string, CallClass, std::less<>>& callClasses() {
  static const auto classes = loadCallClasses();
  return classes;
}

std::string_view callClassOf(std::string_view operation) {
  static const auto classOf = [] {
    std::map<std::string, std::string, std::less<>> index;
    for (const auto& [name, callClass] : callClasses()) {
      for (const auto& member : callClass.operations) index.emplace(member, name);
    }
    return index;
  }();
  const auto found = classOf.find(operation);
  return found == classOf.end() ? std::string_view() : std::string_view(found->second);
}

}  // namespace ecsd::operations
