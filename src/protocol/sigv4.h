// AWS Signature Version 4 (AWS4-HMAC-SHA256): verification of a request's
// Authorization header, as an AWS service performs it, and signing, as an AWS
// SDK does it.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "ecsd/result.h"
#include "protocol/http_message.h"
#include "security/key_ring.h"

namespace ecsd::protocol::sigv4 {

struct Policy {
  std::string region;                       // the region ecsd serves, e.g. "us-east-1"
  std::string service = "ecs";              // signing name
  std::chrono::seconds maxClockSkew{15 * 60};  // AWS's window, either direction
  // Headers (lowercase) a request that carries them must sign, besides Host:
  // the ECS route names X-Amz-Target, or a captured request could be replayed
  // as another operation with the same body.
  std::vector<std::string> mustSign = {};
  // Other regions a credential may be scoped to (STS: us-east-1 as well as
  // the region served).
  std::vector<std::string> alsoRegions = {};
};

// The service a request's credential scope names ("ecs", "iam", "sts"), or
// empty when it has no well-formed Authorization header; checks nothing.
std::string_view signingService(const HttpRequest& request);

// Verifies the request and returns the key it was signed with.
// Errors, as AWS gives them (all HTTP 403):
//   no Authorization header                  -> MissingAuthenticationTokenException
//   malformed header / missing X-Amz-Date    -> IncompleteSignatureException
//   unknown access key id                    -> UnrecognizedClientException
//   wrong scope (region, service, terminator)-> InvalidSignatureException
//   Host, or a present mustSign header, unsigned -> InvalidSignatureException
//   date outside the skew window             -> InvalidSignatureException ("Signature expired: ...")
//   signature mismatch                       -> InvalidSignatureException
// The signature comparison is constant-time.
Result<const security::AccessKey*> verify(const HttpRequest& request,
                                          const security::KeyRing& keys, const Policy& policy,
                                          std::chrono::system_clock::time_point now);

// Signs the request as the AWS SDKs sign JSON-protocol calls: sets X-Amz-Date
// (now, UTC), X-Amz-Security-Token when sessionToken is not empty, and
// Authorization, signing host, x-amz-date and, when present, content-type,
// x-amz-security-token and x-amz-target over the body's SHA-256. Replaces
// those headers if the request already has them (so a request can be signed
// again). Headers added afterwards are not signed.
// REQUIRES: the request has its Host header, as it will be sent ("host:port").
void sign(HttpRequest& request, std::string_view accessKeyId, std::string_view secret,
          std::string_view sessionToken, std::string_view region, std::string_view service,
          std::chrono::system_clock::time_point now);

// Building blocks, exposed for tests against AWS's published examples.
// signedHeaders: lowercase names joined by ';' as in the Authorization header.
std::string canonicalRequest(const HttpRequest& request, std::string_view signedHeaders,
                             std::string_view payloadHashHex);
std::string stringToSign(std::string_view amzDate, std::string_view scope,
                         std::string_view canonicalRequest);
// Raw signing key: HMAC chain over date (YYYYMMDD), region, service, "aws4_request".
std::string signingKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service);

}  // namespace ecsd::protocol::sigv4
