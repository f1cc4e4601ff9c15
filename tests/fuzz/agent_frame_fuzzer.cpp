// Frames from an agent's sessions, as they arrive on an accepted WebSocket:
// the ACS session (acknowledgements, heartbeats, anything else) when the
// first byte is even, the telemetry session (a signed header block and a
// body) when it is odd. Any frame is handled or ignored, never a crash.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "dispatch/agent_sessions.h"
#include "dispatch/session_fakes.h"
#include "dispatch/telemetry_sessions.h"

namespace {

using namespace ecsd;
using namespace ecsd::dispatch::test_support;

struct Sessions {
  FakeControlPlane controlPlane;
  security::KeyRing keys;
  ManualClock clock{kTestStart};
  dispatch::AgentSessions acs{controlPlane, keys, {kRegion}, clock, kSettings};
  dispatch::TelemetrySessions telemetry{controlPlane, keys, {kRegion}, clock, 10s};
  std::shared_ptr<FakeChannel> acsChannel = std::make_shared<FakeChannel>();
  std::shared_ptr<FakeChannel> telemetryChannel = std::make_shared<FakeChannel>();
  std::shared_ptr<protocol::WebSocketPeer> acsPeer, telemetryPeer;

  Sessions() {
    keys.add({kKeyId, kSecret, "agent"});
    acsPeer = *acs.accept(signedUpgrade(sessionTarget(), clock.now()), acsChannel);
    const std::string target = std::string(dispatch::kTelemetryPath) +
                               "/ws?cluster=" + encode(kCluster) +
                               "&containerInstance=" + encode(kInstanceA);
    telemetryPeer = *telemetry.accept(signedUpgrade(target, clock.now()), telemetryChannel);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Sessions sessions;
  if (size == 0) return 0;
  const std::string_view frame(reinterpret_cast<const char*>(data + 1), size - 1);
  (data[0] % 2 == 0 ? sessions.acsPeer : sessions.telemetryPeer)->onText(frame);
  sessions.acsChannel->clear();
  sessions.telemetryChannel->clear();
  return 0;
}
