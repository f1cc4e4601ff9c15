#include "agent/task_runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "agent/backoff.h"
#include "common/logging.h"

namespace ecsd::agent {
namespace {

constexpr const char* kEssentialExited = "Essential container in task exited";
constexpr const char* kOutOfMemory = "OutOfMemoryError: Container killed due to memory usage";

std::string describe(const Error& error) { return error.type + ": " + error.message; }

// Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*.
std::string engineSafe(std::string text) {
  for (char& c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') c = '-';
  }
  return text;
}

}  // namespace

std::string TaskRunner::containerName(const TaskSpec& task, const ContainerSpec& container) {
  // The Amazon ECS agent's pattern: ecs-FAMILY-REVISION-NAME-<unique>.
  return engineSafe("ecs-" + task.family + "-" + task.version + "-" + container.name + "-" +
                    task.id().substr(0, 20));
}

TaskRunner::TaskRunner(TaskSpec spec, std::vector<ContainerState> recovered,
                       ContainerRuntime& runtime, StateSink report, const Clock& clock,
                       RunnerSettings settings)
    : spec_(std::move(spec)),
      runtime_(runtime),
      report_(std::move(report)),
      clock_(clock),
      settings_(std::move(settings)),
      containers_(spec_.containers.size()),
      stopRequested_(spec_.desiredStatus == "STOPPED"),
      recovered_(std::move(recovered)) {
  for (std::size_t i = 0; i < containers_.size(); ++i) {
    containers_[i].spec = &spec_.containers[i];
    containers_[i].name = containerName(spec_, spec_.containers[i]);
  }
  thread_ = std::thread([this] { run(); });
}

TaskRunner::~TaskRunner() {
  shutdown();
  if (thread_.joinable()) thread_.join();
  for (auto& container : containers_) {
    if (container.watcher.joinable()) container.watcher.join();
  }
}

void TaskRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopRequested_ = true;
  }
  wake_.notify_all();
}

void TaskRunner::shutdown() {
  {
    std::lock_guard lock(mutex_);
    shutdown_ = true;
  }
  wake_.notify_all();
}

bool TaskRunner::stopRequested() const {
  std::lock_guard lock(mutex_);
  return stopRequested_ || shutdown_;
}

std::optional<std::chrono::steady_clock::time_point> TaskRunner::stoppedAt() const {
  std::lock_guard lock(mutex_);
  return stoppedAt_;
}

TaskRunner::Container* TaskRunner::find(const std::string& name) {
  for (auto& container : containers_) {
    if (container.spec->name == name) return &container;
  }
  return nullptr;
}

void TaskRunner::run() {
  spdlog::info("msg=\"Task change event\" module=TaskEngine task={} desired={} recovered={}",
               spec_.arn, spec_.desiredStatus, recovered_.size());
  bool started = recovered_.empty() || adopt(std::move(recovered_));
  std::string reason;
  if (started && !stopRequested()) {
    started = startContainers();
    if (started && !stopRequested()) reportRunning();
  }
  if (!started) {
    for (const auto& container : containers_) {
      if (!container.reason.empty()) reason = container.reason;
    }
  }
  while (started) {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [this] { return shutdown_ || stopRequested_ || !exits_.empty(); });
    if (shutdown_) return;
    if (exits_.empty()) break;  // stop requested
    const Exit exit = std::move(exits_.front());
    exits_.pop_front();
    lock.unlock();
    onExit(exit);
    lock.lock();
    const bool essentialStopped =
        std::any_of(containers_.begin(), containers_.end(),
                    [](const Container& c) { return c.spec->essential && c.status == "STOPPED"; });
    const bool allStopped = std::all_of(containers_.begin(), containers_.end(),
                                        [](const Container& c) { return c.status == "STOPPED"; });
    if (essentialStopped || allStopped) {
      reason = essentialStopped ? kEssentialExited : "All containers in task exited";
      break;
    }
  }
  {
    std::lock_guard lock(mutex_);
    if (shutdown_) return;
    // Stopping on its own (an essential exit, a failure to start) makes the
    // task's desired status STOPPED, as the Amazon ECS agent does.
    stopRequested_ = true;
  }
  stopContainers();
  reportStopped(reason);
}

