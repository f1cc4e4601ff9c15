#include "operations/router.h"

#include "ecsd/errors.h"
#include "operations/api_contract.h"

namespace ecsd::operations {

Router::Router(Services services) : services_(services) {}

void Router::add(const std::string& operation, Handler handler) {
  handlers_[operation] = std::move(handler);
}

Result<protocol::Answer> Router::dispatch(const protocol::Call& call,
                                          const protocol::CallContext& context) const {
  const auto handler = handlers_.find(call.operation);
  if (handler == handlers_.end()) {
    const auto& contract = apiContract();
    const auto known = contract.find(call.operation);
    if (known == contract.end()) {
      return errors::unknownOperation("Unknown operation " + call.operation);
    }
    std::string message = "ecsd does not implement " + call.operation + " yet.";
    if (!known->second.note.empty()) message += " " + known->second.note;
    return errors::unsupportedFeature(message);
  }
  try {
    return handler->second(services_, context, protocol::RequestReader(call.input));
  } catch (const protocol::ApiError& e) {
    return e.error();
  } catch (const nlohmann::json::exception& e) {
    // Input members are type-checked before use, so this is a defect; still
    // answer as the client's serialization problem rather than crash.
    return errors::serialization(std::string("Could not read the request: ") + e.what());
  }
}

std::vector<std::string> Router::operations() const {
  std::vector<std::string> names;
  for (const auto& [name, handler] : handlers_) names.push_back(name);
  return names;
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
  return router;
}

}  // namespace ecsd::operations
