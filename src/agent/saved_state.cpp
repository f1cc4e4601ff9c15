#include "agent/saved_state.h"

#include <nlohmann/json.hpp>
#include <system_error>

#include "common/files.h"
#include "ecsd/errors.h"

namespace ecsd::agent {
namespace {

std::filesystem::path statePath(const std::filesystem::path& dataDir) {
  return dataDir / "agent-state.json";
}

}  // namespace

Result<std::optional<SavedState>> loadSavedState(const std::filesystem::path& dataDir) {
  const auto path = statePath(dataDir);
  auto exists = files::fileExists(path);
  if (!exists) return exists.error();
  if (!*exists) return std::optional<SavedState>();
  auto text = files::readFile(path);
  if (!text) return text.error();
  const auto json = nlohmann::json::parse(*text, nullptr, false);
  if (!json.is_object() || !json.value("containerInstanceArn", nlohmann::json()).is_string()) {
    return errors::server(path.string() +
                          " is not an agent state file; move it away to start "
                          "as a new container instance.");
  }
  return std::optional<SavedState>(
      SavedState{json.value("cluster", ""), json.value("containerInstanceArn", "")});
}

Status saveState(const std::filesystem::path& dataDir, const SavedState& state) {
  std::error_code error;
  std::filesystem::create_directories(dataDir, error);
  if (error) return files::ioFailure("create", dataDir, error.value());
  const nlohmann::json json = {{"cluster", state.cluster},
                               {"containerInstanceArn", state.containerInstanceArn}};
  return files::writeFileAtomically(statePath(dataDir), json.dump(2) + "\n", 0600);
}

}  // namespace ecsd::agent
