// Per cluster, how many live tasks of each group sit on the instances that
// share each value of each attribute: what spread(attribute:NAME) ranks by,
// kept as instances change instead of counted over the cluster per decision.
// Committed state feeds it (one call per changed instance); a write's pool
// corrects it for what that write changed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ecsd/domain/container_instance.h"

namespace ecsd::scheduler {

class AttributeCounts {
 public:
  using Groups = std::map<std::string, int>;  // task group -> live tasks

  // What one registered instance adds to the counts.
  struct Contribution {
    std::string cluster;
    std::vector<std::pair<std::string, std::string>> attributes;  // name, value ("" when none)
    Groups groups;
  };
  // The instance as it stands: nullptr (or INACTIVE) drops it.
  void set(const std::string& instanceId, const ContainerInstance* instance, const Groups* groups);
  // What the instance was last counted with; nullptr: not counted.
  const Contribution* contribution(std::string_view instanceId) const;

  // Live tasks of the group per value of the attribute over the cluster's
  // instances; nullopt stands for the instances without the attribute (only
  // present when there are some).
  std::map<std::optional<std::string>, int> byValue(std::string_view cluster,
                                                    std::string_view attribute,
                                                    std::string_view group) const;

 private:
  struct Tally {
    int instances = 0;
    Groups groups;
    void add(const Groups& g, int sign);
  };
  struct ClusterTally {
    Tally all;
    std::map<std::string, std::map<std::string, Tally, std::less<>>, std::less<>> byAttribute;
  };
  void count(const Contribution& c, int sign);

  std::map<std::string, ClusterTally, std::less<>> clusters_;
  std::map<std::string, Contribution, std::less<>> counted_;  // by instance id
};

// The value spread(attribute:NAME) files an instance under (nullopt: it lacks
// it); the view borrows from the instance.
std::optional<std::string_view> attributeView(const ContainerInstance& instance,
                                              std::string_view name);
std::optional<std::string> attributeValue(const ContainerInstance& instance, std::string_view name);

}  // namespace ecsd::scheduler
