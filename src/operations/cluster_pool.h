// A cluster's instances as RunTask's placement sees them inside a write:
// committed state's remaining-resources index, corrected for what the write's
// draft (and the placement itself) has changed.
#pragma once

#include <array>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>

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
  void walkByRemaining(Resource resource, const scheduler::TaskDemand& demand,
                       const std::vector<scheduler::Narrowing>& narrowings,
                       const std::function<bool(scheduler::Candidate&)>& visit) override;
  // Committed state's tally, with the instances this write and this pool
  // changed counted anew.
  const GroupCounts* groupCountsByAttribute(std::string_view attribute,
                                            const std::string& group) override;

 private:
  // The pool's candidate for an instance, made on first use.
  scheduler::Candidate& candidate(const std::string& id);
  // Walks the instance from `fresh_` by its current remaining resources
  // instead of from the committed index, whose entry for it is stale.
  void refresh(const std::string& id);

  const Draft& draft_;
  const Agents& agents_;
  std::string cluster_;
  std::deque<scheduler::Candidate> storage_;  // stable addresses
  std::map<std::string, scheduler::Candidate*, std::less<>> made_;
  // Instances the draft changed or this pool handed out to be placed on,
  // indexed by what they have left now (ordered by CPU, by memory), with the
  // remaining CPU and memory they are filed under. Built once per pool, so
  // each walk costs what the committed index's walk costs and not what the
  // whole write changed.
  std::array<RemainingIndex, 2> fresh_;
  std::map<std::string, std::array<std::int64_t, 2>, std::less<>> freshKeys_;
  // The candidate the last walk stopped at: place() may have placed on it.
  scheduler::Candidate* handedOut_ = nullptr;
  // spread(attribute:X)'s tally for one group, made on first ask and kept in
  // step as instances are refreshed: recounting every instance the write (or
  // its group) touched for each decision cost more than the decision.
  struct Tally {
    std::string attribute;
    std::string group;
    GroupCounts counts;
    // What each fresh instance counts for now (its committed count is gone).
    std::map<std::string, std::pair<std::optional<std::string>, int>, std::less<>> fresh;
  };
  void recount(Tally& tally, const std::string& id);
  std::optional<Tally> tally_;
};

}  // namespace ecsd::operations
