// Durable state. The store is the only part of ecsd that knows SQLite; the
// rest sees whole domain values going in and coming out.
#pragma once

#include <memory>
#include <vector>

#include "ecsd/domain/cluster.h"
#include "ecsd/domain/container_instance.h"
#include "ecsd/domain/task.h"
#include "ecsd/domain/task_definition.h"
#include "ecsd/result.h"

namespace ecsd {

// Everything one write changed. Committed atomically: all of it or none.
// What an idempotent call answered, kept for a retry with the same client token.
struct Answer {
  std::string text;
  double recordedAt = 0;  // seconds since the epoch
};

struct ChangeSet {
  std::vector<Cluster> clusters = {};                // inserted or replaced, by name
  std::vector<TaskDefinition> taskDefinitions = {};  // inserted or replaced, by family and revision
  std::vector<ContainerInstance> containerInstances = {};         // inserted or replaced, by id
  std::vector<Task> tasks = {};                                   // inserted or replaced, by id
  std::vector<std::string> removedTasks = {};                     // task ids forgotten
  std::vector<std::pair<std::string, Answer>> answers = {};       // by idempotency key
  std::vector<std::string> forgottenAnswers = {};                 // idempotency keys expired

  bool empty() const {
    return clusters.empty() && taskDefinitions.empty() && containerInstances.empty() &&
           tasks.empty() && removedTasks.empty() && answers.empty() && forgottenAnswers.empty();
  }
};

struct StoredState {
  std::vector<Cluster> clusters = {};
  std::vector<TaskDefinition> taskDefinitions = {};
  std::vector<ContainerInstance> containerInstances = {};
  std::vector<Task> tasks = {};
  std::vector<std::pair<std::string, Answer>> answers = {};
};

class Store {
 public:
  virtual ~Store() = default;
  // Everything stored, to rebuild memory at start.
  virtual Result<StoredState> load() = 0;
  // Durable once it returns ok: the caller acknowledges the write only then.
  virtual Status commit(const ChangeSet& changes) = 0;
};

// How hard a commit waits for the disk. Full survives power loss; normal
// survives a crash of ecsd (kill -9) but not of the machine.
enum class Durability { Full, Normal };

// Opens (creating if needed) the SQLite database at path in WAL mode and
// applies the numbered migrations of schema/ that it does not have yet.
Result<std::unique_ptr<Store>> openSqliteStore(const std::string& path, Durability durability);

}  // namespace ecsd
