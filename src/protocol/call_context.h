// Who makes a call and how it reached ecsd: what the authorize and run
// stages know of a call besides its input.
#pragma once

#include <string>
#include <string_view>

#include "security/key_ring.h"

namespace ecsd::protocol {

struct CallContext {
  std::string requestId;
  const security::AccessKey& principal;
  std::string_view host = {};  // the (signed) Host header: the name the client reached ecsd by
  std::string_view remote = {};  // the peer's "address:port" (aws:SourceIp)
  bool secure = false;           // over TLS (aws:SecureTransport)
};

}  // namespace ecsd::protocol
