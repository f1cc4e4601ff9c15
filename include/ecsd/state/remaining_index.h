// Container instances ordered by what they have left of one resource, for
// binpack's walk from the tightest fit upwards. They are kept in bands by what
// they have left of the other resource, so that a walk skips whole bands that
// cannot hold the task: binpack on memory must not wade through every
// instance whose CPU is spent but whose memory is not (or the other way
// round), which made each placement cost O(such instances).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>

#include "ecsd/domain/container_instance.h"
#include "ecsd/domain/resources.h"
#include "ecsd/state/usage.h"

namespace ecsd {

class RemainingIndex {
 public:
  struct Entry {
    std::int64_t remaining = 0;  // of the resource the walk orders by
    std::int64_t other = 0;      // of the other resource
    std::string id;
  };

 private:
  struct ByRemaining {  // ids are unique, so (remaining, id) is too
    bool operator()(const Entry& a, const Entry& b) const {
      return a.remaining != b.remaining ? a.remaining < b.remaining : a.id < b.id;
    }
  };
  using Band = std::set<Entry, ByRemaining>;
  // Band b > 0 holds other in [2^(kBandBits*(b-1)), 2^(kBandBits*b)); band 0,
  // other <= 0. Few bands: a walk starts with a lower_bound in each.
  static constexpr int kBandBits = 4;
  static constexpr std::size_t kBands = 64 / kBandBits + 2;
  static std::size_t bandOf(std::int64_t other);

 public:
  void insert(Entry entry);
  void erase(const Entry& entry);  // one inserted with the same values
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  // Entries with remaining >= needed and other >= otherNeeded, by ascending
  // (remaining, id). Valid while the index is not changed.
  class Cursor {
   public:
    const Entry* peek() const { return least_ < count_ ? &*heads_[least_].first : nullptr; }
    void pop();

   private:
    friend class RemainingIndex;
    void settle();  // skips what cannot fit and finds the least head
    std::int64_t otherNeeded_ = 0;
    // At and end in each band that may hold some; an array: a walk allocates nothing.
    std::array<std::pair<Band::const_iterator, Band::const_iterator>, kBands> heads_;
    std::size_t count_ = 0;
    std::size_t least_ = 0;  // count_: none left
  };
  Cursor from(std::int64_t needed, std::int64_t otherNeeded) const;

 private:
  std::array<Band, kBands> bands_;
  std::size_t size_ = 0;
};

// Whether an instance, as it stands with its usage, belongs to a subset of
// the index (the instances a placement constraint admits).
using Admits = std::function<bool(const ContainerInstance&, const LayeredUsage&)>;

// One set of instances in both orders: by remaining CPU (then memory), by
// remaining memory (then CPU).
class RemainingOrders {
 public:
  void insert(const std::string& id, std::int64_t cpu, std::int64_t memory) {
    cpu_.insert({cpu, memory, id});
    memory_.insert({memory, cpu, id});
  }
  void erase(const std::string& id, std::int64_t cpu, std::int64_t memory) {
    cpu_.erase({cpu, memory, id});
    memory_.erase({memory, cpu, id});
  }
  const RemainingIndex& by(Resource resource) const {
    return resource == Resource::Cpu ? cpu_ : memory_;
  }
  std::size_t size() const { return cpu_.size(); }

 private:
  RemainingIndex cpu_;
  RemainingIndex memory_;
};

}  // namespace ecsd
