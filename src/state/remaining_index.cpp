#include "ecsd/state/remaining_index.h"

#include <bit>

namespace ecsd {

std::size_t RemainingIndex::bandOf(std::int64_t other) {
  return other <= 0 ? 0
                    : static_cast<std::size_t>(std::bit_width(static_cast<std::uint64_t>(other)));
}

void RemainingIndex::insert(Entry entry) {
  if (bands_[bandOf(entry.other)].insert(std::move(entry)).second) ++size_;
}

void RemainingIndex::erase(const Entry& entry) {
  size_ -= bands_[bandOf(entry.other)].erase(entry);
}

RemainingIndex::Cursor RemainingIndex::from(std::int64_t needed, std::int64_t otherNeeded) const {
  Cursor cursor;
  cursor.otherNeeded_ = otherNeeded;
  // Bands below otherNeeded's hold only instances that cannot take it.
  for (std::size_t b = bandOf(otherNeeded); b < kBands; ++b) {
    const Band& band = bands_[b];
    if (band.empty()) continue;
    auto at = band.lower_bound(Entry{needed, 0, std::string()});
    if (at != band.end()) cursor.heads_.emplace_back(at, band.end());
  }
  cursor.settle();
  return cursor;
}

void RemainingIndex::Cursor::pop() {
  ++heads_[least_].first;
  settle();
}

void RemainingIndex::Cursor::settle() {
  least_ = heads_.size();
  for (std::size_t h = 0; h < heads_.size(); ++h) {
    auto& [at, end] = heads_[h];
    // Only otherNeeded's own band can hold some that are short of it.
    while (at != end && at->other < otherNeeded_) ++at;
    if (at == end) continue;
    if (least_ == heads_.size() || ByRemaining{}(*at, *heads_[least_].first)) least_ = h;
  }
}

}  // namespace ecsd
