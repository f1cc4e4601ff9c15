// Durable state, backend-neutral: the store knows tables (their codecs) and
// changes to them, not SQLite. Each backend (src/store/sqlite/, later
// PostgreSQL) implements the few record operations of store::RecordStore.
#pragma once

#include <cstddef>
#include <memory>
#include <tuple>
#include <vector>

#include "ecsd/result.h"
#include "ecsd/store/codec.h"

namespace ecsd {

// The one list of stored resources: every table, in the order changes are
// applied (instances before the tasks on them, tasks before the services
// that count them; IAM's users before the keys and groups that name them).
template <template <class> class Of>
using PerTable = std::tuple<Of<Cluster>, Of<TaskDefinition>, Of<ContainerInstance>, Of<Task>,
                            Of<Service>, Of<RecordedAnswer>, Of<IamUser>, Of<IamGroup>,
                            Of<IamAccessKey>, Of<IamManagedPolicy>>;

// What one write did to one table.
template <class Row>
struct RowChanges {
  std::vector<Row> put = {};                           // inserted or replaced, by key
  std::vector<typename Codec<Row>::Key> removed = {};  // forgotten

  bool empty() const { return put.empty() && removed.empty(); }
};

// Runs f on each element of a PerTable tuple, in table order.
template <class Tuple, class F>
void forEachTable(Tuple& tables, F&& f) {
  std::apply([&](auto&... table) { (f(table), ...); }, tables);
}

// Everything one write changed, per table. Committed atomically: all of it or none.
struct ChangeSet {
  PerTable<RowChanges> tables;

  template <class Row>
  RowChanges<Row>& of() {
    return std::get<RowChanges<Row>>(tables);
  }
  template <class Row>
  const RowChanges<Row>& of() const {
    return std::get<RowChanges<Row>>(tables);
  }
  bool empty() const {
    bool empty = true;
    forEachTable(tables, [&](const auto& changes) { empty = empty && changes.empty(); });
    return empty;
  }
};

// Every row stored, per table.
template <class Row>
using Rows = std::vector<Row>;

struct StoredState {
  PerTable<Rows> tables;

  template <class Row>
  std::vector<Row>& of() {
    return std::get<Rows<Row>>(tables);
  }
  template <class Row>
  const std::vector<Row>& of() const {
    return std::get<Rows<Row>>(tables);
  }
};

class Store {
 public:
  virtual ~Store() = default;
  // Everything stored, to rebuild memory at start. A row that does not
  // decode is an error, not a shorter state.
  virtual Result<StoredState> load() = 0;
  // Durable once it returns ok: the caller acknowledges the write only then.
  virtual Status commit(const ChangeSet& changes) = 0;
};

}  // namespace ecsd
