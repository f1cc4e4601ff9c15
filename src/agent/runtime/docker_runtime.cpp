// The Docker Engine API v1.41 over its unix socket. The agent's only Beast
// code for Docker: each call opens a connection of its own on an io_context of
// its own and runs it for at most the call's deadline, so calls from many
// threads never share state and a hung dockerd never hangs a caller.
#include "agent/runtime/docker_runtime.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <charconv>
#include <exception>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "common/logging.h"
#include "protocol/percent_encoding.h"

namespace ecsd::agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace errors = runtime_errors;
using nlohmann::json;
using protocol::percentEncode;
using UnixSocket = asio::local::stream_protocol;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

constexpr std::string_view kApiPrefix = "/v1.41";
constexpr milliseconds kCallTimeout = 60s;
// A stop may wait the whole stop timeout, then for the kill to land.
constexpr milliseconds kStopMargin = 30s;
// A pull of a big image takes long; one that moves no byte for minutes is stuck.
constexpr milliseconds kPullTimeout = 2h;
constexpr milliseconds kPullIdleTimeout = 5min;
// Inspect and list answers are small; this only bounds a confused peer.
constexpr std::uint64_t kMaxBodyBytes = 64 * 1024 * 1024;
// An Error's httpStatus when Docker did not answer at all, or not in time.
constexpr int kUnreachableStatus = 503;
constexpr int kTimeoutStatus = 504;

struct Request {
  http::verb method;
  std::string target;  // after the API version: "/containers/json?all=true"
  std::string body;    // JSON, or empty
};

struct Reply {
  unsigned status = 0;
  std::string body;
  bool success() const { return status / 100 == 2; }
};

struct Deadline {
  milliseconds total = kCallTimeout;
  milliseconds idle{0};  // > 0: give up as well when no body byte came for this long
};

// Receives a streamed (chunked) body piece by piece instead of keeping it.
using ChunkSink = std::function<void(std::string_view)>;

// Docker's own words for a failure ({"message": "..."}), else the status and body.
std::string dockerMessage(const Reply& reply) {
  const json body = json::parse(reply.body, nullptr, false);
  if (body.is_object() && body.contains("message") && body["message"].is_string()) {
    return body["message"].get<std::string>();
  }
  std::string text = "Docker answered HTTP " + std::to_string(reply.status);
  if (!reply.body.empty()) text += ": " + reply.body.substr(0, 512);
  return text;
}

Error replyError(const Reply& reply, const char* type) {
  return Error{type, dockerMessage(reply), static_cast<int>(reply.status)};
}

// For calls naming a container: 404 means it does not exist.
Error containerError(const Reply& reply, const char* type) {
  return replyError(reply, reply.status == 404 ? errors::kNoSuchContainer : type);
}

// Container ids and image references go into the path as Docker's own client
// puts them: '/', ':' and '@' are part of an image reference.
std::string pathPart(std::string_view value) { return percentEncode(value, "/:@"); }

// Runs `io` until `done`, the total deadline, or (with an idle limit) a stretch
// without progress. Returns whether the exchange finished.
bool runWithin(asio::io_context& io, const bool& done, const std::uint64_t& progress,
               Deadline deadline) {
  const auto end = Clock::now() + deadline.total;
  while (!done) {
    auto slice = std::chrono::ceil<milliseconds>(end - Clock::now());
    if (slice <= 0ms) return false;
    if (deadline.idle > 0ms) slice = std::min(slice, deadline.idle);
    const std::uint64_t before = progress;
    io.run_for(slice);
    if (!done && deadline.idle > 0ms && progress == before) return false;
  }
  return true;
}

