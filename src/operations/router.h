// Operation name -> handler. Handlers turn JSON input into domain calls and
// domain results into the JSON output ECS gives; they do no I/O of their own.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ecsd/clock.h"
#include "ecsd/domain/arn.h"
#include "ecsd/result.h"
#include "ecsd/state/state.h"
#include "operations/agents.h"
#include "protocol/api_endpoint.h"
#include "protocol/request_reader.h"

namespace ecsd::operations {

// What handlers work with.
struct Services {
  State& state;
  const ArnFactory& arns;
  const Clock& clock;
  Agents& agents;
};

// A handler may throw protocol::ApiError; the router turns it into a value.
using Handler = std::function<protocol::Answer(const Services&, const protocol::CallContext&,
                                               const protocol::RequestReader&)>;

class Router {
 public:
  explicit Router(Services services);

  void add(const std::string& operation, Handler handler);
  // UnknownOperationException for a name ECS does not have, and
  // UnsupportedFeatureException for an ECS operation ecsd does not implement yet.
  Result<protocol::Answer> dispatch(const protocol::Call& call,
                                    const protocol::CallContext& context) const;
  std::vector<std::string> operations() const;

 private:
  Services services_;
  std::map<std::string, Handler, std::less<>> handlers_;
};

// Each resource family registers its own operations.
void addClusterOperations(Router& router);
void addTaskDefinitionOperations(Router& router);
void addTagOperations(Router& router);
void addContainerInstanceOperations(Router& router);
void addAttributeOperations(Router& router);
void addTaskOperations(Router& router);
void addTaskStateOperations(Router& router);

// A router with every implemented operation.
Router makeRouter(Services services);

}  // namespace ecsd::operations
