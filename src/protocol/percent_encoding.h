// RFC 3986 percent-encoding, as SigV4 canonicalizes URIs and as query values
// and path parts are sent, and the decoding of query strings.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace ecsd::protocol {

// Encodes every byte but the unreserved set (A-Z a-z 0-9 - . _ ~) and the
// characters in `keep` as %XX (upper-case hex).
std::string percentEncode(std::string_view text, std::string_view keep = "");

// Decodes one name or value of a URL query: %XX escapes, and '+' as a space
// (form encoding, as Go's url.Values writes it and as AWS reads it). A
// malformed escape stays literal rather than failing.
std::string queryDecode(std::string_view text);

// The query parameters of a request target ("/ws?a=1&b=2"), decoded; the
// first of repeated names wins.
std::map<std::string, std::string, std::less<>> queryParameters(std::string_view target);

}  // namespace ecsd::protocol