bool TaskRunner::adopt(std::vector<ContainerState> recovered) {
  for (auto& state : recovered) {
    Container* container = find(state.labels[labels::kContainerName]);
    if (container == nullptr) continue;
    std::lock_guard lock(mutex_);
    container->id = state.id;
    container->bindings = state.portBindings;
    if (state.running) {
      container->status = "RUNNING";
    } else if (state.exited) {
      // Exited while the agent was away: handled like any exit, after start.
      container->status = "RUNNING";
      exits_.push_back(
          {container->spec->name, state.exitCode, state.oomKilled ? kOutOfMemory : ""});
    } else {
      container->status = "CREATED";
    }
    spdlog::info("msg=\"Container adopted\" module=TaskEngine task={} container={} id={} status={}",
                 spec_.arn, container->spec->name, state.id.substr(0, 12), container->status);
  }
  for (auto& container : containers_) {
    if (container.status == "RUNNING") {
      container.watcher = std::thread([this, &container] { watch(container); });
    }
  }
  return true;
}

bool TaskRunner::startContainers() {
  auto order = startOrder(spec_);
  if (!order) {
    std::lock_guard lock(mutex_);
    containers_.front().reason = "CannotCreateContainerError: " + order.error().message;
    return false;
  }
  for (const ContainerSpec* spec : *order) {
    if (stopRequested()) return true;  // the stop path takes over
    Container& container = *find(spec->name);
    if (container.status == "RUNNING" || container.status == "STOPPED") continue;
    if (!startContainer(container)) return false;
  }
  for (auto& container : containers_) {
    if (container.status == "RUNNING") readBindings(container);
  }
  return true;
}

bool TaskRunner::startContainer(Container& container) {
  const auto fail = [&](const Error& error) {
    spdlog::warn(
        "msg=\"Container failed\" module=TaskEngine task={} container={} error={} "
        "message={}",
        spec_.arn, container.spec->name, error.type, logging::quote(error.message));
    std::lock_guard lock(mutex_);
    container.reason = describe(error);
    return false;
  };
  if (container.status == "PENDING") {
    spdlog::info("msg=\"Pulling image\" module=TaskEngine task={} container={} image={}", spec_.arn,
                 container.spec->name, logging::quote(container.spec->image));
    if (!pullStartedAt_) pullStartedAt_ = clock_.epochSeconds();
    if (auto pulled = runtime_.pullImage(container.spec->image); !pulled) {
      return fail(pulled.error());
    }
    pullStoppedAt_ = clock_.epochSeconds();
    auto created = runtime_.createContainer(configFor(container));
    if (!created) return fail(created.error());
    std::lock_guard lock(mutex_);
    container.id = *created;
    container.status = "CREATED";
  }
  if (auto started = runtime_.startContainer(container.id); !started) {
    return fail(started.error());
  }
  {
    std::lock_guard lock(mutex_);
    container.status = "RUNNING";
  }
  spdlog::info(
      "msg=\"Container change event\" module=TaskEngine task={} container={} id={} "
      "status=RUNNING",
      spec_.arn, container.spec->name, container.id.substr(0, 12));
  container.watcher = std::thread([this, &container] { watch(container); });
  return true;
}

