#include "protocol/sigv4.h"

#include <algorithm>
#include <array>
#include <boost/algorithm/string/predicate.hpp>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "crypto/crypto.h"
#include "ecsd/errors.h"
#include "protocol/percent_encoding.h"

namespace ecsd::protocol::sigv4 {
namespace {

using std::chrono::sys_seconds;

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

// The parts of "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
struct Authorization {
  std::string_view credential;
  std::string_view signedHeaders;
  std::string_view signature;
};

// Credential=<keyId>/<date>/<region>/<service>/<terminator>; text is all but the key id.
struct Scope {
  std::string_view keyId, date, region, service, terminator, text;
};

struct SignedRequest {
  Authorization auth;
  Scope scope;
  std::string_view amzDate;
  sys_seconds signedAt;
};

template <class... Parts>
std::string concat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The path as received is encoded again, per segment, after removing empty and
// dot segments: what botocore signs for every service but S3.
std::string canonicalUri(std::string_view path) {
  std::vector<std::string_view> kept;
  for (std::string_view segment : split(path, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment != "..") {
      kept.push_back(segment);
    } else if (!kept.empty()) {
      kept.pop_back();
    }
  }
  std::string out = path.starts_with('/') ? "/" : "";
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (i > 0) out += '/';
    out += percentEncode(kept[i]);
  }
  if (path.ends_with('/') && !kept.empty()) out += '/';
  return out.empty() ? "/" : out;
}

// Decoding first makes the result independent of how the client escaped the
// query; a '+' is a space, as AWS reads it (the ECS agent dials its session URL
// with Go's url.Values encoding, "+" for a space, and signs it with "%20").
std::string canonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  for (std::string_view part : split(query, '&')) {
    if (part.empty()) continue;
    std::size_t equals = part.find('=');
    std::string_view value = equals == std::string_view::npos ? "" : part.substr(equals + 1);
    params.emplace_back(percentEncode(queryDecode(part.substr(0, equals))),
                        percentEncode(queryDecode(value)));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    out += concat(out.empty() ? "" : "&", name, "=", value);
  }
  return out;
}