// One HTTP/1.1 exchange on a fresh connection to the socket. Transport
// failures and timeouts are kUnavailable errors (httpStatus 503 and 504).
Result<Reply> exchange(const std::string& socketPath, const Request& request, Deadline deadline,
                       const ChunkSink& sink) {
  asio::io_context io;
  UnixSocket::socket socket(io);
  http::request<http::string_body> message(request.method, std::string(kApiPrefix) + request.target,
                                           11);
  message.set(http::field::host, "docker");
  message.set(http::field::user_agent, "ecs-agent");
  message.keep_alive(false);
  if (!request.body.empty()) message.set(http::field::content_type, "application/json");
  message.body() = request.body;
  message.prepare_payload();

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBodyBytes);
  std::uint64_t progress = 0;
  // The parser keeps a reference to this: with it, chunked body bytes go to
  // the sink instead of into the body.
  auto onChunk = [&](std::uint64_t, beast::string_view data, beast::error_code&) {
    progress += data.size();
    sink(std::string_view(data.data(), data.size()));
    return data.size();
  };
  if (sink) parser.on_chunk_body(onChunk);

  beast::error_code failure;
  const char* stage = "connect";
  bool done = false;
  auto finish = [&](beast::error_code ec) {
    failure = ec;
    done = true;
  };
  socket.async_connect(UnixSocket::endpoint(socketPath), [&](beast::error_code ec) {
    if (ec) return finish(ec);
    stage = "send";
    http::async_write(socket, message, [&](beast::error_code ec, std::size_t) {
      if (ec) return finish(ec);
      stage = "read";
      http::async_read(socket, buffer, parser,
                       [&](beast::error_code ec, std::size_t) { finish(ec); });
    });
  });

  if (!runWithin(io, done, progress, deadline)) {
    beast::error_code ignored;
    socket.close(ignored);  // cancels the pending operation; its handler runs below
    io.restart();
    io.run();
    return Error{errors::kUnavailable,
                 "Docker did not answer " + request.target + " in time (" + stage + ")",
                 kTimeoutStatus};
  }
  if (failure) {
    return Error{
        errors::kUnavailable,
        "Cannot talk to Docker at " + socketPath + " (" + stage + "): " + failure.message(),
        kUnreachableStatus};
  }
  auto response = parser.release();
  return Reply{response.result_int(), std::move(response.body())};
}

// Pull progress: one JSON object a line. Docker answers 200 as soon as the
// pull starts, so a failure after that shows up as an "error" member here.
class PullProgress {
 public:
  void add(std::string_view data) {
    pending_.append(data);
    std::size_t start = 0;
    for (std::size_t end; (end = pending_.find('\n', start)) != std::string::npos;
         start = end + 1) {
      line(std::string_view(pending_).substr(start, end - start));
    }
    pending_.erase(0, start);
  }
  // The failure the stream reported, if any (call after the last add()).
  std::optional<std::string> error() {
    line(pending_);
    pending_.clear();
    return error_;
  }

 private:
  void line(std::string_view text) {
    const json progress = json::parse(text, nullptr, false);
    if (!progress.is_object() || !progress.contains("error")) return;
    const json& error = progress["error"];
    error_ = error.is_string() ? error.get<std::string>() : error.dump();
  }

  std::string pending_;
  std::optional<std::string> error_;
};

// "registry:5000/team/app:1" -> ("registry:5000/team/app", "1"); no tag ->
// "latest"; "app@sha256:..." -> ("app", "sha256:...") (the API takes a digest
// as the tag). A ':' before the last '/' is a registry's port, not a tag.
std::pair<std::string, std::string> splitReference(const std::string& image) {
  if (const auto at = image.find('@'); at != std::string::npos) {
    std::string name = image.substr(0, at);
    const auto slash = name.rfind('/');
    const auto colon = name.rfind(':');
    // "app:1@sha256:..." names the digest; the tag is only a hint.
    if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
      name.erase(colon);
    }
    return {name, image.substr(at + 1)};
  }
  const auto slash = image.rfind('/');
  const auto colon = image.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    return {image.substr(0, colon), image.substr(colon + 1)};
  }
  return {image, "latest"};
}

