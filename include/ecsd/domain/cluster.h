#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ecsd/domain/tag.h"

namespace ecsd {

struct ClusterSetting {
  std::string name;   // "containerInsights"
  std::string value;  // "enabled" | "disabled" | "enhanced"
};

struct Cluster {
  std::string name;
  std::string arn;
  std::string status = "ACTIVE";  // ACTIVE | INACTIVE (deleted, still describable)
  std::vector<ClusterSetting> settings;
  // Kept as the API shapes them: ecsd stores and returns them, nothing reads them yet.
  nlohmann::json configuration;           // ClusterConfiguration, null when unset
  nlohmann::json serviceConnectDefaults;  // {namespace}, null when unset
  Tags tags;
};

}  // namespace ecsd
