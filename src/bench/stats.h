// Numbers a scenario reports: latency percentiles, and what ecsd spent (CPU
// seconds and resident memory, read from /proc).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace ecsd::bench {

class Latencies {
 public:
  void add(std::chrono::nanoseconds latency) { samples_.push_back(latency.count()); }
  std::size_t count() const { return samples_.size(); }
  // The q-quantile (0 < q <= 1) in milliseconds; 0 when there are none.
  double quantileMs(double q) {
    if (samples_.empty()) return 0;
    std::sort(samples_.begin(), samples_.end());
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples_.size())));
    return static_cast<double>(samples_[std::clamp<std::size_t>(rank, 1, samples_.size()) - 1]) /
           1e6;
  }
  // The figures every scenario reports for a kind of call.
  nlohmann::json toJson() {
    return {{"calls", count()},
            {"p50_ms", quantileMs(0.5)},
            {"p99_ms", quantileMs(0.99)},
            {"p999_ms", quantileMs(0.999)},
            {"max_ms", quantileMs(1.0)}};
  }

 private:
  std::vector<std::int64_t> samples_;
};

// ecsd's CPU time and memory, from /proc/PID (zeros when there is no such process).
struct ProcessSample {
  double cpuSeconds = 0;
  std::int64_t rssKiB = 0;
  std::int64_t peakRssKiB = 0;

  static ProcessSample of(int pid) {
    ProcessSample sample;
    if (pid <= 0) return sample;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the command name, which may hold spaces: "(...) S ppid ...".
    const auto close = text.rfind(')');
    if (close != std::string::npos) {
      std::istringstream fields(text.substr(close + 2));
      std::string field;
      double utime = 0, stime = 0;
      for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) stime = std::stod(field);
      }
      sample.cpuSeconds = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.starts_with("VmRSS:")) sample.rssKiB = std::stoll(line.substr(6));
      if (line.starts_with("VmHWM:")) sample.peakRssKiB = std::stoll(line.substr(6));
    }
    return sample;
  }

  // What ecsd spent since `before`, and its memory now.
  nlohmann::json costSince(const ProcessSample& before) const {
    return {{"ecsd_cpu_seconds", cpuSeconds - before.cpuSeconds},
            {"ecsd_rss_mib", static_cast<double>(rssKiB) / 1024},
            {"ecsd_peak_rss_mib", static_cast<double>(peakRssKiB) / 1024}};
  }
};

}  // namespace ecsd::bench
