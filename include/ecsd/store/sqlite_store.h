// The SQLite backend of the store (src/store/sqlite/): WAL journal, the
// numbered migrations of schema/sqlite/, one transaction per commit.
#pragma once

#include <memory>
#include <string>

#include "ecsd/result.h"
#include "ecsd/store/store.h"

namespace ecsd {

// How hard a commit waits for the disk. Full survives power loss; normal
// survives a crash of ecsd (kill -9) but not of the machine.
enum class Durability { Full, Normal };

// Opens (creating if needed) the SQLite database at path in WAL mode and
// applies the numbered migrations of schema/sqlite/ that it does not have yet.
Result<std::unique_ptr<Store>> openSqliteStore(const std::string& path, Durability durability);

}  // namespace ecsd
