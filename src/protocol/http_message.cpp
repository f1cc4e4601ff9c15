#include "protocol/http_message.h"

#include <boost/algorithm/string/predicate.hpp>

namespace ecsd::protocol {

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (boost::algorithm::iequals(key, name)) return value;
  }
  return {};
}

}  // namespace ecsd::protocol
