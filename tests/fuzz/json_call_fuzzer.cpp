// An ECS call as the API reads it: the JSON 1.1 body parsed (parseCall, with
// its depth bound), then conformed to the declared input shape of an
// implemented operation (the first byte picks which), then read the way
// handlers read members (RequestReader). Any input must end in a value or an
// AWS error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "operations/api_contract.h"
#include "protocol/input_shape.h"
#include "protocol/json_protocol.h"
#include "protocol/request_reader.h"

namespace {

const std::vector<std::string>& implemented() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [name, contract] : ecsd::operations::apiContract()) {
      if (contract.status == "implemented") out.push_back(name);
    }
    return out;
  }();
  return names;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string& operation = implemented()[data[0] % implemented().size()];
  ecsd::protocol::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                     {"X-Amz-Target", std::string(ecsd::protocol::kTargetPrefix) + operation}};
  request.body.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  auto call = ecsd::protocol::parseCall(request);
  if (!call) return 0;
  const auto* shape = ecsd::operations::inputShapes().input(operation);
  if (!ecsd::protocol::conformInput(*shape, call->input).ok()) return 0;
  const ecsd::protocol::RequestReader reader(call->input);
  try {
    for (const auto& [name, member] : shape->members) {
      switch (member->kind) {
        case ecsd::protocol::Shape::Kind::kString:
          (void)reader.optString(name);
          break;
        case ecsd::protocol::Shape::Kind::kInteger:
          (void)reader.optInt(name, 0, 100);
          break;
        case ecsd::protocol::Shape::Kind::kBoolean:
          (void)reader.optBool(name);
          break;
        case ecsd::protocol::Shape::Kind::kList:
          (void)reader.list(name);
          break;
        default:
          break;
      }
    }
    if (shape->members.contains("tags")) (void)reader.tags("tags");
  } catch (const ecsd::protocol::ApiError&) {
    // An AWS error: what bad input must come to.
  }
  return 0;
}