json createBody(const ContainerConfig& config) {
  json env = json::array();
  for (const auto& [name, value] : config.environment) env.push_back(name + "=" + value);
  json exposed = json::object();
  json bindings = json::object();
  for (const auto& port : config.portBindings) {
    const std::string key = std::to_string(port.containerPort) + "/" + port.protocol;
    exposed[key] = json::object();
    // An empty HostPort lets Docker pick one.
    bindings[key].push_back(
        {{"HostIp", ""}, {"HostPort", port.hostPort ? std::to_string(port.hostPort) : ""}});
  }
  // Init: a PID 1 without a SIGTERM handler would otherwise ignore the stop
  // signal and wait out the whole stop timeout.
  json host = {{"PortBindings", bindings},
               {"Links", config.links},
               {"Privileged", config.privileged},
               {"ReadonlyRootfs", config.readonlyRootFilesystem},
               {"Init", true}};
  constexpr std::int64_t kMiB = 1024 * 1024;
  if (config.memoryMiB) host["Memory"] = *config.memoryMiB * kMiB;
  if (config.memoryReservationMiB) host["MemoryReservation"] = *config.memoryReservationMiB * kMiB;
  if (config.cpuShares > 0) host["CpuShares"] = config.cpuShares;
  if (!config.networkMode.empty()) host["NetworkMode"] = config.networkMode;

  json body = {{"Image", config.image},
               {"Env", env},
               {"Labels", config.labels},
               {"ExposedPorts", exposed},
               {"HostConfig", host}};
  if (!config.command.empty()) body["Cmd"] = config.command;
  if (!config.entryPoint.empty()) body["Entrypoint"] = config.entryPoint;
  if (!config.workingDirectory.empty()) body["WorkingDir"] = config.workingDirectory;
  if (!config.user.empty()) body["User"] = config.user;
  if (!config.hostname.empty()) body["Hostname"] = config.hostname;
  return body;
}

