// The address ranges of the IpAddress and NotIpAddress condition operators.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ecsd::iam {

struct IpRange {
  std::array<std::uint8_t, 16> address{};  // IPv4 uses the first 4 bytes
  bool v6 = false;
  int prefixLength = 0;
};

// CIDR as IAM takes it: "203.0.113.0/24", "2001:DB8:1234:5678::/64"; an
// address alone is a /32 (IPv4) or /128 (IPv6). nullopt otherwise.
std::optional<IpRange> parseIpRange(std::string_view cidr);

// An address alone (as aws:SourceIp gives one), as a /32 or /128.
std::optional<IpRange> parseIpAddress(std::string_view address);

// Whether address (parseIpAddress) is in range; false for an address of the
// other family.
bool contains(const IpRange& range, const IpRange& address);

}  // namespace ecsd::iam
