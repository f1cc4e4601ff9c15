#include "main/descriptor_limit.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/logging.h"

namespace ecsd {

void fitConnectionsToDescriptors(server::Limits& limits) {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0) {
    spdlog::warn("msg=\"cannot read the open-files limit\" error={}",
                 logging::quote(std::strerror(errno)));
    return;
  }
  if (files.rlim_cur < files.rlim_max) {
    rlimit raised = files;
    raised.rlim_cur = files.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) files = raised;
  }
  if (files.rlim_cur == RLIM_INFINITY) return;
  const auto fits = static_cast<std::size_t>(files.rlim_cur) > kReservedDescriptors
                        ? static_cast<std::size_t>(files.rlim_cur) - kReservedDescriptors
                        : std::size_t{1};
  if (limits.maxConnections <= fits) return;
  spdlog::info(
      "msg=\"connection cap lowered to fit the open-files limit\" max_connections={} "
      "asked={} open_files_limit={} reserved={}",
      fits, limits.maxConnections, files.rlim_cur, kReservedDescriptors);
  limits.maxConnections = fits;
}

}  // namespace ecsd
