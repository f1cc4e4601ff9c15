// New identifiers and secrets shaped as AWS makes them: access key ids
// ("AKIA" + 16 of A-Z2-7), IAM unique ids ("AIDA" for users, "AGPA" for
// groups, "ANPA" for policies, + 17), 40-character secret access keys.
#pragma once

#include <string>
#include <string_view>

namespace ecsd::security {

std::string newAccessKeyId();
std::string newUniqueId(std::string_view prefix);
std::string newSecretAccessKey();

}  // namespace ecsd::security
