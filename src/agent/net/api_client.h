// ECS API calls as the AWS SDKs make them: AWS JSON 1.1 over HTTPS keep-alive,
// SigV4-signed.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/net/backend.h"
#include "ecsd/result.h"

namespace ecsd::agent {

// One call: the operation ("RegisterContainerInstance") and its request body.
class ApiTransport {
 public:
  virtual ~ApiTransport() = default;
  // The response body. Errors: an AWS error answer as Error{__type without
  // any "prefix#", message, HTTP status}; no answer at all as
  // transport_errors::kUnreachable with httpStatus 0.
  virtual Result<nlohmann::json> call(const std::string& operation,
                                      const nlohmann::json& request) = 0;
};

// REQUIRES: endpoint is "https://host:port" or "http://host:port" (no path).
// Thread-safe; keeps its connection open between calls.
std::unique_ptr<ApiTransport> makeApiClient(std::string endpoint, SigningCredentials credentials,
                                            TlsOptions tls, std::chrono::seconds timeout);

}  // namespace ecsd::agent