ContainerConfig TaskRunner::configFor(const Container& container) const {
  const ContainerSpec& spec = *container.spec;
  ContainerConfig config;
  config.name = container.name;
  config.image = spec.image;
  config.entryPoint = spec.entryPoint;
  config.command = spec.command;
  config.environment = spec.environment;
  for (const auto& link : spec.links) {
    const auto colon = link.find(':');
    const std::string target = link.substr(0, colon);
    const std::string alias = colon == std::string::npos ? target : link.substr(colon + 1);
    config.links.push_back(containerName(spec_, *spec_.container(target)) + ":" + alias);
  }
  config.portBindings = spec.portMappings;
  config.memoryMiB = spec.memory;
  config.memoryReservationMiB = spec.memoryReservation;
  config.cpuShares = spec.cpu > 0 ? std::max<std::int64_t>(2, spec.cpu) : 0;
  if (spec_.networkMode == "bridge" || spec_.networkMode == "host" || spec_.networkMode == "none") {
    config.networkMode = spec_.networkMode;
  }
  config.workingDirectory = spec.workingDirectory;
  config.user = spec.user;
  config.hostname = spec.hostname;
  config.privileged = spec.privileged;
  config.readonlyRootFilesystem = spec.readonlyRootFilesystem;
  config.labels = spec.dockerLabels;
  config.labels[labels::kTaskArn] = spec_.arn;
  config.labels[labels::kContainerName] = spec.name;
  config.labels[labels::kCluster] = settings_.cluster;
  config.labels[labels::kFamily] = spec_.family;
  config.labels[labels::kVersion] = spec_.version;
  config.labels[labels::kContainerInstance] = settings_.containerInstanceArn;
  return config;
}

void TaskRunner::readBindings(Container& container) {
  auto state = runtime_.inspectContainer(container.id);
  if (!state) return;
  std::lock_guard lock(mutex_);
  container.bindings = state->portBindings;
}

// On a thread of its own per running container: waits for its exit in
// slices (so an agent exit is noticed), riding out a runtime that is away.
void TaskRunner::watch(Container& container) {
  Backoff backoff(settings_.runtimeRetry, std::chrono::seconds(30));
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (shutdown_) return;
    }
    auto waited = runtime_.waitContainer(container.id, settings_.watchSlice);
    Exit exit{container.spec->name, std::nullopt, ""};
    if (waited && !*waited) {
      backoff.reset();
      continue;
    }
    if (waited) {
      exit.exitCode = **waited;
    } else if (waited.error().type == runtime_errors::kNoSuchContainer) {
      exit.reason = "DockerStateError: the container no longer exists";
    } else {
      spdlog::warn(
          "msg=\"Cannot watch container\" module=TaskEngine task={} container={} "
          "error={} message={}",
          spec_.arn, container.spec->name, waited.error().type,
          logging::quote(waited.error().message));
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, backoff.next(), [this] { return shutdown_; });
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      exits_.push_back(std::move(exit));
    }
    wake_.notify_all();
    return;
  }
}

void TaskRunner::onExit(const Exit& exit) {
  Container* container = find(exit.container);
  {
    std::lock_guard lock(mutex_);
    if (container == nullptr || container->status == "STOPPED") return;
  }
  std::string reason = exit.reason;
  if (auto state = runtime_.inspectContainer(container->id); state && state->oomKilled) {
    reason = kOutOfMemory;
  }
  {
    std::lock_guard lock(mutex_);
    container->status = "STOPPED";
    container->exitCode = exit.exitCode;
    container->reason = reason;
  }
  spdlog::info(
      "msg=\"Container change event\" module=TaskEngine task={} container={} "
      "status=STOPPED exit_code={} essential={}",
      spec_.arn, container->spec->name, exit.exitCode ? std::to_string(*exit.exitCode) : "none",
      container->spec->essential);
  if (!container->spec->essential) reportContainerStopped(*container);
}

