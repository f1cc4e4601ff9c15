// What the agent needs from a container engine, as a plain interface: the
// Docker Engine API implements it (docker_runtime.h) and unit tests use a
// fake. Every call blocks until the engine has answered.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ecsd/result.h"

namespace ecsd::agent {

// Error types a runtime answers with. The CannotXxxError names are the ones
// Amazon ECS puts in a container's or task's reason ("CannotPullContainerError:
// ..."), so the engine passes them on as they are.
namespace runtime_errors {
inline constexpr const char* kCannotPull = "CannotPullContainerError";
inline constexpr const char* kCannotCreate = "CannotCreateContainerError";
inline constexpr const char* kCannotStart = "CannotStartContainerError";
inline constexpr const char* kCannotInspect = "CannotInspectContainerError";
inline constexpr const char* kCannotStop = "CannotStopContainerError";
inline constexpr const char* kCannotRemove = "CannotRemoveContainerError";
inline constexpr const char* kCannotList = "CannotListContainersError";
// The container does not exist (any call naming one).
inline constexpr const char* kNoSuchContainer = "NoSuchContainer";
// The engine cannot be reached at all (socket missing, refused, reset).
inline constexpr const char* kUnavailable = "DockerUnavailable";
}  // namespace runtime_errors

struct PortBinding {
  std::uint16_t containerPort = 0;
  std::uint16_t hostPort = 0;    // 0 in a ContainerConfig: the engine picks one
  std::string protocol = "tcp";  // "tcp" or "udp"
};

// One container to create.
struct ContainerConfig {
  std::string name;                     // the engine's container name, unique on the host
  std::string image;                    // "busybox:latest", "registry:5000/team/app:1"
  std::vector<std::string> entryPoint;  // empty: the image's
  std::vector<std::string> command;     // empty: the image's
  std::vector<std::pair<std::string, std::string>> environment;
  std::vector<std::string> links;                    // "<engine name of the target>:<alias>"
  std::vector<PortBinding> portBindings;             // published on all host addresses
  std::optional<std::int64_t> memoryMiB;             // hard limit
  std::optional<std::int64_t> memoryReservationMiB;  // soft limit
  std::int64_t cpuShares = 0;  // 0: the engine's default; otherwise at least 2
  std::string networkMode;     // "bridge", "host", "none"; empty: the engine's default
  std::string workingDirectory;
  std::string user;
  std::string hostname;
  bool privileged = false;
  bool readonlyRootFilesystem = false;
  std::map<std::string, std::string> labels;
};

// A container as the engine sees it now.
struct ContainerState {
  std::string id;
  std::string name;  // without the leading '/'
  std::map<std::string, std::string> labels;
  bool running = false;
  bool exited = false;  // it ran and stopped (exitCode is set)
  std::optional<int> exitCode;
  bool oomKilled = false;
  std::string error;                      // the engine's own error text, if any
  std::vector<PortBinding> portBindings;  // as bound on the host (real host ports)
};

class ContainerRuntime {
 public:
  virtual ~ContainerRuntime() = default;

  // The engine's version, e.g. "20.10.24" (also a reachability check).
  virtual Result<std::string> version() = 0;

  // Makes the image available: nothing to do when it is already local,
  // otherwise pulled from its registry. Errors: kCannotPull.
  virtual Status pullImage(const std::string& image) = 0;

  // Creates (does not start) the container; returns its id.
  // Errors: kCannotCreate (a name already taken says so in the message).
  virtual Result<std::string> createContainer(const ContainerConfig& config) = 0;

  // Errors: kCannotStart (e.g. a host port already taken), kNoSuchContainer.
  virtual Status startContainer(const std::string& id) = 0;

  // Errors: kCannotInspect, kNoSuchContainer.
  virtual Result<ContainerState> inspectContainer(const std::string& id) = 0;

  // Waits up to `timeout` for the container to be not running. Returns its
  // exit code once it has stopped (at once if it already has), nullopt when
  // the timeout passed first. Errors: kNoSuchContainer, kUnavailable.
  virtual Result<std::optional<int>> waitContainer(const std::string& id,
                                                   std::chrono::milliseconds timeout) = 0;

  // SIGTERM, then SIGKILL after `timeout`. A container already stopped is
  // fine. Errors: kCannotStop, kNoSuchContainer.
  virtual Status stopContainer(const std::string& id, std::chrono::seconds timeout) = 0;

  // Removes a stopped container (and its anonymous volumes). Errors:
  // kCannotRemove, kNoSuchContainer.
  virtual Status removeContainer(const std::string& id) = 0;

  // Every container, running or not, carrying this label ("key=value").
  // Errors: kCannotList, kUnavailable.
  virtual Result<std::vector<ContainerState>> listContainers(const std::string& label) = 0;
};

}  // namespace ecsd::agent
