// The Docker Engine API (v1.41) over a unix socket, as a ContainerRuntime.
#pragma once

#include <memory>
#include <string>

#include "agent/runtime/container_runtime.h"

namespace ecsd::agent {

// dockerHost: "unix:///var/run/docker.sock" (the DOCKER_HOST form) or a bare
// socket path. Thread-safe: each call uses a connection of its own.
Result<std::unique_ptr<ContainerRuntime>> makeDockerRuntime(const std::string& dockerHost);

}  // namespace ecsd::agent