std::string stringAt(const json& object, const char* key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& memberAt(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it != object.end() ? *it : kNull;
}

std::uint16_t portNumber(std::string_view text) {
  std::uint16_t port = 0;
  std::from_chars(text.data(), text.data() + text.size(), port);
  return port;
}

// NetworkSettings.Ports: {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "49153"},
// {"HostIp": "::", ...}]}; null for a port exposed but not published. A port
// published on IPv4 and IPv6 is one binding, the IPv4 one: Docker 20.10 can
// give the IPv6 side a different dynamic port (moby/moby#42375), and the ECS
// agent reports the IPv4 one too.
std::vector<PortBinding> hostBindings(const json& ports) {
  std::vector<PortBinding> out;
  if (!ports.is_object()) return out;
  for (const auto& [key, bound] : ports.items()) {
    if (!bound.is_array()) continue;
    const auto slash = key.find('/');
    const std::uint16_t containerPort = portNumber(std::string_view(key).substr(0, slash));
    const std::string protocol = slash == std::string::npos ? "tcp" : key.substr(slash + 1);
    const auto isIpv6 = [](const json& binding) {
      return stringAt(binding, "HostIp").find(':') != std::string::npos;
    };
    const bool hasIpv4 = std::any_of(bound.begin(), bound.end(),
                                     [&](const json& binding) { return !isIpv6(binding); });
    std::set<std::uint16_t> seen;
    for (const json& binding : bound) {
      if (hasIpv4 && isIpv6(binding)) continue;
      const std::uint16_t hostPort = portNumber(stringAt(binding, "HostPort"));
      if (seen.insert(hostPort).second) out.push_back({containerPort, hostPort, protocol});
    }
  }
  return out;
}

ContainerState stateOf(const json& inspected) {
  ContainerState state;
  state.id = stringAt(inspected, "Id");
  state.name = stringAt(inspected, "Name");
  if (state.name.starts_with('/')) state.name.erase(0, 1);
  const json& labels = memberAt(memberAt(inspected, "Config"), "Labels");
  if (labels.is_object()) {
    for (const auto& [key, value] : labels.items()) {
      if (value.is_string()) state.labels[key] = value.get<std::string>();
    }
  }
  const json& s = memberAt(inspected, "State");
  state.running = memberAt(s, "Running").is_boolean() && memberAt(s, "Running").get<bool>();
  const std::string status = stringAt(s, "Status");
  state.exited = status == "exited" || status == "dead";
  if (state.exited && memberAt(s, "ExitCode").is_number_integer()) {
    state.exitCode = memberAt(s, "ExitCode").get<int>();
  }
  state.oomKilled = memberAt(s, "OOMKilled").is_boolean() && memberAt(s, "OOMKilled").get<bool>();
  state.error = stringAt(s, "Error");
  state.portBindings = hostBindings(memberAt(memberAt(inspected, "NetworkSettings"), "Ports"));
  return state;
}

class DockerRuntime final : public ContainerRuntime {
 public:
  explicit DockerRuntime(std::string socketPath) : socketPath_(std::move(socketPath)) {}

  Result<std::string> version() override {
    auto reply = call({http::verb::get, "/version", ""});
    if (!reply) return reply.error();
    if (!reply->success()) return replyError(*reply, errors::kUnavailable);
    const std::string version = stringAt(parse(reply->body), "Version");
    if (version.empty()) return Error{errors::kUnavailable, "Docker sent no version", 502};
    return version;
  }

  Status pullImage(const std::string& image) override {
    auto local = call({http::verb::get, "/images/" + pathPart(image) + "/json", ""});
    if (!local) return local.error();
    if (local->success()) return {};
    if (local->status != 404) return replyError(*local, errors::kCannotPull);

    const auto [name, tag] = splitReference(image);
    PullProgress progress;
    auto pulled =
        call({http::verb::post,
              "/images/create?fromImage=" + percentEncode(name) + "&tag=" + percentEncode(tag), ""},
             {kPullTimeout, kPullIdleTimeout}, [&](std::string_view data) { progress.add(data); });
    if (!pulled) {
      // A pull that stalls or overruns failed as a pull; Docker gone is kUnavailable.
      if (pulled.error().httpStatus != kTimeoutStatus) return pulled.error();
      return Error{errors::kCannotPull, pulled.error().message, kTimeoutStatus};
    }
    if (!pulled->success()) return replyError(*pulled, errors::kCannotPull);
    progress.add(pulled->body);  // a body sent without chunking
    if (auto error = progress.error()) return Error{errors::kCannotPull, *error, 500};
    return {};
  }

  Result<std::string> createContainer(const ContainerConfig& config) override {
    auto reply = call({http::verb::post, "/containers/create?name=" + percentEncode(config.name),
                       createBody(config).dump()});
    if (!reply) return reply.error();
    if (reply->status == 409) {
      return Error{errors::kCannotCreate,
                   "container name " + config.name + " is already taken: " + dockerMessage(*reply),
                   409};
    }
    if (!reply->success()) return replyError(*reply, errors::kCannotCreate);
    const std::string id = stringAt(parse(reply->body), "Id");
    if (id.empty()) return Error{errors::kCannotCreate, "Docker sent no container id", 502};
    return id;
  }

  Status startContainer(const std::string& id) override {
    auto reply = call({http::verb::post, "/containers/" + pathPart(id) + "/start", ""});
    if (!reply) return reply.error();
    if (reply->success() || reply->status == 304) return {};  // 304: already running
    return containerError(*reply, errors::kCannotStart);
  }

  Result<ContainerState> inspectContainer(const std::string& id) override {
    auto inspected = inspect(id, errors::kCannotInspect);
    if (!inspected) return inspected.error();
    return stateOf(*inspected);
  }

  Result<std::optional<int>> waitContainer(const std::string& id, milliseconds timeout) override {
    const auto end = Clock::now() + timeout;
    // Docker's not-running holds at once, with StatusCode 0, for a container
    // never started; that one is waited for until its first exit instead.
    auto inspected = inspect(id, errors::kUnavailable, {std::min(timeout, kCallTimeout)});
    if (!inspected) return timedOut(inspected.error());
    const bool created = stringAt(memberAt(*inspected, "State"), "Status") == "created";
    const auto left = std::max(std::chrono::ceil<milliseconds>(end - Clock::now()), 0ms);
    auto reply = call({http::verb::post,
                       "/containers/" + pathPart(id) +
                           (created ? "/wait?condition=next-exit" : "/wait?condition=not-running"),
                       ""},
                      {left});
    if (!reply) return timedOut(reply.error());
    if (!reply->success()) return containerError(*reply, errors::kUnavailable);
    const json answer = parse(reply->body);  // {"Error": null, "StatusCode": 3}
    const json& code = memberAt(answer, "StatusCode");
    if (!code.is_number_integer()) {
      return Error{errors::kUnavailable, "Docker's wait answer has no StatusCode", 502};
    }
    return std::optional<int>(code.get<int>());
  }

  Status stopContainer(const std::string& id, std::chrono::seconds timeout) override {
    const std::string seconds = std::to_string(std::max<std::int64_t>(timeout.count(), 0));
    auto reply = call({http::verb::post, "/containers/" + pathPart(id) + "/stop?t=" + seconds, ""},
                      {timeout + kStopMargin});
    if (!reply) return reply.error();
    if (reply->success() || reply->status == 304) return {};  // 304: already stopped
    return containerError(*reply, errors::kCannotStop);
  }

  Status removeContainer(const std::string& id) override {
    auto reply =
        call({http::verb::delete_, "/containers/" + pathPart(id) + "?v=true&force=true", ""});
    if (!reply) return reply.error();
    if (!reply->success()) return containerError(*reply, errors::kCannotRemove);
    return {};
  }

  Result<std::vector<ContainerState>> listContainers(const std::string& label) override {
    const std::string filters = json{{"label", {label}}}.dump();
    auto reply =
        call({http::verb::get, "/containers/json?all=true&filters=" + percentEncode(filters), ""});
    if (!reply) return reply.error();
    if (!reply->success()) return replyError(*reply, errors::kCannotList);
    const json summaries = parse(reply->body);
    if (!summaries.is_array()) return Error{errors::kCannotList, "Docker sent no list", 502};
    // The list answer has no exit codes and no OOM flag: inspect each, so
    // every state is as complete as inspectContainer's.
    std::vector<ContainerState> states;
    for (const json& summary : summaries) {
      auto state = inspectContainer(stringAt(summary, "Id"));
      if (state) {
        states.push_back(std::move(*state));
      } else if (state.error().type == errors::kUnavailable) {
        return state.error();
      } else if (state.error().type != errors::kNoSuchContainer) {  // gone meanwhile: skip
        return Error{errors::kCannotList, state.error().message, state.error().httpStatus};
      }
    }
    return states;
  }

 private:
  static json parse(const std::string& body) { return json::parse(body, nullptr, false); }

  // A wait's timeout is an answer (nullopt), not an error.
  static Result<std::optional<int>> timedOut(const Error& error) {
    if (error.httpStatus == kTimeoutStatus) return std::optional<int>();
    return error;
  }

  // GET /containers/{id}/json as it is. Errors: kNoSuchContainer, else `type`.
  Result<json> inspect(const std::string& id, const char* type, Deadline deadline = {}) const {
    auto reply = call({http::verb::get, "/containers/" + pathPart(id) + "/json", ""}, deadline);
    if (!reply) return reply.error();
    if (!reply->success()) return containerError(*reply, type);
    json inspected = parse(reply->body);
    if (!inspected.is_object()) return Error{type, "Docker sent no container description", 502};
    return inspected;
  }

  // exchange() with a debug line per call; nothing thrown gets out.
  Result<Reply> call(const Request& request, Deadline deadline = {},
                     const ChunkSink& sink = {}) const {
    const auto start = Clock::now();
    Result<Reply> reply = Error{errors::kUnavailable, "", kUnreachableStatus};
    try {
      reply = exchange(socketPath_, request, deadline, sink);
    } catch (const std::exception& e) {
      reply =
          Error{errors::kUnavailable, "Cannot talk to Docker at " + socketPath_ + ": " + e.what(),
                kUnreachableStatus};
    }
    const auto ms = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
    const std::string method(http::to_string(request.method));
    if (reply) {
      spdlog::debug("msg=\"Docker call\" module=DockerRuntime method={} target={} status={} ms={}",
                    method, logging::quote(request.target), reply->status, ms);
    } else {
      spdlog::debug(
          "msg=\"Docker call failed\" module=DockerRuntime method={} target={} ms={} "
          "error={}",
          method, logging::quote(request.target), ms, logging::quote(reply.error().message));
    }
    return reply;
  }

  const std::string socketPath_;
};

}  // namespace

Result<std::unique_ptr<ContainerRuntime>> makeDockerRuntime(const std::string& dockerHost) {
  std::string path = dockerHost.empty() ? "/var/run/docker.sock" : dockerHost;
  if (path.starts_with("unix://")) path.erase(0, 7);
  if (path.empty() || path.front() != '/') {
    return Error{
        "InvalidParameterException",
        "DOCKER_HOST must be a unix socket such as unix:///var/run/docker.sock, not " + dockerHost,
        400};
  }
  return std::unique_ptr<ContainerRuntime>(std::make_unique<DockerRuntime>(std::move(path)));
}

}  // namespace ecsd::agent
