// A stored row as any backend sees it: a table's columns, in order, each a
// NULL, an integer, a real or a text. Key columns come first; the rest is
// what the row holds (usually a JSON document and the members worth a
// column). Nothing here knows SQLite.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace ecsd::store {

using Value = std::variant<std::monostate, std::int64_t, double, std::string>;
using Record = std::vector<Value>;  // one row, in its table's column order

struct TableSchema {
  std::string name;                  // the table's name in every backend
  std::vector<std::string> columns;  // the first `keys` of them are the primary key
  std::size_t keys = 1;
};

}  // namespace ecsd::store
