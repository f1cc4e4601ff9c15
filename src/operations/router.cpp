#include "operations/router.h"

#include <spdlog/spdlog.h>

#include <future>
#include <memory>

#include "common/logging.h"
#include "ecsd/errors.h"
#include "operations/api_contract.h"

namespace ecsd::operations {

namespace {

// An implemented operation the contract does not declare is a build defect,
// as a malformed contract is.
void requireDeclared(bool declared, std::string_view file, const std::string& operation) {
  if (declared) return;
  spdlog::critical("msg=\"operation missing from api/{}\" op={}", file, operation);
  std::abort();
}

}  // namespace

Router::Router(Services services) : services_(services) {}

void Router::addEntry(const std::string& operation, Touches touches, Run run) {
  const auto& contract = apiContract();
  const auto declared = contract.find(operation);
  requireDeclared(declared != contract.end(), "ecs-operations.json", operation);
  protocol::OperationDescriptor descriptor{
      operation, declared->second.action,
      declared->second.write ? protocol::Access::kWrite : protocol::Access::kRead,
      [arns = &services_.arns, touches = std::move(touches)](const protocol::Call& call) {
        return touches(*arns, call.input);
      },
      inputShapes().input(operation), std::string(callClassOf(operation))};
  requireDeclared(descriptor.input != nullptr, "ecs-input-shapes.json", operation);
  requireDeclared(!descriptor.callClass.empty(), "ecs-throttling.json", operation);
  entries_.insert_or_assign(operation, Entry{std::move(descriptor), std::move(run)});
}

Result<const protocol::OperationDescriptor*> Router::describe(std::string_view operation) const {
  const auto entry = entries_.find(operation);
  if (entry != entries_.end()) return &entry->second.descriptor;
  const auto& contract = apiContract();
  const auto known = contract.find(operation);
  if (known == contract.end()) {
    return errors::unknownOperation("Unknown operation " + std::string(operation));
  }
  std::string message = "ecsd does not implement " + std::string(operation) + " yet.";
  if (!known->second.note.empty()) message += " " + known->second.note;
  return errors::unsupportedFeature(message);
}

void Router::run(const protocol::Call& call, const protocol::CallContext& context,
                 Done done) const {
  const auto entry = entries_.find(call.operation);
  if (entry == entries_.end()) return done(describe(call.operation).error());
  // The reader lives as long as the handler may (until done).
  auto reader = std::make_shared<const protocol::RequestReader>(call.input);
  entry->second.run(services_, context, *reader,
                    [reader, done = std::move(done)](Result<protocol::Answer> answer) {
                      done(std::move(answer));
                    });
}

Result<protocol::Answer> Router::dispatch(const protocol::Call& call,
                                          const protocol::CallContext& context) const {
  std::promise<Result<protocol::Answer>> answered;
  run(call, context,
      [&](Result<protocol::Answer> answer) { answered.set_value(std::move(answer)); });
  return answered.get_future().get();
}

std::vector<std::string> Router::operations() const {
  std::vector<std::string> names;
  for (const auto& [name, entry] : entries_) names.push_back(name);
  return names;
}

Result<protocol::Answer> settle(const protocol::CallContext& context,
                                const std::function<protocol::Answer()>& answer) {
  try {
    return answer();
  } catch (const protocol::ApiError& e) {
    return e.error();
  } catch (const nlohmann::json::exception& e) {
    // Input members are type-checked before use, so this is a defect; still
    // answer as the client's serialization problem rather than crash.
    return errors::serialization(std::string("Could not read the request: ") + e.what());
  } catch (const std::exception& e) {
    // A bug, not the client's fault: answer 500 and keep serving.
    spdlog::error("msg=\"operation threw\" request_id={} error={}", context.requestId,
                  logging::quote(e.what()));
    return errors::server("Internal error");
  }
}

Router makeRouter(Services services) {
  Router router(services);
  addClusterOperations(router);
  addTaskDefinitionOperations(router);
  addTagOperations(router);
  addContainerInstanceOperations(router);
  addAttributeOperations(router);
  addTaskOperations(router);
  addTaskStateOperations(router);
  addServiceOperations(router);
  addTaskSetOperations(router);
  return router;
}

}  // namespace ecsd::operations
