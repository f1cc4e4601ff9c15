// The service scheduler: keeps every service at its desired state. It starts
// the tasks a service lacks (placed as RunTask places them, in the group
// "service:NAME", startedBy its deployment's id; a DAEMON service's one on
// each instance that admits it), stops surplus ones,
// replaces tasks that stop, and rolls deployments within the service's
// minimum healthy and maximum percent, with ECS's circuit breaker.
//
// It works only on services something happened to: a commit that touched a
// service, one of its tasks or an instance its tasks are on wakes that
// service (State::onApplied), an instance's change wakes the DAEMON services
// of its cluster, and a service waiting (backoff, capacity) wakes
// when its time comes. A service with nothing to do costs nothing. Every
// decision is one write through the state's one write path, durable before
// any agent hears of it, so a restart carries on from what was committed and
// never starts more than maximumPercent allows.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "operations/router.h"

namespace ecsd::operations {

class ServiceScheduler {
 public:
  using Key = std::pair<std::string, std::string>;  // cluster, service name

  explicit ServiceScheduler(Services services);
  ~ServiceScheduler();
  ServiceScheduler(const ServiceScheduler&) = delete;
  ServiceScheduler& operator=(const ServiceScheduler&) = delete;

  // What a commit changed (the state's onApplied listener): the services it
  // touches are due. Quick, and reads no state.
  void changed(const ChangeSet& changes);

  // Runs every service that is due now, once each (its write, then its
  // agents' deliveries). Returns how many ran. For the thread and for tests.
  int runDue();

  // Every ACTIVE or DRAINING service is due (at start: carry on where the
  // last run stopped).
  void wakeAll();

  // Runs runDue on its own thread whenever something is due, until stop().
  void start();
  void stop();

 private:
  // One service's pass: its write, and when it wants to be looked at again
  // (0: only when something changes).
  double reconcile(const Key& key);
  void wakeAt(const Key& key, double when);

  Services s_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::set<Key> due_;
  std::set<std::string> changedInstances_;  // their services' tasks are due
  std::set<std::string> clustersWithChangedInstances_;
  std::set<std::pair<double, Key>> timers_;  // by when
  std::map<Key, double> timerOf_;            // each waiting service's time
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ecsd::operations
