#include "server/connection_cap.h"

#include <utility>

namespace ecsd::server {

ConnectionCap::ConnectionCap(std::size_t maxTotal, std::size_t maxPerAddress)
    : maxTotal_(maxTotal), maxPerAddress_(maxPerAddress) {}

ConnectionCap::Slot::Slot(ConnectionCap* cap, std::string address)
    : cap_(cap), address_(std::move(address)) {}

ConnectionCap::Slot::Slot(Slot&& other) noexcept
    : cap_(std::exchange(other.cap_, nullptr)), address_(std::move(other.address_)) {}

ConnectionCap::Slot::~Slot() {
  if (cap_ != nullptr) cap_->release(address_);
}

std::variant<ConnectionCap::Slot, ConnectionCap::Refused> ConnectionCap::admit(
    const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (total_ >= maxTotal_) return refuse("max_connections", maxTotal_, now);
  const auto found = perAddress_.find(address);
  if ((found == perAddress_.end() ? 0 : found->second) >= maxPerAddress_) {
    return refuse("max_connections_per_address", maxPerAddress_, now);
  }
  ++(found == perAddress_.end() ? perAddress_[address] : found->second);
  ++total_;
  return Slot(this, address);
}

ConnectionCap::Refused ConnectionCap::refuse(std::string_view cap, std::size_t limit,
                                             Clock::time_point now) {
  Refused refused{cap, limit};
  ++unreported_;
  if (!lastReport_ || now - *lastReport_ >= kReportInterval) {
    refused.report = true;
    refused.refusedSinceReport = std::exchange(unreported_, 0);
    lastReport_ = now;
  }
  return refused;
}

void ConnectionCap::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  --total_;
  const auto found = perAddress_.find(address);
  if (--found->second == 0) perAddress_.erase(found);
}

std::size_t ConnectionCap::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::size_t ConnectionCap::from(const std::string& address) const {
  std::lock_guard lock(mutex_);
  const auto found = perAddress_.find(address);
  return found == perAddress_.end() ? 0 : found->second;
}

}  // namespace ecsd::server
