#include "ecsd/iam/ip_range.h"

#include <arpa/inet.h>

#include <charconv>

namespace ecsd::iam {
std::optional<IpRange> parseIpAddress(std::string_view text) {
  // inet_pton wants it NUL-terminated; no address is longer than this.
  char address[INET6_ADDRSTRLEN + 1];
  if (text.size() >= sizeof address) return std::nullopt;
  text.copy(address, text.size());
  address[text.size()] = '\0';
  IpRange range;
  if (inet_pton(AF_INET, address, range.address.data()) == 1) {
    range.prefixLength = 32;
    return range;
  }
  if (inet_pton(AF_INET6, address, range.address.data()) == 1) {
    range.v6 = true;
    range.prefixLength = 128;
    return range;
  }
  return std::nullopt;
}

std::optional<IpRange> parseIpRange(std::string_view cidr) {
  const auto slash = cidr.find('/');
  std::optional<IpRange> range = parseIpAddress(cidr.substr(0, slash));
  if (!range || slash == std::string_view::npos) return range;
  const std::string_view prefix = cidr.substr(slash + 1);
  int length = -1;
  const auto [end, error] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), length);
  if (error != std::errc() || end != prefix.data() + prefix.size() || length < 0 ||
      length > range->prefixLength) {
    return std::nullopt;
  }
  range->prefixLength = length;
  return range;
}

bool contains(const IpRange& range, const IpRange& ip) {
  if (ip.v6 != range.v6) return false;
  const int whole = range.prefixLength / 8;
  for (int i = 0; i < whole; ++i) {
    if (ip.address[i] != range.address[i]) return false;
  }
  const int rest = range.prefixLength % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (ip.address[whole] & mask) == (range.address[whole] & mask);
}

}  // namespace ecsd::iam
