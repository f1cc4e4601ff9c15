// One request end to end at the protocol level: verify the SigV4 signature,
// read the JSON 1.1 call, dispatch it, encode the answer, log one line.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "ecsd/clock.h"
#include "ecsd/result.h"
#include "protocol/http_message.h"
#include "protocol/json_protocol.h"
#include "protocol/sigv4.h"
#include "security/key_ring.h"

namespace ecsd::protocol {

struct CallContext {
  std::string requestId;
  const security::AccessKey& principal;
  std::string_view host = {};  // the (signed) Host header: the name the client reached ecsd by
};

using Dispatch = std::function<Result<Answer>(const Call&, const CallContext&)>;

class ApiEndpoint {
 public:
  ApiEndpoint(const security::KeyRing& keys, sigv4::Policy policy, const Clock& clock,
              Dispatch dispatch);

  // Never throws: every failure becomes an AWS error response.
  HttpResponse handle(const HttpRequest& request) const;

 private:
  Result<Answer> process(const HttpRequest& request, const std::string& requestId,
                         std::string& operation, std::string& principal) const;

  const security::KeyRing& keys_;
  sigv4::Policy policy_;
  const Clock& clock_;
  Dispatch dispatch_;
};

}  // namespace ecsd::protocol
