// Derived state: views that subscribe to the changes tables apply (table.h)
// and answer the questions operations ask without scanning. Rebuilt on load
// from the same changes; State::checkAccounting recomputes them to prove it.
// A new derived figure (a service's task counts) is one more view here.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "ecsd/scheduler/index/attribute_counts.h"
#include "ecsd/state/remaining_index.h"
#include "ecsd/state/table.h"
#include "ecsd/state/usage.h"

namespace ecsd {

// What a cluster holds, as DescribeClusters counts it.
struct ClusterCounts {
  int registeredContainerInstances = 0;
  int runningTasks = 0;
  int pendingTasks = 0;
  int activeServices = 0;    // ACTIVE services
  int drainingServices = 0;  // DRAINING ones (deleted, their tasks stopping)
  bool empty() const {
    return registeredContainerInstances == 0 && runningTasks == 0 && pendingTasks == 0 &&
           activeServices == 0 && drainingServices == 0;
  }
  ClusterCounts& operator+=(const ClusterCounts& delta);
  bool operator==(const ClusterCounts&) const = default;
};

// Whether the instance counts for its cluster: registered, not deregistered.
bool registered(const ContainerInstance& instance);
// What a service counts for in its cluster's counts (sign: +1 or -1).
ClusterCounts serviceCounts(const Service& service, int sign);

// Ids of a table's rows by a group they belong to (tasks by cluster, by
// instance; registered instances by cluster). groupOf returns nullptr for a
// row in no group.
template <class Row>
class IdsByGroup final : public TableObserver<Row> {
 public:
  using GroupOf = const std::string* (*)(const Row&);
  explicit IdsByGroup(GroupOf groupOf) : groupOf_(groupOf) {}

  // The ids in the group, in id order.
  const std::set<std::string>& of(std::string_view group) const {
    static const std::set<std::string> kNone;
    const auto it = groups_.find(group);
    return it == groups_.end() ? kNone : it->second;
  }

  void changed(const Row* before, const Row* after) override {
    const std::string* was = before ? groupOf_(*before) : nullptr;
    const std::string* is = after ? groupOf_(*after) : nullptr;
    if (was && is && *was == *is) return;  // the same row (one key) in the same group
    if (was) {
      const auto it = groups_.find(*was);
      if (it != groups_.end()) {
        it->second.erase(Codec<Row>::keyOf(*before));
        if (it->second.empty()) groups_.erase(it);
      }
    }
    if (is) groups_[*is].insert(Codec<Row>::keyOf(*after));
  }

 private:
  GroupOf groupOf_;
  std::map<std::string, std::set<std::string>, std::less<>> groups_;
};

// What the live tasks on each instance hold.
class UsageByInstance final : public TableObserver<Task> {
 public:
  const Usage* find(std::string_view instanceId) const;
  void changed(const Task* before, const Task* after) override;

 private:
  std::map<std::string, Usage, std::less<>> usages_;
};

// Per cluster, what its registered instances and their live tasks count.
class ClusterCountsView final : public TableObserver<ContainerInstance>,
                                public TableObserver<Task>,
                                public TableObserver<Service> {
 public:
  ClusterCountsView(const Table<ContainerInstance>& instances, const UsageByInstance& usage)
      : instances_(instances), usage_(usage) {}

  ClusterCounts of(std::string_view cluster) const;
  void changed(const ContainerInstance* before, const ContainerInstance* after) override;
  void changed(const Task* before, const Task* after) override;
  void changed(const Service* before, const Service* after) override;

 private:
  // Adds (sign 1) or takes away (-1) what the task counts where its instance is registered.
  void count(const Task& task, int sign);

  const Table<ContainerInstance>& instances_;
  const UsageByInstance& usage_;
  std::map<std::string, ClusterCounts, std::less<>> counts_;
};

// Per cluster, registered instances ordered by remaining CPU and by
// remaining memory, so that binpack finds the tightest fit without visiting
// every instance. The one seam of the remaining-resources index: it learns
// of changes here and is read through byRemaining().
class RemainingView final : public TableObserver<ContainerInstance>, public TableObserver<Task> {
 public:
  struct Filed {
    std::string cluster;
    std::int64_t cpu = 0;
    std::int64_t memory = 0;
  };

  RemainingView(const Table<ContainerInstance>& instances, const UsageByInstance& usage)
      : instances_(instances), usage_(usage) {}

  const RemainingIndex& byRemaining(Resource resource, std::string_view cluster) const;
  // The cluster's instances that `admits` (given their committed usage), by
  // remaining `resource`: the index of one placement constraint (a memberOf
  // expression, distinctInstance's group), so that its walk meets only the
  // instances it admits. Made on first ask from the instances filed now and
  // kept in step with every change after, under `key` (one key, one
  // predicate); at most kMaxSubsets are kept, the least recently asked going
  // first. A cache, hence const: only a running write may ask (writes run one
  // at a time, and only they place), and readers never look at it.
  const RemainingIndex& subset(Resource resource, std::string_view cluster, const std::string& key,
                               const Admits& admits) const;
  static constexpr std::size_t kMaxSubsets = 64;
  // Where the instance is filed (nullopt: not indexed).
  std::optional<Filed> filedAs(std::string_view instanceId) const;
  // spread(attribute:X)'s tally of group tasks per attribute value, filed with the rest.
  const scheduler::AttributeCounts& attributeCounts() const { return attributeCounts_; }

  void changed(const ContainerInstance* before, const ContainerInstance* after) override;
  void changed(const Task* before, const Task* after) override;
  // Files the instances changed since the last call where they now belong;
  // called once the whole change is applied (usage and instances agree).
  void settle();

 private:
  struct Subset {
    Admits admits;
    RemainingOrders orders;
    std::uint64_t asked = 0;  // when last asked for, to drop the stalest
  };
  using Subsets = std::map<std::string, Subset, std::less<>>;  // by key

  void reindex(const std::string& instanceId);
  void dropStalestSubset() const;

  const Table<ContainerInstance>& instances_;
  const UsageByInstance& usage_;
  std::set<std::string> touched_;
  std::map<std::string, RemainingOrders, std::less<>> orders_;  // by cluster
  std::map<std::string, Filed, std::less<>> filedAs_;
  scheduler::AttributeCounts attributeCounts_;
  mutable std::map<std::string, Subsets, std::less<>> subsets_;  // by cluster
  mutable std::size_t subsetCount_ = 0;
  mutable std::uint64_t asks_ = 0;
};

}  // namespace ecsd
