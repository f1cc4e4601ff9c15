#include "operations/task_creation.h"

#include "crypto/crypto.h"

namespace ecsd::operations {

std::vector<Task> createTasks(const Services& s, Draft& draft, const TaskOrigin& origin,
                              const TaskDefinition& definition, const TaskPlan& plan,
                              const scheduler::Outcome& outcome) {
  std::vector<Task> tasks;
  for (const auto& placement : outcome.placements) {
    Task task;
    task.id = crypto::timeOrderedId(s.clock.epochMillis());
    task.arn = s.arns.task(origin.cluster, task.id);
    task.cluster = origin.cluster;
    task.containerInstanceId = placement.instance->id;
    task.taskDefinitionArn = definition.arn;
    task.family = definition.family;
    task.revision = definition.revision;
    task.overrides = origin.overrides;
    task.containers = plan.containers;
    for (auto& c : task.containers) {
      c.arn = s.arns.container(origin.cluster, task.id, crypto::uuid4());
    }
    task.group = plan.demand.group;
    task.startedBy = origin.startedBy;
    task.cpu = plan.cpu;
    task.memory = plan.memory;
    task.createdAt = s.clock.epochSeconds();
    task.tags = origin.tags;
    task.held = placement.held;
    draft.put(task);
    tasks.push_back(std::move(task));
  }
  return tasks;
}

}  // namespace ecsd::operations
