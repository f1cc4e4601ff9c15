// The cluster query language of ECS, used by memberOf placement constraints and
// by ListContainerInstances' filter:
//   attribute:ecs.instance-type =~ t2.* and not (agentConnected == false)
//   task:group == web or runningTasksCount < 3
// Operands: attribute:NAME, task:group, agentConnected, ec2InstanceId,
// registeredAt, runningTasksCount. Operators: == != > >= < <= exists !exists
// in !in =~ !~, combined with and, or, not and parentheses.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ecsd/result.h"

namespace ecsd::scheduler {

// What an expression is evaluated against: one container instance.
class QueryTarget {
 public:
  virtual ~QueryTarget() = default;
  // The attribute's value ("" for an attribute without one); nullopt when absent.
  virtual std::optional<std::string> attribute(std::string_view name) const = 0;
  virtual bool agentConnected() const = 0;
  virtual std::string ec2InstanceId() const = 0;
  virtual double registeredAt() const = 0;  // seconds since the epoch
  virtual int runningTasksCount() const = 0;
  // The groups of the tasks on the instance that are not STOPPED.
  virtual std::vector<std::string> taskGroups() const = 0;
};

class Query {
 public:
  // InvalidParameterException with a message pointing at the problem.
  static Result<Query> parse(std::string_view expression);
  bool matches(const QueryTarget& target) const;
  const std::string& text() const { return text_; }
  // Whether it asks agentConnected: the one subject committed state does not
  // hold (the agents' sessions do), so no index can serve it.
  bool readsAgentConnected() const;

  struct Node;  // the parsed expression; defined in query.cpp

 private:
  std::string text_;
  std::shared_ptr<const Node> root_;
};

}  // namespace ecsd::scheduler
