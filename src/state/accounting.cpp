// State::checkAccounting: the views recounted from the tables, in slices.
// Each slice holds the shared lock for a bounded amount of work (at 100,000
// tasks the whole recount under one lock held every write for tens of
// milliseconds), and each is consistent in itself: an instance's usage is
// recounted from its tasks as they are at that moment.
#include <time.h>

#include <chrono>
#include <string>
#include <vector>

#include "ecsd/state/state.h"

namespace ecsd {

namespace {

// Rows (instances plus their tasks, or clusters plus their instances) one
// slice may visit: well under a millisecond.
constexpr std::size_t kSliceWork = 1024;

// CPU time of this thread: what a slice costs, without the time the
// machine's scheduler gave to others while it ran.
std::chrono::nanoseconds threadCpu() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// The instance's figures recounted from its tasks: whether they agree with
// the usage view and the remaining-resources index.
bool instanceAgrees(const Data& data, const std::string& id, const ContainerInstance& instance,
                    std::size_t& work) {
  Usage recounted;
  bool tasksHere = true;
  for (const auto& taskId : data.taskIdsOn(id)) {
    ++work;
    const Task* task = data.task(taskId);
    if (!task || task->containerInstanceId != id) {
      tasksHere = false;
      continue;
    }
    recounted.add(*task, 1);
  }
  const auto filed = data.remaining().filedAs(id);
  const bool indexRight = !registered(instance)
                              ? !filed
                              : filed && filed->cpu == instance.registered.cpu - recounted.cpu &&
                                    filed->memory == instance.registered.memory - recounted.memory;
  const Usage* kept = data.findUsage(id);
  return tasksHere && indexRight && (kept ? *kept == recounted : recounted == Usage{});
}

// The cluster's counts recounted from its registered instances' usage.
bool clusterAgrees(const Data& data, const std::string& name, std::size_t& work) {
  ClusterCounts recounted;
  for (const auto& id : data.registeredInstanceIds(name)) {
    ++work;
    const Usage* used = data.findUsage(id);
    recounted += {1, used ? used->runningTasks : 0, used ? used->pendingTasks : 0, 0, 0};
  }
  const auto& services = data.services();
  for (auto it = services.from(std::make_pair(name, std::string()));
       it != services.end() && it->first.first == name; ++it) {
    ++work;
    recounted += serviceCounts(it->second, 1);
  }
  return data.counts(name) == recounted;
}

}  // namespace

std::vector<std::string> State::checkAccounting(std::chrono::nanoseconds* longestSlice) const {
  std::vector<std::string> differing;
  std::chrono::nanoseconds longest{0};
  // Walks a table in slices from where the last one stopped; check(key,
  // row, work) returns whether the row agrees.
  const auto inSlices = [&]<class Row>(const Table<Row>& (Data::*table)() const, auto check) {
    std::optional<std::string> last;
    while (true) {
      std::shared_lock lock(mutex_);
      const auto start = threadCpu();
      const Table<Row>& rows = (data_.*table)();
      auto it = last ? rows.after(*last) : rows.begin();
      if (it == rows.end()) return;
      for (std::size_t work = 0; it != rows.end() && work < kSliceWork; ++it, ++work) {
        if (!check(it->first, it->second, work)) differing.push_back(it->second.arn);
        last = it->first;
      }
      longest = std::max(longest, threadCpu() - start);
    }
  };
  inSlices(&Data::instances,
           [&](const std::string& id, const ContainerInstance& instance, std::size_t& work) {
             return instanceAgrees(data_, id, instance, work);
           });
  inSlices(&Data::clusters, [&](const std::string& name, const Cluster&, std::size_t& work) {
    return clusterAgrees(data_, name, work);
  });
  if (longestSlice) *longestSlice = longest;
  return differing;
}

}  // namespace ecsd
