#include "agent/host_resources.h"

#include <fstream>
#include <sstream>
#include <thread>

namespace ecsd::agent {

int hostCpuUnits() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) * 1024;
}

std::optional<std::int64_t> memTotalMiB(const std::string& meminfo) {
  std::istringstream lines(meminfo);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("MemTotal:")) continue;
    std::istringstream fields(line.substr(9));
    std::int64_t kibibytes = 0;
    std::string unit;
    if (fields >> kibibytes >> unit && unit == "kB" && kibibytes > 0) return kibibytes / 1024;
    return std::nullopt;
  }
  return std::nullopt;
}

std::int64_t hostMemoryMiB() {
  std::ifstream file("/proc/meminfo");
  std::stringstream text;
  text << file.rdbuf();
  return memTotalMiB(text.str()).value_or(0);
}

}  // namespace ecsd::agent
