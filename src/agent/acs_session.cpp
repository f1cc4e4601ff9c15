#include "agent/acs_session.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "common/json_member.h"
#include "common/logging.h"
#include "protocol/percent_encoding.h"

namespace ecsd::agent {
namespace {

using nlohmann::json;
using protocol::percentEncode;

std::string frame(const char* type, json message) {
  return json{{"type", type}, {"message", std::move(message)}}.dump();
}

// Refusals that retrying will not mend (api/agent-protocol.md, "Refusals").
bool terminal(const Error& error) {
  return error.type == "InactiveInstanceException" || error.type == "ClusterNotFoundException" ||
         error.type == "InvalidParameterException" || error.type == "BadRequest";
}

}  // namespace

AcsSession::AcsSession(SessionIdentity identity, EndpointSource endpoint, Connector connect,
                       TaskSink tasks, SessionTiming timing)
    : identity_(std::move(identity)),
      endpoint_(std::move(endpoint)),
      connect_(std::move(connect)),
      tasks_(std::move(tasks)),
      timing_(timing) {}

std::string AcsSession::sessionUrl(const std::string& endpoint) const {
  std::string base = endpoint;
  while (base.ends_with('/')) base.pop_back();
  if (base.starts_with("https://")) {
    base = "wss://" + base.substr(8);
  } else if (base.starts_with("http://")) {
    base = "ws://" + base.substr(7);
  }
  std::string url = base + "/ws?clusterArn=" + percentEncode(identity_.clusterArn);
  url += "&containerInstanceArn=" + percentEncode(identity_.containerInstanceArn);
  url += "&agentVersion=" + percentEncode(identity_.agentVersion);
  url += "&agentHash=" + percentEncode(identity_.agentHash);
  url += "&dockerVersion=" + percentEncode(identity_.dockerVersion);
  url += "&protocolVersion=2&sendCredentials=true&seqNum=";
  url += std::to_string(std::max<std::int64_t>(highestSeqNum_, 1));
  return url;
}

Status AcsSession::run(const StopSignal& stop) {
  Backoff backoff(timing_.firstRetry, timing_.maxRetry);
  while (!stop.stopped()) {
    const std::string url = sessionUrl(endpoint_());
    auto connection = connect_(url);
    if (!connection) {
      const Error& error = connection.error();
      if (terminal(error)) {
        spdlog::error("msg=\"Session refused\" module=ACSSession error={} message={}", error.type,
                      logging::quote(error.message));
        return error;
      }
      const auto delay = backoff.next();
      spdlog::warn(
          "msg=\"Cannot connect to ecsd, retrying\" module=ACSSession error={} "
          "message={} retry_in_ms={}",
          error.type, logging::quote(error.message), delay.count());
      stop.sleepFor(delay);
      continue;
    }
    spdlog::info("msg=\"Connected to ecsd\" module=ACSSession instance={}",
                 identity_.containerInstanceArn);
    backoff.reset();
    serve(**connection, stop);
    (*connection)->close();
    if (!stop.stopped()) stop.sleepFor(backoff.next());
  }
  return {};
}

void AcsSession::serve(WebSocketConnection& connection, const StopSignal& stop) {
  auto lastHeard = std::chrono::steady_clock::now();
  while (!stop.stopped()) {
    auto text = connection.read(timing_.readSlice);
    if (!text) {
      spdlog::warn("msg=\"Session closed\" module=ACSSession message={}",
                   logging::quote(text.error().message));
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!*text) {
      if (now - lastHeard > timing_.silenceLimit) {
        spdlog::warn(
            "msg=\"Nothing heard from ecsd, reconnecting\" module=ACSSession "
            "silent_ms={}",
            std::chrono::duration_cast<std::chrono::milliseconds>(now - lastHeard).count());
        return;
      }
      continue;
    }
    lastHeard = now;
    if (auto answer = handleFrame(**text)) {
      if (auto written = connection.write(*answer); !written) return;
    }
  }
}

std::optional<std::string> AcsSession::handleFrame(std::string_view text) {
  const json frameJson = json::parse(text, nullptr, false);
  const json* message = member(frameJson, "message");
  if (message == nullptr || !message->is_object()) {
    spdlog::debug("msg=\"Frame ignored\" module=ACSSession reason=malformed");
    return std::nullopt;
  }
  const std::string typeName = stringMember(frameJson, "type");
  const std::string messageId = stringMember(*message, "messageId");
  if (typeName == "HeartbeatMessage") {
    return frame("HeartbeatAckRequest", {{"messageId", messageId}});
  }
  if (typeName != "PayloadMessage") {
    spdlog::debug("msg=\"Frame ignored\" module=ACSSession type={}", logging::quote(typeName));
    return std::nullopt;
  }
  const json* seqNum = member(*message, "seqNum");
  const std::int64_t sequence =
      seqNum != nullptr && seqNum->is_number_integer() ? seqNum->get<std::int64_t>() : 0;
  if (sequence == 0 || sequence > highestSeqNum_) {
    std::vector<TaskSpec> tasks;
    for (const json& entry : listMember(*message, "tasks")) {
      auto task = parseTaskSpec(entry);
      if (!task) {
        spdlog::error("msg=\"Task entry ignored\" module=ACSSession message={}",
                      logging::quote(task.error().message));
        continue;
      }
      tasks.push_back(std::move(*task));
    }
    spdlog::info("msg=\"Payload received\" module=ACSSession message_id={} seq_num={} tasks={}",
                 messageId, sequence, tasks.size());
    tasks_(tasks);
    highestSeqNum_ = std::max(highestSeqNum_, sequence);
  }
  return frame("AckRequest", {{"messageId", messageId},
                              {"cluster", identity_.clusterArn},
                              {"containerInstance", identity_.containerInstanceArn}});
}

}  // namespace ecsd::agent
