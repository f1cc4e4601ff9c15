#include "operations/client_token.h"

#include "crypto/crypto.h"

namespace ecsd::operations {

std::string parametersDigest(const protocol::RequestReader& in) {
  nlohmann::json parameters = in.raw();
  parameters.erase("clientToken");
  return crypto::hex(crypto::sha256(parameters.dump()));
}

}  // namespace ecsd::operations
