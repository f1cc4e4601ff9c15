// The STS call at ecsd's endpoint:
//   GetCallerIdentity
#include "identity/iam_xml.h"
#include "identity/identity_router.h"

namespace ecsd::identity {
namespace {

Later<std::string> getCallerIdentity(const Identity& id, const protocol::CallContext& context,
                                     const QueryInput&) {
  if (context.principal.root) {
    co_return element("UserId", id.accountId) + element("Account", id.accountId) +
        element("Arn", id.rootArn());
  }
  const auto user = id.state.read([&](const Data& data) -> std::optional<IamUser> {
    const auto* found = data.find<IamUser>(context.principal.principal);
    if (found == nullptr) return std::nullopt;
    return *found;
  });
  const std::string arn = user ? user->arn : id.arn("user", "/", context.principal.principal);
  co_return element("UserId", user ? user->id : "") + element("Account", id.accountId) +
      element("Arn", arn);
}

}  // namespace

void addStsOperations(IdentityRouter& router) {
  // AWS allows every caller GetCallerIdentity, whatever its policies say.
  router.add("GetCallerIdentity", protocol::Access::kRead,
             [](const Identity&, const QueryInput&) { return std::vector<std::string>{"*"}; },
             getCallerIdentity);
}

}  // namespace ecsd::identity
