// Tasks as a PayloadMessage carries them to the agent (api/agent-protocol.md).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "ecsd/domain/task.h"
#include "ecsd/domain/task_definition.h"

namespace ecsd::dispatch {

// A PayloadMessage's "tasks": the JSON array as it goes on the wire. Written
// directly, not built as a document first: building one was the largest
// part of ecsd's cost per placed task.
class PayloadTasks {
 public:
  // Entries already written as a JSON array.
  static PayloadTasks of(const nlohmann::json& entries);

  // Appends the task's entry: arn, family, version, desiredStatus, and the
  // containers with the definition's settings and the task's overrides
  // applied (environment as a name -> value map, hostPort 0 = dynamic).
  void add(const Task& task, const TaskDefinition& definition);

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::string& text() const { return text_; }

 private:
  std::string text_ = "[]";
  std::size_t size_ = 0;
};

}  // namespace ecsd::dispatch
