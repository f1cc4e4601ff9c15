// One resource's rows in memory, keyed as its codec keys them, and a write's
// overlay of them. Every resource (clusters, task definitions, container
// instances, tasks, idempotency answers) is a Table; derived views
// (views.h) subscribe to the changes a table applies instead of being kept
// by hand.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "ecsd/store/store.h"

namespace ecsd {

// Told of every row a committed change replaces: before (nullptr: new) and
// after (nullptr: removed), while before is still in the table.
template <class Row>
class TableObserver {
 public:
  virtual ~TableObserver() = default;
  virtual void changed(const Row* before, const Row* after) = 0;
};

// Committed rows of one table. Read under the state's shared lock; changed
// only by apply(), under its exclusive lock.
template <class Row>
class Table {
 public:
  using Key = typename Codec<Row>::Key;
  using Map = std::map<Key, Row, std::less<>>;
  using const_iterator = typename Map::const_iterator;

  template <class K>
  const Row* find(const K& key) const {
    const auto it = rows_.find(key);
    return it == rows_.end() ? nullptr : &it->second;
  }
  std::size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  // In key order; from(key): the first row at or after key, to resume a slice.
  const_iterator begin() const { return rows_.begin(); }
  const_iterator end() const { return rows_.end(); }
  template <class K>
  const_iterator from(const K& key) const {
    return rows_.lower_bound(key);
  }
  template <class K>
  const_iterator after(const K& key) const {
    return rows_.upper_bound(key);
  }

  // REQUIRES: the observer outlives the table.
  void subscribe(TableObserver<Row>& observer) { observers_.push_back(&observer); }

  void apply(RowChanges<Row>&& changes) {
    for (Row& row : changes.put) {
      const auto it = rows_.find(Codec<Row>::keyOf(row));
      const Row* before = it == rows_.end() ? nullptr : &it->second;
      for (auto* observer : observers_) observer->changed(before, &row);
      if (it == rows_.end()) {
        auto key = Codec<Row>::keyOf(row);
        rows_.emplace(std::move(key), std::move(row));
      } else {
        it->second = std::move(row);
      }
    }
    for (const auto& key : changes.removed) {
      const auto it = rows_.find(key);
      if (it == rows_.end()) continue;
      for (auto* observer : observers_) observer->changed(&it->second, nullptr);
      rows_.erase(it);
    }
  }

 private:
  Map rows_;
  std::vector<TableObserver<Row>*> observers_;
};

// How to undo a write's changes, across all its tables, so that one write of
// a group can be rolled back without the others.
class Journal {
 public:
  std::size_t mark() const { return undo_.size(); }
  void record(std::function<void()> undo) { undo_.push_back(std::move(undo)); }
  // Records how map[key] stands now (absent, or its value), for rollback to
  // restore. REQUIRES: the map outlives the journal's use of it.
  template <class Map>
  void recordEntry(Map& map, const typename Map::key_type& key) {
    const auto it = map.find(key);
    if (it == map.end()) {
      record([&map, key] { map.erase(key); });
    } else {
      record([&map, key, previous = it->second] { map.insert_or_assign(key, previous); });
    }
  }
  // Restores everything as it was at mark.
  void rollback(std::size_t mark) {
    while (undo_.size() > mark) {
      undo_.back()();
      undo_.pop_back();
    }
  }

 private:
  std::vector<std::function<void()>> undo_;
};

// One write's version of a table: the committed rows with its own puts and
// removals laid over them, each journaled.
template <class Row>
class TableDraft {
 public:
  using Key = typename Codec<Row>::Key;
  // A changed row: its new version, or nullopt when removed.
  using Overlay = std::map<Key, std::optional<Row>, std::less<>>;

  TableDraft(const Table<Row>& base, Journal& journal) : base_(base), journal_(journal) {}

  template <class K>
  const Row* find(const K& key) const {
    if (const auto it = overlay_.find(key); it != overlay_.end()) {
      return it->second ? &*it->second : nullptr;
    }
    return base_.find(key);
  }
  const Table<Row>& base() const { return base_; }
  const Overlay& overlay() const { return overlay_; }

  void put(Row row) {
    auto key = Codec<Row>::keyOf(row);
    remember(key);
    overlay_.insert_or_assign(std::move(key), std::optional<Row>(std::move(row)));
  }
  void remove(const Key& key) {
    remember(key);
    overlay_.insert_or_assign(key, std::nullopt);
  }

  RowChanges<Row> changes() const {
    RowChanges<Row> changes;
    for (const auto& [key, row] : overlay_) {
      if (row) {
        changes.put.push_back(*row);
      } else {
        changes.removed.push_back(key);
      }
    }
    return changes;
  }

 private:
  void remember(const Key& key) { journal_.recordEntry(overlay_, key); }

  const Table<Row>& base_;
  Journal& journal_;
  Overlay overlay_;
};

}  // namespace ecsd
