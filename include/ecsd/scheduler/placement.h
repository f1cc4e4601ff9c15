// Task placement: which container instance takes each task.
//
// A placement is filter -> rank -> pick, repeated for each task of a request:
// filters reject instances with the reason ECS gives (AGENT, RESOURCE:CPU,
// RESOURCE:MEMORY, RESOURCE:PORTS, constraint unsatisfied); strategies
// (binpack, spread, random, chained in order) rank the rest; the best takes
// the task and its usage grows before the next task is placed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ecsd/domain/container_instance.h"
#include "ecsd/domain/resources.h"
#include "ecsd/result.h"
#include "ecsd/scheduler/query.h"
#include "ecsd/state/remaining_index.h"
#include "ecsd/state/usage.h"

namespace ecsd::scheduler {

struct PortDemand {
  std::uint16_t hostPort = 0;  // 0: any free port of the ephemeral range
  bool udp = false;
};

// What one task needs.
struct TaskDemand {
  std::int64_t cpu = 0;
  std::int64_t memory = 0;
  std::vector<PortDemand> ports;
  std::string group;
  std::vector<std::string> requiredAttributes = {};  // names the instance must have registered
};

struct Constraint {
  enum class Type { DistinctInstance, MemberOf };
  Type type = Type::DistinctInstance;
  std::optional<Query> expression;  // memberOf only
};

struct Strategy {
  enum class Type { Binpack, Spread, Random };
  Type type = Type::Binpack;
  std::string field;  // binpack: cpu | memory; spread: instanceId | host | attribute:NAME
};

// Parses ECS's placementConstraints / placementStrategy members (lists of
// {type, expression} / {type, field}). InvalidParameterException when malformed.
Result<std::vector<Constraint>> parseConstraints(const nlohmann::json& constraints);
Result<std::vector<Strategy>> parseStrategies(const nlohmann::json& strategies);

// One instance as placement sees it. The scheduler adds what it places to `usage`.
struct Candidate {
  const ContainerInstance* instance = nullptr;
  bool agentConnected = false;
  LayeredUsage usage;
};

struct Placement {
  const ContainerInstance* instance = nullptr;
  Resources held;  // what the task holds there, dynamic ports chosen
};

struct Failure {
  std::string arn;
  std::string reason;
};

struct Outcome {
  std::vector<Placement> placements;
  // When a task could not be placed: why each instance could not take it.
  std::vector<Failure> failures;
};

// Host ports handed out for hostPort 0, as the ECS agent's default range.
inline constexpr std::uint16_t kEphemeralPortFirst = 49153;
inline constexpr std::uint16_t kEphemeralPortLast = 65535;

// RunTask: places up to count tasks on the best candidates. Without
// strategies, binpack on memory.
Outcome place(std::vector<Candidate>& candidates, const TaskDemand& demand, int count,
              const std::vector<Constraint>& constraints, const std::vector<Strategy>& strategies,
              std::mt19937_64& random);

// A constraint as an index can serve it: the instances it admits, named by
// a key (one key, one predicate). Built from what committed state holds.
struct Narrowing {
  std::string key;
  Admits admits;
};
// The narrowings of the constraints an index can serve: distinctInstance,
// and memberOf unless its expression asks agentConnected.
std::vector<Narrowing> narrowingsOf(const std::vector<Constraint>& constraints,
                                    const TaskDemand& demand);
// The instances without a live task of the group: distinctInstance's, and
// spread(instanceId)'s first choice.
Narrowing withoutGroup(const std::string& group);

// A cluster's instances as placement walks them, so that binpack need not
// visit every instance: it walks up from what the task needs to the first
// instance that fits.
class CandidatePool {
 public:
  virtual ~CandidatePool() = default;
  // Every candidate, as it stands now (placements made through the pool count).
  virtual std::vector<Candidate> all() = 0;
  // Candidates by ascending remaining `resource` (then instance id), from
  // the first with the demand's CPU and memory left, until visit returns
  // true. It may hand over some that cannot take the task but skips none that
  // can. What visit is handed is the pool's own candidate: placing on it
  // updates the pool. With narrowings, it may skip instances one of them does
  // not admit (the pool picks the one that leaves the fewest).
  virtual void walkByRemaining(Resource resource, const TaskDemand& demand,
                               const std::vector<Narrowing>& narrowings,
                               const std::function<bool(Candidate&)>& visit) = 0;
  // spread(attribute:NAME)'s tally: live tasks of the group per value of the
  // attribute over the pool's instances as they stand now (nullopt: instances
  // without it); every value some instance has is present. Valid until the
  // next call on the pool. nullptr: the pool keeps no such index (placement
  // then ranks all()).
  using GroupCounts = std::map<std::optional<std::string>, int>;
  virtual const GroupCounts* groupCountsByAttribute(std::string_view /*attribute*/,
                                                    const std::string& /*group*/) {
    return nullptr;
  }
};

// RunTask over a pool. Binpack alone (the default: on memory), and spread on
// an attribute, an instance or a host then binpack, walk the pool's index
// upwards from what the task needs, narrowed by the constraints an index
// serves and testing the rest on the way; anything else ranks all(). The
// choices are the same either way.
Outcome place(CandidatePool& pool, const TaskDemand& demand, int count,
              const std::vector<Constraint>& constraints, const std::vector<Strategy>& strategies,
              std::mt19937_64& random);

// StartTask: one task on each candidate that can take it.
Outcome placeOnEach(std::vector<Candidate>& candidates, const TaskDemand& demand);

// Why the candidate cannot take the task (nullopt: it can), and on success
// the resources it would hold there. Exposed for tests.
struct Fit {
  std::optional<std::string> rejection;
  Resources held;
};
Fit fit(const Candidate& candidate, const TaskDemand& demand,
        const std::vector<Constraint>& constraints);

// Whether the instance is one the task may ever run on, whatever it holds
// now: ACTIVE, with the attributes the task requires, meeting the memberOf
// constraints. Not its resources, nor distinctInstance. A DAEMON service
// runs one task on each instance that admits it.
bool admits(const Candidate& candidate, const TaskDemand& demand,
            const std::vector<Constraint>& constraints);

}  // namespace ecsd::scheduler