void TaskRunner::stopContainers() {
  Backoff backoff(settings_.runtimeRetry, std::chrono::seconds(30));
  for (auto it = containers_.rbegin(); it != containers_.rend(); ++it) {
    Container& container = *it;
    if (container.status == "RUNNING" || container.status == "CREATED") {
      const auto timeout = container.spec->stopTimeoutSeconds
                               ? std::chrono::seconds(*container.spec->stopTimeoutSeconds)
                               : settings_.stopTimeout;
      // A container that cannot be stopped now (the runtime is away) is not
      // reported stopped: retry until it is, or the agent exits.
      while (true) {
        auto stopped = runtime_.stopContainer(container.id, timeout);
        if (stopped || stopped.error().type == runtime_errors::kNoSuchContainer) break;
        spdlog::warn(
            "msg=\"Cannot stop container\" module=TaskEngine task={} container={} "
            "error={} message={}",
            spec_.arn, container.spec->name, stopped.error().type,
            logging::quote(stopped.error().message));
        std::unique_lock lock(mutex_);
        if (wake_.wait_for(lock, backoff.next(), [this] { return shutdown_; })) return;
      }
      auto state = runtime_.inspectContainer(container.id);
      std::lock_guard lock(mutex_);
      if (state && state->exited) container.exitCode = state->exitCode;
    }
    std::lock_guard lock(mutex_);
    container.status = "STOPPED";
  }
}

ContainerStateChange TaskRunner::change(const Container& container) const {
  return ContainerStateChange{container.spec->name, container.id,     container.status,
                              container.exitCode,   container.reason, container.bindings};
}

void TaskRunner::reportRunning() {
  TaskStateChange running{spec_.arn, "RUNNING", "", {}, pullStartedAt_, pullStoppedAt_, {}};
  {
    std::lock_guard lock(mutex_);
    knownStatus_ = "RUNNING";
    for (const auto& container : containers_) {
      if (container.status == "RUNNING") running.containers.push_back(change(container));
    }
  }
  spdlog::info("msg=\"Task change event\" module=TaskEngine task={} status=RUNNING", spec_.arn);
  report_(std::move(running));
}

void TaskRunner::reportContainerStopped(const Container& container) {
  TaskStateChange stopped{spec_.arn, std::nullopt, "", {}, {}, {}, {}};
  {
    std::lock_guard lock(mutex_);
    stopped.containers.push_back(change(container));
  }
  report_(std::move(stopped));
}

void TaskRunner::reportStopped(const std::string& reason) {
  TaskStateChange stopped{
      spec_.arn, "STOPPED", reason, {}, pullStartedAt_, pullStoppedAt_, clock_.epochSeconds()};
  {
    std::lock_guard lock(mutex_);
    knownStatus_ = "STOPPED";
    stoppedAt_ = std::chrono::steady_clock::now();
    for (const auto& container : containers_) stopped.containers.push_back(change(container));
  }
  spdlog::info("msg=\"Task change event\" module=TaskEngine task={} status=STOPPED reason={}",
               spec_.arn, logging::quote(reason));
  report_(std::move(stopped));
}

void TaskRunner::removeContainers() {
  shutdown();  // a watcher still waiting on an unreachable runtime gives up
  for (auto& container : containers_) {
    if (container.watcher.joinable()) container.watcher.join();
    if (container.id.empty()) continue;
    auto removed = runtime_.removeContainer(container.id);
    if (!removed && removed.error().type != runtime_errors::kNoSuchContainer) {
      spdlog::warn(
          "msg=\"Cannot remove container\" module=TaskEngine task={} container={} "
          "error={} message={}",
          spec_.arn, container.spec->name, removed.error().type,
          logging::quote(removed.error().message));
    }
  }
  spdlog::info("msg=\"Task cleaned up\" module=TaskEngine task={}", spec_.arn);
}

TaskSnapshot TaskRunner::snapshot() const {
  std::lock_guard lock(mutex_);
  TaskSnapshot out{spec_.arn,     spec_.family,
                   spec_.version, stopRequested_ ? "STOPPED" : "RUNNING",
                   knownStatus_,  {}};
  for (const auto& c : containers_) {
    out.containers.push_back({c.spec->name, c.id, c.name, c.status, c.exitCode, c.bindings});
  }
  return out;
}

}  // namespace ecsd::agent
