// The error types ecsd answers with, named as Amazon ECS and AWS name them.
// The HTTP status of each lives here and nowhere else (see api/errors.md).
#pragma once

#include <string>

#include "ecsd/result.h"

namespace ecsd::errors {

inline Error make(std::string type, std::string message, int status = 400) {
  return Error{std::move(type), std::move(message), status};
}

// ECS service errors.
inline Error client(std::string m) { return make("ClientException", std::move(m)); }
inline Error server(std::string m) { return make("ServerException", std::move(m), 500); }
inline Error invalidParameter(std::string m) {
  return make("InvalidParameterException", std::move(m));
}
inline Error serviceNotFound() { return make("ServiceNotFoundException", "Service not found."); }
inline Error serviceNotActive() {
  return make("ServiceNotActiveException", "Service was not ACTIVE.");
}
inline Error clusterNotFound(std::string m = "Cluster not found.") {
  return make("ClusterNotFoundException", std::move(m));
}
inline Error resourceNotFound(std::string m = "The specified resource could not be found.") {
  return make("ResourceNotFoundException", std::move(m));
}
inline Error unsupportedFeature(std::string m) {
  return make("UnsupportedFeatureException", std::move(m));
}
inline Error limitExceeded(std::string m) { return make("LimitExceededException", std::move(m)); }

// AWS protocol errors (any AWS JSON service answers these).
inline Error serialization(std::string m) { return make("SerializationException", std::move(m)); }
inline Error unknownOperation(std::string m) {
  return make("UnknownOperationException", std::move(m));
}
inline Error missingAuthenticationToken(std::string m = "Missing Authentication Token") {
  return make("MissingAuthenticationTokenException", std::move(m), 403);
}
inline Error unrecognizedClient(
    std::string m = "The security token included in the request is invalid.") {
  return make("UnrecognizedClientException", std::move(m), 403);
}
inline Error invalidSignature(std::string m) {
  return make("InvalidSignatureException", std::move(m), 403);
}
inline Error incompleteSignature(std::string m) {
  return make("IncompleteSignatureException", std::move(m), 403);
}
inline Error requestTooLarge(std::string m) {
  return make("RequestEntityTooLargeException", std::move(m), 413);
}

}  // namespace ecsd::errors
