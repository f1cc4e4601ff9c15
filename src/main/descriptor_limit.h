// Every connection is a descriptor. With a connection cap above the
// open-files limit, accept() would fail (EMFILE) and new clients wait in the
// backlog, where under the cap they are refused at once and the descriptors
// ecsd needs itself (the database, its WAL, the log) stay free.
#pragma once

#include <cstddef>

#include "server/http_server.h"

namespace ecsd {

// Descriptors kept for ecsd's own use beside its connections.
inline constexpr std::size_t kReservedDescriptors = 64;

// Raises the soft open-files limit to the hard one (as Go's runtime does for
// its servers), then lowers limits.maxConnections to what fits under it,
// saying so in the log.
void fitConnectionsToDescriptors(server::Limits& limits);

}  // namespace ecsd
