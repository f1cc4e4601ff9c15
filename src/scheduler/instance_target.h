// A placement candidate as the cluster query language sees it.
#pragma once

#include "ecsd/scheduler/placement.h"
#include "ecsd/scheduler/query.h"

namespace ecsd::scheduler {

class InstanceTarget final : public QueryTarget {
 public:
  InstanceTarget(const ContainerInstance& instance, bool agentConnected, const LayeredUsage& usage)
      : instance_(instance), agentConnected_(agentConnected), usage_(usage) {}

  std::optional<std::string> attribute(std::string_view name) const override;
  bool agentConnected() const override { return agentConnected_; }
  std::string ec2InstanceId() const override { return instance_.ec2InstanceId; }
  double registeredAt() const override { return instance_.registeredAt; }
  int runningTasksCount() const override { return usage_.runningTasks(); }
  std::vector<std::string> taskGroups() const override;

 private:
  const ContainerInstance& instance_;
  bool agentConnected_;
  const LayeredUsage& usage_;
};

}  // namespace ecsd::scheduler
