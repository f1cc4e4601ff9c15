// The agent's introspection API, as the Amazon ECS agent serves it on
// 127.0.0.1:51678: GET /v1/metadata and GET /v1/tasks[?taskarn=|?dockerid=].
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "agent/task_runner.h"
#include "protocol/http_message.h"

namespace ecsd::agent {

struct AgentMetadata {
  std::string cluster;  // as configured ("default")
  std::string clusterArn;
  std::string containerInstanceArn;
  std::string version;  // "ecsd Agent - v0.1.0"
};

class Introspection {
 public:
  using Tasks = std::function<std::vector<TaskSnapshot>()>;
  Introspection(AgentMetadata metadata, Tasks tasks)
      : metadata_(std::move(metadata)), tasks_(std::move(tasks)) {}

  protocol::HttpResponse handle(const protocol::HttpRequest& request) const;

 private:
  const AgentMetadata metadata_;
  const Tasks tasks_;
};

}  // namespace ecsd::agent
