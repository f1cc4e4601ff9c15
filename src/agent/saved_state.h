// What the agent keeps in ECS_DATADIR across restarts: which instance it is,
// so a restart re-registers with the same ARN and keeps its tasks.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "ecsd/result.h"

namespace ecsd::agent {

struct SavedState {
  std::string cluster;  // as configured when it registered
  std::string containerInstanceArn;
};

// nullopt when the agent never registered from this data directory.
Result<std::optional<SavedState>> loadSavedState(const std::filesystem::path& dataDir);
// Written atomically (and fsynced): a crash leaves the old state or the new.
Status saveState(const std::filesystem::path& dataDir, const SavedState& state);

}  // namespace ecsd::agent