// Trims the value and collapses each inner run of whitespace to one space.
std::string trimAll(std::string_view value) {
  std::string out;
  bool pendingSpace = false;
  for (char c : value) {
    if (isSpace(c)) {
      pendingSpace = !out.empty();
      continue;
    }
    if (pendingSpace) out.push_back(' ');
    pendingSpace = false;
    out.push_back(c);
  }
  return out;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// One "name:value\n" line per signed header; repeated headers join with ','.
std::string canonicalHeaders(const HttpRequest& request, std::string_view signedHeaders) {
  std::string out;
  for (std::string_view name : split(signedHeaders, ';')) {
    out += concat(lowercase(name), ":");
    bool first = true;
    for (const auto& [key, value] : request.headers) {
      if (!boost::algorithm::iequals(key, name)) continue;
      out += concat(first ? "" : ",", trimAll(value));
      first = false;
    }
    out += '\n';
  }
  return out;
}

std::string formatAmzDate(sys_seconds time) {
  auto day = std::chrono::floor<std::chrono::days>(time);
  std::chrono::year_month_day date{day};
  std::chrono::hh_mm_ss clock{time - day};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return buffer;
}

// Digits at text[pos, pos + length) as a number, or -1 if any is not a digit.
int digits(std::string_view text, std::size_t pos, std::size_t length) {
  int value = 0;
  for (char c : text.substr(pos, length)) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

// X-Amz-Date's basic ISO 8601 form, YYYYMMDD'T'HHMMSS'Z'.
std::optional<sys_seconds> parseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  int fields[] = {digits(text, 0, 4), digits(text, 4, 2),  digits(text, 6, 2),
                  digits(text, 9, 2), digits(text, 11, 2), digits(text, 13, 2)};
  if (std::ranges::any_of(fields, [](int f) { return f < 0; })) return std::nullopt;
  auto [year, month, day, hour, minute, second] = fields;
  std::chrono::year_month_day date{std::chrono::year{year},
                                   std::chrono::month{static_cast<unsigned>(month)},
                                   std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  return std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
         std::chrono::seconds{second};
}

// SDKs differ in the spaces and commas between parameters; none occur inside a value.
std::vector<std::string_view> authorizationTokens(std::string_view header) {
  std::vector<std::string_view> tokens;
  for (std::size_t pos = 0; pos < header.size();) {
    std::size_t end = header.find_first_of(" \t,", pos);
    if (end == std::string_view::npos) end = header.size();
    if (end > pos) tokens.push_back(header.substr(pos, end - pos));
    pos = end + 1;
  }
  return tokens;
}

Result<Authorization> parseAuthorization(std::string_view header) {
  std::vector<std::string_view> tokens = authorizationTokens(header);
  if (tokens.empty() || tokens.front() != kAlgorithm) {
    return errors::incompleteSignature(concat("Authorization header requires '", kAlgorithm,
                                              "' as its algorithm. Authorization=", header));
  }
  Authorization auth;
  for (std::string_view token : tokens) {
    std::size_t equals = token.find('=');
    if (equals == std::string_view::npos) continue;
    std::string_view key = token.substr(0, equals), value = token.substr(equals + 1);
    if (key == "Credential") auth.credential = value;
    if (key == "SignedHeaders") auth.signedHeaders = value;
    if (key == "Signature") auth.signature = value;
  }
  std::string missing;
  for (auto [name, value] :
       {std::pair{"Credential", auth.credential}, std::pair{"Signature", auth.signature},
        std::pair{"SignedHeaders", auth.signedHeaders}}) {
    if (value.empty()) missing += concat("Authorization header requires '", name, "' parameter. ");
  }
  if (missing.empty()) return auth;
  return errors::incompleteSignature(concat(missing, "Authorization=", header));
}

Result<Scope> parseCredential(std::string_view credential) {
  std::vector<std::string_view> parts = split(credential, '/');
  if (parts.size() != 5) {
    return errors::incompleteSignature(
        concat("Credential must have exactly 5 slash-delimited elements, e.g. "
               "keyid/date/region/service/term, got '",
               credential, "'"));
  }
  return Scope{parts[0], parts[1], parts[2],
               parts[3], parts[4], credential.substr(parts[0].size() + 1)};
}

// Everything the request says about its signature, checked only for form.
Result<SignedRequest> parseSignedRequest(const HttpRequest& request) {
  std::string_view header = request.header("Authorization");
  if (header.empty()) return errors::missingAuthenticationToken();
  auto auth = parseAuthorization(header);
  if (!auth) return auth.error();
  std::string_view amzDate = request.header("X-Amz-Date");
  auto signedAt = parseAmzDate(amzDate);
  if (!signedAt) {
    return errors::incompleteSignature(
        "Authorization header requires existence of a valid 'X-Amz-Date' header "
        "(YYYYMMDD'T'HHMMSS'Z').");
  }
  auto scope = parseCredential(auth->credential);
  if (!scope) return scope.error();
  return SignedRequest{*auth, *scope, amzDate, *signedAt};
}

Status checkScope(const Scope& scope, std::string_view amzDate, const Policy& policy) {
  std::string_view day = amzDate.substr(0, 8);
  if (scope.date != day) {
    return errors::invalidSignature(
        concat("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
               "from HTTP: '",
               scope.date, "' != '", day, "', from '", amzDate, "'."));
  }
  if (scope.region != policy.region &&
      std::ranges::find(policy.alsoRegions, scope.region) == policy.alsoRegions.end()) {
    auto error = errors::invalidSignature(concat("Credential should be scoped to a valid region. ",
                                                 "This endpoint serves region '", policy.region,
                                                 "', not '", scope.region, "'."));
    error.detail = concat("signed_region=", scope.region, " served_region=", policy.region);
    return error;
  }
  if (scope.service != policy.service) {
    return errors::invalidSignature(
        concat("Credential should be scoped to correct service: '", policy.service, "'."));
  }
  if (scope.terminator != kTerminator) {
    return errors::invalidSignature(concat("Credential should be scoped with a valid terminator: '",
                                           kTerminator, "', not '", scope.terminator, "'."));
  }
  return {};
}

bool isSigned(std::string_view signedHeaders, std::string_view name) {
  const auto names = split(signedHeaders, ';');
  return std::any_of(names.begin(), names.end(),
                     [&](std::string_view signedName) {
                       return boost::algorithm::iequals(signedName, name);
                     });
}

Status checkSignedHeaders(const HttpRequest& request, std::string_view signedHeaders,
                          const Policy& policy) {
  if (!isSigned(signedHeaders, "host") && !isSigned(signedHeaders, ":authority")) {
    return errors::invalidSignature(
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  for (const auto& name : policy.mustSign) {
    if (!request.header(name).empty() && !isSigned(signedHeaders, name)) {
      return errors::invalidSignature(
          concat("'", name, "' must be a 'SignedHeader' in the AWS Authorization."));
    }
  }
  return {};
}

Status checkClockSkew(sys_seconds signedAt, sys_seconds now, std::chrono::seconds skew) {
  std::string minutes = std::to_string(skew.count() / 60);
  if (signedAt < now - skew) {
    return errors::invalidSignature(concat("Signature expired: ", formatAmzDate(signedAt),
                                           " is now earlier than ", formatAmzDate(now - skew), " (",
                                           formatAmzDate(now), " - ", minutes, " min.)"));
  }
  if (signedAt > now + skew) {
    return errors::invalidSignature(concat("Signature not yet current: ", formatAmzDate(signedAt),
                                           " is still later than ", formatAmzDate(now + skew), " (",
                                           formatAmzDate(now), " + ", minutes, " min.)"));
  }
  return {};
}

// The body's hash, or the client's declared one when it declares one that holds.
Result<std::string> payloadHash(const HttpRequest& request) {
  std::string actual = crypto::hex(crypto::sha256(request.body));
  std::string_view declared = request.header("X-Amz-Content-Sha256");
  if (declared.empty()) return actual;
  // Only S3 accepts UNSIGNED-PAYLOAD; here the body must always be signed,
  // or a signed request could carry any body.
  if (declared != actual) {
    return errors::invalidSignature(
        "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  return std::string(declared);
}

Status checkSignature(const HttpRequest& request, const SignedRequest& signedRequest,
                      const security::AccessKey& key) {
  auto payload = payloadHash(request);
  if (!payload) return payload.error();
  const Scope& scope = signedRequest.scope;
  std::string toSign =
      stringToSign(signedRequest.amzDate, scope.text,
                   canonicalRequest(request, signedRequest.auth.signedHeaders, *payload));
  std::string signingKeyBytes =
      signingKey(key.secretAccessKey, scope.date, scope.region, scope.service);
  std::string expected = crypto::hex(crypto::hmacSha256(signingKeyBytes, toSign));
  if (!crypto::constantTimeEquals(expected, signedRequest.auth.signature)) {
    return errors::invalidSignature(std::string(kMismatch));
  }
  return {};
}

// Sets the header, dropping any other of the same name (any case).
void replaceHeader(HttpRequest& request, std::string_view name, std::string value) {
  std::erase_if(request.headers,
                [&](const auto& header) { return boost::algorithm::iequals(header.first, name); });
  request.headers.emplace_back(std::string(name), std::move(value));
}

// Says in the log which check refused the request and for which key id, where
// AWS's message to the client may not (a wrong secret and a wrong canonical
// request both say only that the signatures differ).
Error refusal(Error error, std::string_view check, std::string_view keyId) {
  error.detail = concat("check=", check, " key_id=", keyId.empty() ? "-" : keyId,
                        error.detail.empty() ? "" : " ", error.detail);
  return error;
}

}  // namespace

std::string_view signingService(const HttpRequest& request) {
  auto signedRequest = parseSignedRequest(request);
  if (!signedRequest) return {};
  return signedRequest->scope.service;
}

Result<const security::AccessKey*> verify(const HttpRequest& request, const security::KeyRing& keys,
                                          const Policy& policy,
                                          std::chrono::system_clock::time_point now) {
  auto signedRequest = parseSignedRequest(request);
  if (!signedRequest) return refusal(signedRequest.error(), "format", "");
  const std::string_view keyId = signedRequest->scope.keyId;
  const auto second = std::chrono::floor<std::chrono::seconds>(now);
  if (auto s = checkScope(signedRequest->scope, signedRequest->amzDate, policy); !s) {
    return refusal(s.error(), "scope", keyId);
  }
  if (auto s = checkSignedHeaders(request, signedRequest->auth.signedHeaders, policy); !s) {
    return refusal(s.error(), "signed_headers", keyId);
  }
  if (auto s = checkClockSkew(signedRequest->signedAt, second, policy.maxClockSkew); !s) {
    return refusal(s.error(), "clock_skew", keyId);
  }
  const security::AccessKey* key = keys.find(keyId);
  if (key == nullptr) return refusal(errors::unrecognizedClient(), "unknown_key", keyId);
  if (auto signature = checkSignature(request, *signedRequest, *key); !signature) {
    return refusal(signature.error(), "signature", keyId);
  }
  return key;
}

std::string canonicalRequest(const HttpRequest& request, std::string_view signedHeaders,
                             std::string_view payloadHashHex) {
  std::string_view target = request.target;
  std::size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  std::string_view query = question == std::string_view::npos ? "" : target.substr(question + 1);
  return concat(request.method, "\n", canonicalUri(path), "\n", canonicalQuery(query), "\n",
                canonicalHeaders(request, signedHeaders), "\n", signedHeaders, "\n",
                payloadHashHex);
}

std::string stringToSign(std::string_view amzDate, std::string_view scope,
                         std::string_view canonicalRequest) {
  return concat(kAlgorithm, "\n", amzDate, "\n", scope, "\n",
                crypto::hex(crypto::sha256(canonicalRequest)));
}

std::string signingKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service) {
  // The key changes once a day per credential, and nearly every request on a
  // thread uses the same one: remembering the last saves four HMACs a call.
  thread_local std::array<std::string, 4> lastScope;
  thread_local std::string lastKey;
  const std::array<std::string_view, 4> scope{secret, date, region, service};
  if (std::ranges::equal(scope, lastScope) && !lastKey.empty()) return lastKey;
  std::string key = crypto::hmacSha256(concat("AWS4", secret), date);
  for (std::string_view part : {region, service, kTerminator}) key = crypto::hmacSha256(key, part);
  std::ranges::copy(scope, lastScope.begin());
  lastKey = key;
  return key;
}

void sign(HttpRequest& request, std::string_view accessKeyId, std::string_view secret,
          std::string_view sessionToken, std::string_view region, std::string_view service,
          std::chrono::system_clock::time_point now) {
  const std::string amzDate = formatAmzDate(std::chrono::floor<std::chrono::seconds>(now));
  std::erase_if(request.headers, [](const auto& header) {
    return boost::algorithm::iequals(header.first, "Authorization");
  });
  replaceHeader(request, "X-Amz-Date", amzDate);
  if (!sessionToken.empty()) {
    replaceHeader(request, "X-Amz-Security-Token", std::string(sessionToken));
  }
  // In the sorted order the Authorization header lists them in.
  std::string signedHeaders;
  for (std::string_view name :
       {"content-type", "host", "x-amz-date", "x-amz-security-token", "x-amz-target"}) {
    bool always = name == "host" || name == "x-amz-date";
    if (!always && request.header(name).empty()) continue;
    signedHeaders += concat(signedHeaders.empty() ? "" : ";", name);
  }
  const std::string scope =
      concat(std::string_view(amzDate).substr(0, 8), "/", region, "/", service, "/", kTerminator);
  const std::string toSign = stringToSign(
      amzDate, scope,
      canonicalRequest(request, signedHeaders, crypto::hex(crypto::sha256(request.body))));
  const std::string key =
      signingKey(secret, std::string_view(amzDate).substr(0, 8), region, service);
  request.headers.emplace_back(
      "Authorization",
      concat(kAlgorithm, " Credential=", accessKeyId, "/", scope, ", SignedHeaders=", signedHeaders,
             ", Signature=", crypto::hex(crypto::hmacSha256(key, toSign))));
}

}  // namespace ecsd::protocol::sigv4
