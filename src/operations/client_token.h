// Calls that take a clientToken (RunTask, CreateService) answer a retry with
// what the first call did, if the retry asks the same.
#pragma once

#include <string>

#include "protocol/request_reader.h"

namespace ecsd::operations {

// A digest of the call's parameters, all but its clientToken: a retry must
// repeat them.
std::string parametersDigest(const protocol::RequestReader& in);

}  // namespace ecsd::operations
