// CPU, memory and host ports: what an instance offers and a task holds.
#pragma once

#include <cstdint>
#include <vector>

namespace ecsd {

using PortList = std::vector<std::uint16_t>;  // sorted, unique

// The resources binpack can pack by.
enum class Resource { Cpu, Memory };

struct Resources {
  std::int64_t cpu = 0;     // CPU units, 1024 per core
  std::int64_t memory = 0;  // MiB
  PortList tcpPorts;
  PortList udpPorts;
};

}  // namespace ecsd
