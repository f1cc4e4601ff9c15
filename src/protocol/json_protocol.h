// AWS JSON 1.1, as the AWS CLI and SDKs speak it to ECS: POST /, the
// operation in X-Amz-Target, a JSON object as the body; errors as
// {"__type", "message"} with the error's HTTP status. This is the one place
// that encodes errors.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "ecsd/result.h"
#include "protocol/http_message.h"

namespace ecsd::protocol {

inline constexpr std::string_view kTargetPrefix = "AmazonEC2ContainerServiceV20141113.";
// Deeper than any ECS shape nests; a bound so hostile input cannot exhaust the stack.
inline constexpr int kMaxJsonDepth = 32;

struct Call {
  std::string operation;  // "CreateCluster"
  nlohmann::json input;   // always an object
};

// Errors: UnknownOperationException for a missing or foreign target,
// SerializationException for a body that is not a JSON object.
Result<Call> parseCall(const HttpRequest& request);

// What an operation answers: a JSON document, or, for the large answers, its
// text already written (JsonWriter), which skips building the document.
class Answer {
 public:
  Answer(nlohmann::json document) : document_(std::move(document)) {}  // NOLINT: implicit by design
  static Answer text(std::string text);

  std::string dump() const&;  // the text to send
  std::string dump() &&;
  // The document; parsed from the text when written directly (for tests).
  nlohmann::json document() const;

 private:
  Answer() = default;
  nlohmann::json document_;
  std::optional<std::string> text_;
};

HttpResponse successResponse(Answer output, std::string_view requestId);
HttpResponse errorResponse(const Error& error, std::string_view requestId);

}  // namespace ecsd::protocol
