// How a refused agent session (an upgrade not answered 101) says why: in a
// body Amazon's agent decodes, {"type":"InactiveInstanceException",
// "message":{"message":"..."}}. It reads at most 1 KiB of it, and only a
// modelled error type tells it what to do (InactiveInstanceException: wait an
// hour instead of reconnecting within the second).
#pragma once

#include <string_view>

#include "protocol/http_message.h"

namespace ecsd::dispatch {

protocol::HttpResponse sessionRefusal(int httpStatus, std::string_view type,
                                      std::string_view message);

}  // namespace ecsd::dispatch
