// Operation name -> descriptor and handler: the run stage of the request
// pipeline (protocol/api_endpoint.h). Handlers turn JSON input into domain
// calls and domain results into the JSON output ECS gives; they do no I/O of
// their own. A handler that writes awaits its commit (State::committed) as a
// Later, so no thread waits for the disk.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ecsd/clock.h"
#include "ecsd/domain/arn.h"
#include "ecsd/later.h"
#include "ecsd/result.h"
#include "ecsd/state/state.h"
#include "operations/agents.h"
#include "operations/touches.h"
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

class Router final : public protocol::Operations {
 public:
  explicit Router(Services services);

  // Declares an operation: the resources a call of it touches, and its
  // handler, (Services, CallContext, RequestReader) -> json or Answer (the
  // answer at once) or Later<json> / Later<Answer> (the answer once its writes
  // have committed). A handler may throw protocol::ApiError. The operation's
  // IAM action and access come from api/ecs-operations.json.
  template <class F>
  void add(const std::string& operation, Touches touches, F handler);

  // UnknownOperationException for a name ECS does not have, and
  // UnsupportedFeatureException for an ECS operation ecsd does not implement yet.
  Result<const protocol::OperationDescriptor*> describe(std::string_view operation) const override;
  void run(const protocol::Call& call, const protocol::CallContext& context,
           Done done) const override;
  // describe, then run, waiting for the answer (for tests and tools; not on
  // the writer thread).
  Result<protocol::Answer> dispatch(const protocol::Call& call,
                                    const protocol::CallContext& context) const;
  std::vector<std::string> operations() const;

 private:
  using Run = std::function<void(const Services&, const protocol::CallContext&,
                                 const protocol::RequestReader&, Done)>;
  struct Entry {
    protocol::OperationDescriptor descriptor;
    Run run;
  };
  void addEntry(const std::string& operation, Touches touches, Run run);

  Services services_;
  std::map<std::string, Entry, std::less<>> entries_;
};

// The handler's answer, or the error it threw (ApiError), as a value.
Result<protocol::Answer> settle(const protocol::CallContext& context,
                                const std::function<protocol::Answer()>& answer);

template <class>
inline constexpr bool kIsLater = false;
template <class T>
inline constexpr bool kIsLater<Later<T>> = true;

template <class F>
void Router::add(const std::string& operation, Touches touches, F handler) {
  using Returned = std::invoke_result_t<F&, const Services&, const protocol::CallContext&,
                                        const protocol::RequestReader&>;
  Run run;
  if constexpr (kIsLater<Returned>) {
    run = [handler](const Services& s, const protocol::CallContext& context,
                    const protocol::RequestReader& in, Done done) {
      // A handler that is no coroutine itself may throw before it hands one over.
      std::optional<Returned> later;
      auto refused = settle(context, [&] {
        later.emplace(handler(s, context, in));
        return protocol::Answer(nlohmann::json::object());
      });
      if (!later) return done(std::move(refused));
      std::move(*later).start([&context, done = std::move(done)](auto outcome) {
        done(settle(context, [&] { return protocol::Answer(std::move(outcome).get()); }));
      });
    };
  } else {
    run = [handler](const Services& s, const protocol::CallContext& context,
                    const protocol::RequestReader& in, Done done) {
      done(settle(context, [&] { return protocol::Answer(handler(s, context, in)); }));
    };
  }
  addEntry(operation, std::move(touches), std::move(run));
}

// Each resource family registers its own operations.
void addClusterOperations(Router& router);
void addTaskDefinitionOperations(Router& router);
void addTagOperations(Router& router);
void addContainerInstanceOperations(Router& router);
void addAttributeOperations(Router& router);
void addTaskOperations(Router& router);
void addTaskStateOperations(Router& router);
void addServiceOperations(Router& router);
void addTaskSetOperations(Router& router);

// A router with every implemented operation.
Router makeRouter(Services services);

}  // namespace ecsd::operations
