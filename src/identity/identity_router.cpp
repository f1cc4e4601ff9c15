#include "identity/identity_router.h"

#include <memory>

#include "ecsd/errors.h"
#include "operations/router.h"

namespace ecsd::identity {

IdentityRouter::IdentityRouter(const Identity& identity, std::string service)
    : identity_(identity), service_(std::move(service)) {}

void IdentityRouter::add(const std::string& operation, protocol::Access access,
                         Resources resources, Handler handler) {
  protocol::OperationDescriptor descriptor{
      operation, service_ + ":" + operation, access,
      [identity = &identity_, resources = std::move(resources)](const protocol::Call& call) {
        try {
          return resources(*identity, QueryInput(call.input));
        } catch (const protocol::ApiError&) {
          return std::vector<std::string>{};  // the handler answers the mistake
        }
      }};
  entries_.insert_or_assign(operation, Entry{std::move(descriptor), std::move(handler)});
}

Result<const protocol::OperationDescriptor*> IdentityRouter::describe(
    std::string_view operation) const {
  const auto entry = entries_.find(operation);
  if (entry != entries_.end()) return &entry->second.descriptor;
  return errors::make("InvalidAction", "The action " + std::string(operation) +
                                           " is not valid for this web service.");
}

void IdentityRouter::run(const protocol::Call& call, const protocol::CallContext& context,
                         Done done) const {
  const auto entry = entries_.find(call.operation);
  if (entry == entries_.end()) return done(describe(call.operation).error());
  // The input lives as long as the handler may (until done).
  auto input = std::make_shared<const QueryInput>(call.input);
  std::optional<Later<std::string>> later;
  auto refused = operations::settle(context, [&] {
    later.emplace(entry->second.handler(identity_, context, *input));
    return protocol::Answer(nlohmann::json::object());
  });
  if (!later) return done(std::move(refused));
  std::move(*later).start([&context, input, done = std::move(done)](auto outcome) {
    done(operations::settle(context,
                            [&] { return protocol::Answer::text(std::move(outcome).get()); }));
  });
}

}  // namespace ecsd::identity
