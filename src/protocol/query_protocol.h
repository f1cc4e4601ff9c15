// The AWS Query protocol, as IAM and STS speak it: POST with a form-encoded
// body (Action=CreateUser&Version=2010-05-08&UserName=ci), answers in XML
// (<CreateUserResponse xmlns=...><CreateUserResult>...</CreateUserResult>
// <ResponseMetadata>...), errors as <ErrorResponse><Error><Type>Sender</Type>
// <Code>NoSuchEntity</Code>... with the error's HTTP status.
#pragma once

#include <string>
#include <string_view>

#include "protocol/api_endpoint.h"

namespace ecsd::protocol {

inline constexpr std::string_view kIamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/";
inline constexpr std::string_view kStsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";

// The call: Action names the operation; every other parameter but Version
// becomes a string member of the input, under its name as sent
// ("Tags.member.1.Key"). Errors: MissingAction (400) without Action,
// InvalidParameterValue (400) for a body that is not form-encoded.
Result<Call> parseQueryCall(const HttpRequest& request);

// The wire for a service whose documents live in xmlNamespace. A handler's
// answer is the text inside <XResult> (empty: no result element, as IAM
// answers DeleteUser). The signature errors of sigv4.h are renamed as the
// Query services name them (InvalidClientTokenId, SignatureDoesNotMatch, ...).
Wire queryWire(std::string xmlNamespace);

// Text made safe inside an XML element or attribute.
std::string xmlEscape(std::string_view text);

}  // namespace ecsd::protocol
