#include "ecsd/state/remaining_index.h"

#include <bit>

namespace ecsd {

std::size_t RemainingIndex::bandOf(std::int64_t other) {
  if (other <= 0) return 0;
  const auto bits = std::bit_width(static_cast<std::uint64_t>(other));
  return static_cast<std::size_t>((bits + kBandBits - 1) / kBandBits);
}

void RemainingIndex::insert(Entry entry) {
  if (bands_[bandOf(entry.other)].insert(std::move(entry)).second) ++size_;
}

void RemainingIndex::erase(const Entry& entry) {
  size_ -= bands_[bandOf(entry.other)].erase(entry);
}

RemainingIndex::Cursor RemainingIndex::from(std::int64_t needed, std::int64_t otherNeeded) const {
  Cursor cursor;
  if (size_ == 0) return cursor;  // a pool's index of what its write changed often is
  cursor.otherNeeded_ = otherNeeded;
  // Bands below otherNeeded's hold only instances that cannot take it.
  for (std::size_t b = bandOf(otherNeeded); b < kBands; ++b) {
    const Band& band = bands_[b];
    if (band.empty()) continue;
    auto at = band.lower_bound(Entry{needed, 0, std::string()});
    if (at != band.end()) cursor.heads_[cursor.count_++] = {at, band.end()};
  }
  cursor.settle();
  return cursor;
}

void RemainingIndex::Cursor::pop() {
  ++heads_[least_].first;
  settle();
}

void RemainingIndex::Cursor::settle() {
  while (true) {
    least_ = count_;
    for (std::size_t h = 0; h < count_; ++h) {
      const auto& [at, end] = heads_[h];
      if (at == end) continue;
      if (least_ == count_ || ByRemaining{}(*at, *heads_[least_].first)) least_ = h;
    }
    // Only otherNeeded's own band holds some that are short of it. They are
    // passed over only when they come next, as a walk would visit them:
    // skipping all of them at once would cost the whole band.
    if (least_ == count_ || heads_[least_].first->other >= otherNeeded_) return;
    ++heads_[least_].first;
  }
}

}  // namespace ecsd
