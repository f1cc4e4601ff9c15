// Task definition validation (RegisterTaskDefinition's rules) on any JSON
// value: a normalized definition or an ECS error, never a crash; a definition
// it accepts is what the scheduler reads its demand from.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "ecsd/domain/task_definition_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto request = nlohmann::json::parse(data, data + size, nullptr, false);
  if (request.is_discarded()) return 0;
  auto body = ecsd::normalizeTaskDefinition(request);
  if (body) (void)ecsd::requiredAttributes(*body);
  return 0;
}
