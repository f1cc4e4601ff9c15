// A cluster's instances as RunTask's placement sees them inside a write:
// committed state's memory index, corrected for what the write's draft (and
// the placement itself) has changed.
#pragma once

#include <deque>
#include <map>
#include <string>

#include "ecsd/scheduler/placement.h"
#include "ecsd/state/state.h"
#include "operations/agents.h"

namespace ecsd::operations {

class ClusterPool final : public scheduler::CandidatePool {
 public:
  ClusterPool(const Draft& draft, const Agents& agents, std::string cluster);

  std::vector<scheduler::Candidate> all() override;
  // The candidates for these instances (StartTask's named ones), in order.
  std::vector<scheduler::Candidate> of(const std::vector<std::string>& instanceIds);
  void walkByRemaining(Resource resource, std::int64_t needed,
                       const std::function<bool(scheduler::Candidate&)>& visit) override;

 private:
  // The pool's candidate for an instance, made on first use.
  scheduler::Candidate& candidate(const std::string& id);
  static std::int64_t remaining(const scheduler::Candidate& c, Resource resource) {
    return resource == Resource::Cpu ? c.instance->registered.cpu - c.usage.cpu()
                                     : c.instance->registered.memory - c.usage.memory();
  }

  const Draft& draft_;
  const Agents& agents_;
  std::string cluster_;
  std::deque<scheduler::Candidate> storage_;  // stable addresses
  std::map<std::string, scheduler::Candidate*> made_;
};

}  // namespace ecsd::operations
