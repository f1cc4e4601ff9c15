// One task on this host: drives its containers toward the desired status
// through the runtime, on a thread of its own, and reports every change.
//
// Start: containers are pulled, created and started in link order; each
// started container gets a watcher thread that waits for it to exit. A
// failure to pull, create or start stops what was started and the task is
// STOPPED with the runtime's reason. Then:
//  - an essential container exiting stops the others and the task
//    ("Essential container in task exited");
//  - a non-essential one exiting is reported and the task goes on;
//  - desired STOPPED stops every container (each with its stop timeout).
// A task that stops on its own (an exit, a failure to start) has its
// desired status turned to STOPPED as well, as the Amazon ECS agent does.
// Shutting the runner down (agent exit) leaves the containers as they are,
// so a restarted agent adopts them again.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/runtime/container_runtime.h"
#include "agent/state_change.h"
#include "agent/task_spec.h"
#include "ecsd/clock.h"

namespace ecsd::agent {

using StateSink = std::function<void(TaskStateChange)>;

struct RunnerSettings {
  std::string cluster;               // for the containers' labels
  std::string containerInstanceArn;  // labels the containers this agent owns
  std::chrono::seconds stopTimeout{30};
  // How long one wait for a container's exit may block before the watcher
  // checks whether it should give up (agent exit). Each slice costs Docker a
  // request or two per running container; an agent exit waits up to one.
  std::chrono::milliseconds watchSlice{5000};
  // Delay before retrying the runtime after it was unreachable.
  std::chrono::milliseconds runtimeRetry{1000};
};

// Labels every container the agent creates carries (the Amazon ECS agent's
// names, and ecsd's own for the owning instance).
namespace labels {
inline constexpr const char* kTaskArn = "com.amazonaws.ecs.task-arn";
inline constexpr const char* kContainerName = "com.amazonaws.ecs.container-name";
inline constexpr const char* kCluster = "com.amazonaws.ecs.cluster";
inline constexpr const char* kFamily = "com.amazonaws.ecs.task-definition-family";
inline constexpr const char* kVersion = "com.amazonaws.ecs.task-definition-version";
inline constexpr const char* kContainerInstance = "ecsd.container-instance-arn";
}  // namespace labels

// What /v1/tasks shows of a task.
struct TaskSnapshot {
  struct Container {
    std::string name;
    std::string dockerId;
    std::string dockerName;
    std::string knownStatus;
    std::optional<int> exitCode;
    std::vector<PortBinding> ports;
  };
  std::string arn;
  std::string family;
  std::string version;
  std::string desiredStatus;  // "RUNNING", or "STOPPED" once asked to stop or stopping
  std::string knownStatus;    // "PENDING", "RUNNING" or "STOPPED"
  std::vector<Container> containers;
};

class TaskRunner {
 public:
  // recovered: this task's containers found in the runtime after an agent
  // restart (adopted instead of created). Starts the runner's thread.
  TaskRunner(TaskSpec spec, std::vector<ContainerState> recovered, ContainerRuntime& runtime,
             StateSink report, const Clock& clock, RunnerSettings settings);
  ~TaskRunner();  // shutdown(), then joins every thread

  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  // The task is to stop. Idempotent; never undone.
  void stop();
  // Ends the runner's threads without touching the containers.
  void shutdown();

  // Once STOPPED is reported: when it was (steady clock).
  std::optional<std::chrono::steady_clock::time_point> stoppedAt() const;
  // Removes the containers of a STOPPED task. REQUIRES: stoppedAt().
  void removeContainers();

  TaskSnapshot snapshot() const;
  const std::string& arn() const { return spec_.arn; }

  // The engine's name for one of the task's containers.
  static std::string containerName(const TaskSpec& task, const ContainerSpec& container);

 private:
  struct Container {
    const ContainerSpec* spec = nullptr;
    std::string id;
    std::string name;
    std::string status = "PENDING";  // PENDING, CREATED, RUNNING, STOPPED
    std::optional<int> exitCode;
    std::string reason;
    std::vector<PortBinding> bindings;
    std::thread watcher;
  };
  struct Exit {
    std::string container;
    std::optional<int> exitCode;
    std::string reason;
  };

  void run();
  // Adopts recovered containers; returns false when the task cannot go on.
  bool adopt(std::vector<ContainerState> recovered);
  // Pulls, creates and starts what is not running yet; false on failure
  // (the failed container's reason is set).
  bool startContainers();
  bool startContainer(Container& container);
  void watch(Container& container);
  void onExit(const Exit& exit);  // on the runner's thread
  void stopContainers();
  void readBindings(Container& container);

  void reportRunning();
  void reportContainerStopped(const Container& container);
  void reportStopped(const std::string& reason);
  ContainerStateChange change(const Container& container) const;

  Container* find(const std::string& name);
  bool stopRequested() const;
  ContainerConfig configFor(const Container& container) const;

  const TaskSpec spec_;
  ContainerRuntime& runtime_;
  const StateSink report_;
  const Clock& clock_;
  const RunnerSettings settings_;

  mutable std::mutex mutex_;  // guards what follows and the containers' state
  std::condition_variable wake_;
  std::vector<Container> containers_;
  std::deque<Exit> exits_;
  std::string knownStatus_ = "PENDING";
  bool stopRequested_ = false;
  bool shutdown_ = false;
  std::optional<std::chrono::steady_clock::time_point> stoppedAt_;
  std::optional<double> pullStartedAt_, pullStoppedAt_;

  std::vector<ContainerState> recovered_;
  std::thread thread_;
};

}  // namespace ecsd::agent
