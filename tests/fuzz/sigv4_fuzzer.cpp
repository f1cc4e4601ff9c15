// SigV4 verification of an arbitrary request: the input is a header block
// ("Name: value" lines), a blank line, then the body. Unsigned, malformed or
// wrongly signed requests must be refused with an AWS error, never a crash.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/sigv4.h"
#include "security/key_ring.h"

namespace {

// The ring is neither copied nor moved (it holds a mutex): filled in place once.
const ecsd::security::KeyRing& adminOnly() {
  static ecsd::security::KeyRing ring;
  static const bool filled = [] {
    ring.add({"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "admin"});
    return true;
  }();
  (void)filled;
  return ring;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ecsd::security::KeyRing& keys = adminOnly();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ecsd::protocol::HttpRequest request;
  request.method = "POST";
  const std::size_t split = text.find("\n\n");
  std::string_view head = text.substr(0, split);
  if (split != std::string_view::npos) request.body = std::string(text.substr(split + 2));
  // The first line is the target, the others headers.
  const std::size_t firstLine = head.find('\n');
  request.target = std::string(head.substr(0, firstLine));
  head = firstLine == std::string_view::npos ? std::string_view() : head.substr(firstLine + 1);
  while (!head.empty()) {
    const std::size_t end = head.find('\n');
    const std::string_view line = head.substr(0, end);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      request.headers.emplace_back(std::string(line.substr(0, colon)),
                                   std::string(line.substr(colon + 1)));
    }
    head = end == std::string_view::npos ? std::string_view() : head.substr(end + 1);
  }
  const auto now = std::chrono::sys_days{std::chrono::year{2015} / 8 / 30} + std::chrono::hours(12);
  (void)ecsd::protocol::sigv4::verify(request, keys, {"us-east-1"}, now);
  return 0;
}
