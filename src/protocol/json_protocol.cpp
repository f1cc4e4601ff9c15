#include "protocol/json_protocol.h"

#include <utility>

#include "ecsd/errors.h"

namespace ecsd::protocol {

namespace {

HttpResponse jsonResponse(int status, std::string body, std::string_view requestId) {
  return HttpResponse{status,
                      {{"x-amzn-RequestId", std::string(requestId)},
                       {"Content-Type", "application/x-amz-json-1.1"}},
                      std::move(body)};
}

}  // namespace

Result<Call> parseCall(const HttpRequest& request) {
  const std::string_view target = request.header("X-Amz-Target");
  if (request.method != "POST" || !target.starts_with(kTargetPrefix)) {
    return errors::unknownOperation(target.empty()
                                        ? "Missing X-Amz-Target: POST / with the operation in the "
                                          "X-Amz-Target header."
                                        : "Unknown target: " + std::string(target));
  }
  const std::string_view contentType = request.header("Content-Type");
  if (!contentType.empty() && contentType.find("json") == std::string_view::npos) {
    return errors::serialization("Unsupported Content-Type: " + std::string(contentType) +
                                 "; expected application/x-amz-json-1.1");
  }
  Call call{std::string(target.substr(kTargetPrefix.size())), nlohmann::json::object()};
  if (request.body.empty()) return call;
  // Copying or printing a value recurses, so depth is bounded while parsing,
  // before anything else touches the value.
  bool tooDeep = false;
  const nlohmann::json::parser_callback_t limitDepth = [&](int depth, nlohmann::json::parse_event_t,
                                                           nlohmann::json&) {
    if (depth > kMaxJsonDepth) tooDeep = true;
    return !tooDeep;
  };
  call.input = nlohmann::json::parse(request.body, limitDepth, /*allow_exceptions=*/false);
  if (tooDeep) {
    return errors::serialization("The request body nests deeper than " +
                                 std::to_string(kMaxJsonDepth) + " levels.");
  }
  if (call.input.is_discarded()) {
    return errors::serialization("The request body is not valid JSON.");
  }
  if (!call.input.is_object()) {
    return errors::serialization("The request body must be a JSON object.");
  }
  return call;
}

Answer Answer::text(std::string text) {
  Answer answer;
  answer.text_ = std::move(text);
  return answer;
}

std::string Answer::dump() const& {
  return text_ ? *text_ : document_.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Answer::dump() && { return text_ ? std::move(*text_) : std::as_const(*this).dump(); }

nlohmann::json Answer::document() const {
  return text_ ? nlohmann::json::parse(*text_) : document_;
}

HttpResponse successResponse(Answer output, std::string_view requestId) {
  return jsonResponse(200, std::move(output).dump(), requestId);
}

HttpResponse errorResponse(const Error& error, std::string_view requestId) {
  const nlohmann::json body = {{"__type", error.type}, {"message", error.message}};
  return jsonResponse(error.httpStatus,
                      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                      requestId);
}

}  // namespace ecsd::protocol
