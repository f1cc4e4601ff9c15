#include "operations/delivery.h"

#include <map>

#include "dispatch/payload.h"

namespace ecsd::operations {

void deliverTasks(const Services& services, const std::vector<Task>& tasks) {
  std::map<std::string, dispatch::PayloadTasks> byInstance;
  services.state.read([&](const Data& data) {
    for (const auto& written : tasks) {
      const Task* stored = data.task(written.id);
      const Task& task = stored ? *stored : written;
      const TaskDefinition* definition = data.taskDefinition(task.family, task.revision);
      if (!definition) continue;  // deleted meanwhile: nothing to run it from
      byInstance[task.containerInstanceId].add(task, *definition);
    }
    return 0;
  });
  for (auto& [instanceId, payload] : byInstance) {
    services.agents.deliver(instanceId, std::move(payload));
  }
}

}  // namespace ecsd::operations
