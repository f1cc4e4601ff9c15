#include "protocol/query_protocol.h"

#include <map>

#include "ecsd/errors.h"
#include "protocol/percent_encoding.h"

namespace ecsd::protocol {
namespace {

// What the Query services call the errors sigv4.h names as ECS does.
std::string queryCode(const std::string& type) {
  static const std::map<std::string, std::string, std::less<>> renamed = {
      {"MissingAuthenticationTokenException", "MissingAuthenticationToken"},
      {"IncompleteSignatureException", "IncompleteSignature"},
      {"UnrecognizedClientException", "InvalidClientTokenId"},
      {"InvalidSignatureException", "SignatureDoesNotMatch"},
      {"AccessDeniedException", "AccessDenied"},
      {"ThrottlingException", "Throttling"},
      {"ServerException", "ServiceFailure"},
      {"SerializationException", "MalformedInput"},
  };
  const auto it = renamed.find(type);
  return it == renamed.end() ? type : it->second;
}

HttpResponse xmlResponse(int status, std::string body, std::string_view requestId) {
  return {status,
          {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", std::string(requestId)}},
          std::move(body)};
}

}  // namespace

std::string xmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

Result<Call> parseQueryCall(const HttpRequest& request) {
  std::string_view contentType = request.header("Content-Type");
  if (request.method != "POST" ||
      !contentType.starts_with("application/x-www-form-urlencoded")) {
    return errors::make("InvalidParameterValue",
                        "Requests must be POSTed as application/x-www-form-urlencoded.");
  }
  Call call{"", nlohmann::json::object()};
  std::string_view body = request.body;
  while (!body.empty()) {
    const std::size_t end = body.find('&');
    const std::string_view pair = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view{} : body.substr(end + 1);
    if (pair.empty()) continue;
    const std::size_t equals = pair.find('=');
    std::string name = queryDecode(pair.substr(0, equals));
    std::string value =
        equals == std::string_view::npos ? "" : queryDecode(pair.substr(equals + 1));
    if (name == "Action") {
      call.operation = std::move(value);
    } else if (name != "Version") {
      call.input[name] = std::move(value);
    }
  }
  if (call.operation.empty()) {
    return errors::make("MissingAction", "Could not find operation: no Action parameter.");
  }
  return call;
}

Wire queryWire(std::string xmlNamespace) {
  Wire wire;
  wire.parse = parseQueryCall;
  wire.success = [xmlNamespace](const std::string& operation, Answer output,
                                std::string_view requestId) {
    std::string inner = std::move(output).dump();
    std::string body = "<" + operation + "Response xmlns=\"" + xmlNamespace + "\">";
    if (!inner.empty()) {
      body += "<" + operation + "Result>" + inner + "</" + operation + "Result>";
    }
    body += "<ResponseMetadata><RequestId>" + std::string(requestId) +
            "</RequestId></ResponseMetadata></" + operation + "Response>";
    return xmlResponse(200, std::move(body), requestId);
  };
  wire.failure = [xmlNamespace](const Error& error, std::string_view requestId) {
    const std::string body = "<ErrorResponse xmlns=\"" + xmlNamespace + "\"><Error><Type>" +
                             (error.httpStatus >= 500 ? "Receiver" : "Sender") + "</Type><Code>" +
                             xmlEscape(queryCode(error.type)) + "</Code><Message>" +
                             xmlEscape(error.message) + "</Message></Error><RequestId>" +
                             std::string(requestId) + "</RequestId></ErrorResponse>";
    return xmlResponse(error.httpStatus, body, requestId);
  };
  return wire;
}

}  // namespace ecsd::protocol
