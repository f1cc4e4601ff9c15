// How the agent reaches ecsd: the endpoint, the key it signs with, and the
// TLS settings; shared by the API client and the WebSocket client.
#pragma once

#include <string>

namespace ecsd::agent {

struct SigningCredentials {
  std::string accessKeyId;
  std::string secretAccessKey;
  std::string sessionToken;  // sent as X-Amz-Security-Token when not empty
  std::string region = "us-east-1";
  std::string service = "ecs";
};

struct TlsOptions {
  std::string caFile;   // PEM bundle to verify ecsd with; empty: the system's
  bool verify = true;   // false: accept any certificate (tests, never production)
};

// Error types the clients answer with when there is no AWS error to pass on.
namespace transport_errors {
// Could not connect, TLS failed, the connection broke, or a timeout passed.
inline constexpr const char* kUnreachable = "EndpointUnreachable";
// The WebSocket is closed (by either side); the message says how.
inline constexpr const char* kClosed = "ConnectionClosed";
// The TLS handshake failed because ecsd's certificate did not verify: not
// signed by a CA in TlsOptions::caFile (or the system's), or not naming the
// host. Like kUnreachable, httpStatus 0 (worth retrying).
inline constexpr const char* kCertificateRejected = "CertificateRejected";
}  // namespace transport_errors

}  // namespace ecsd::agent
