// RFC 3986 percent-encoding, as SigV4 canonicalizes URIs and as query values
// and path parts are sent.
#pragma once

#include <string>
#include <string_view>

namespace ecsd::protocol {

// Encodes every byte but the unreserved set (A-Z a-z 0-9 - . _ ~) and the
// characters in `keep` as %XX (upper-case hex).
std::string percentEncode(std::string_view text, std::string_view keep = "");

// Decodes %XX escapes; a malformed escape stays literal rather than failing.
std::string percentDecode(std::string_view text);

}  // namespace ecsd::protocol
