// How many connections the server holds, in all and from each source address,
// against its caps (Limits::maxConnections, maxConnectionsPerAddress). The
// listener asks for a slot as it accepts a connection; a connection that gets
// none is closed at once, before it costs a session, so a flood of them
// leaves the established clients served. Thread-safe; plain C++ (addresses
// are text) so that it is tested without sockets.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

namespace ecsd::server {

class ConnectionCap {
 public:
  using Clock = std::chrono::steady_clock;
  // A refusal is reported at most this often; the ones between are counted.
  static constexpr auto kReportInterval = std::chrono::seconds(10);

  ConnectionCap(std::size_t maxTotal, std::size_t maxPerAddress);
  ConnectionCap(const ConnectionCap&) = delete;
  ConnectionCap& operator=(const ConnectionCap&) = delete;

  // One connection's place, given back when destroyed. Move-only.
  // REQUIRES: the cap outlives its slots.
  class Slot {
   public:
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    ~Slot();

   private:
    friend class ConnectionCap;
    Slot(ConnectionCap* cap, std::string address);
    ConnectionCap* cap_;
    std::string address_;
  };

  // Why a connection was refused, and whether the log should say so now:
  // the first refusal and then one each kReportInterval, with how many
  // there were since the last report (this one included).
  struct Refused {
    std::string_view cap;  // "max_connections" or "max_connections_per_address"
    std::size_t limit = 0;
    bool report = false;
    std::size_t refusedSinceReport = 0;
  };

  // A slot for a connection from `address` (an IP address as text), or why
  // there is none.
  std::variant<Slot, Refused> admit(const std::string& address, Clock::time_point now);

  std::size_t total() const;
  std::size_t from(const std::string& address) const;

 private:
  void release(const std::string& address);
  Refused refuse(std::string_view cap, std::size_t limit, Clock::time_point now);

  const std::size_t maxTotal_;
  const std::size_t maxPerAddress_;
  mutable std::mutex mutex_;
  std::size_t total_ = 0;
  std::unordered_map<std::string, std::size_t> perAddress_;
  std::size_t unreported_ = 0;
  std::optional<Clock::time_point> lastReport_;
};

}  // namespace ecsd::server
