// RemainingIndex: a walk yields exactly the entries that can hold the task,
// in (remaining, id) order, whatever bands they sit in.
#include "ecsd/state/remaining_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace ecsd {
namespace {

using Entry = RemainingIndex::Entry;

std::vector<std::string> walk(const RemainingIndex& index, std::int64_t needed,
                              std::int64_t otherNeeded) {
  std::vector<std::string> ids;
  for (auto cursor = index.from(needed, otherNeeded); cursor.peek(); cursor.pop()) {
    ids.push_back(cursor.peek()->id);
  }
  return ids;
}

TEST(RemainingIndexTest, SkipsWhatHasTooLittleOfTheOtherResource) {
  RemainingIndex byMemory;
  byMemory.insert({512, 0, "spent-cpu"});  // memory left, no CPU
  byMemory.insert({1024, 100, "a"});
  byMemory.insert({1024, 3000, "b"});
  byMemory.insert({256, 4096, "too-small"});  // not enough memory
  byMemory.insert({2048, 16, "little-cpu"});
  EXPECT_EQ(walk(byMemory, 300, 64), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(walk(byMemory, 300, 16), (std::vector<std::string>{"a", "b", "little-cpu"}));
  EXPECT_EQ(walk(byMemory, 300, 0),
            (std::vector<std::string>{"spent-cpu", "a", "b", "little-cpu"}));
  byMemory.erase({1024, 100, "a"});
  EXPECT_EQ(walk(byMemory, 300, 64), (std::vector<std::string>{"b"}));
  EXPECT_FALSE(byMemory.empty());
}

// Against a brute force over random inserts, erases and walks.
TEST(RemainingIndexTest, WalksAsABruteForceWould) {
  std::mt19937_64 random(5);
  RemainingIndex index;
  std::map<std::string, Entry> kept;
  const auto value = [&] {
    // Spread over many bands, with negatives and zero, and many ties.
    const int shape = static_cast<int>(random() % 4);
    if (shape == 0) return static_cast<std::int64_t>(random() % 3) - 1;
    if (shape == 1) return static_cast<std::int64_t>(random() % 64);
    return static_cast<std::int64_t>(random() % 70000);
  };
  for (int step = 0; step < 4000; ++step) {
    if (!kept.empty() && random() % 3 == 0) {
      auto it = std::next(kept.begin(), static_cast<long>(random() % kept.size()));
      index.erase(it->second);
      kept.erase(it);
    } else {
      Entry entry{value(), value(), std::to_string(random() % 500)};
      if (auto it = kept.find(entry.id); it != kept.end()) {
        index.erase(it->second);
        kept.erase(it);
      }
      index.insert(entry);
      kept.emplace(entry.id, entry);
    }
    const std::int64_t needed = value();
    const std::int64_t otherNeeded = value();
    std::vector<const Entry*> expected;
    for (const auto& [id, entry] : kept) {
      if (entry.remaining >= needed && entry.other >= otherNeeded) expected.push_back(&entry);
    }
    std::sort(expected.begin(), expected.end(), [](const Entry* a, const Entry* b) {
      return std::tie(a->remaining, a->id) < std::tie(b->remaining, b->id);
    });
    std::vector<std::string> ids;
    for (const Entry* entry : expected) ids.push_back(entry->id);
    ASSERT_EQ(walk(index, needed, otherNeeded), ids) << step;
    ASSERT_EQ(index.empty(), kept.empty());
  }
}

}  // namespace
}  // namespace ecsd
