// DockerRuntime against the real dockerd and the local image
// ecsd-test/busybox:latest (scripts/docker-test-env.sh makes both), and
// against a fake engine on a unix socket in this process for what a real one
// cannot be made to do on demand (a pull failing inside its progress stream,
// an engine that never answers).
#include "agent/runtime/docker_runtime.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace ecsd::agent {
namespace {

using namespace std::chrono_literals;
namespace errors = runtime_errors;

constexpr const char* kSocket = "/var/run/docker.sock";
constexpr const char* kImage = "ecsd-test/busybox:latest";
constexpr const char* kRunLabel = "ecsd.test-run";

std::string unique(const std::string& what) {
  static std::atomic<int> counter{0};
  return "ecsd-rt-" + std::to_string(::getpid()) + "-" + what + "-" + std::to_string(++counter);
}

// A TCP socket bound on all addresses, port `port` (0: any).
int listenTcp(std::uint16_t port = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, 4) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::uint16_t boundPort(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

// GET / on 127.0.0.1:port; the whole answer, or "" when it cannot connect.
std::string httpGet(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    const std::string request = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) answer.append(buffer, n);
    }
  }
  ::close(fd);
  return answer;
}

class DockerRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kSocket)) {
      if (std::getenv("ECSD_REQUIRE_DOCKER")) FAIL() << "no Docker at " << kSocket;
      GTEST_SKIP() << "no Docker at " << kSocket << ": run scripts/docker-test-env.sh";
    }
    auto runtime = makeDockerRuntime(std::string("unix://") + kSocket);
    ASSERT_TRUE(runtime) << runtime.error().message;
    runtime_ = std::move(*runtime);
    auto image = runtime_->pullImage(kImage);
    ASSERT_TRUE(image) << image.error().message << ": run scripts/docker-test-env.sh";
    run_ = unique("run");
  }

  // Removes every container the test created, whatever happened.
  void TearDown() override {
    if (!runtime_) return;
    for (const auto& name : created_) (void)runtime_->removeContainer(name);
  }

  ContainerConfig config(const std::string& what, std::vector<std::string> command) {
    ContainerConfig config;
    config.name = unique(what);
    config.image = kImage;
    config.command = std::move(command);
    config.labels[kRunLabel] = run_;
    return config;
  }

  Result<std::string> create(const ContainerConfig& config) {
    created_.push_back(config.name);
    return runtime_->createContainer(config);
  }

  // Created and started; fails the test otherwise.
  std::string run(const ContainerConfig& config) {
    auto id = create(config);
    EXPECT_TRUE(id) << id.error().type << ": " << id.error().message;
    if (!id) return "";
    auto started = runtime_->startContainer(*id);
    EXPECT_TRUE(started) << started.error().type << ": " << started.error().message;
    return *id;
  }

  std::uint16_t hostPortOf(const std::string& id, std::uint16_t containerPort) {
    auto state = runtime_->inspectContainer(id);
    if (!state) return 0;
    for (const auto& binding : state->portBindings) {
      if (binding.containerPort == containerPort) return binding.hostPort;
    }
    return 0;
  }

  std::unique_ptr<ContainerRuntime> runtime_;
  std::string run_;
  std::vector<std::string> created_;
};

TEST_F(DockerRuntimeTest, Version) {
  auto version = runtime_->version();
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_FALSE(version->empty());
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(version->front()))) << *version;
}

TEST_F(DockerRuntimeTest, PullsALocalImageAndDefaultsTheTagToLatest) {
  EXPECT_TRUE(runtime_->pullImage(kImage));
  EXPECT_TRUE(runtime_->pullImage("ecsd-test/busybox"));
}

TEST_F(DockerRuntimeTest, PullOfAnImageNoRegistryHasFails) {
  // Port 1 on loopback refuses at once; no registry is reachable here anyway.
  auto pulled = runtime_->pullImage("127.0.0.1:1/ecsd/missing:1");
  ASSERT_FALSE(pulled);
  EXPECT_EQ(pulled.error().type, errors::kCannotPull);
  EXPECT_NE(pulled.error().message.find("127.0.0.1:1"), std::string::npos)
      << pulled.error().message;
}

TEST_F(DockerRuntimeTest, RunsWithEnvironmentLabelsAndADynamicHostPort) {
  auto web = config("web", {"sh", "-c",
                            "echo \"$GREETING from $HOSTNAME\" > /www/index.html && "
                            "exec httpd -f -p 80 -h /www"});
  web.environment = {{"GREETING", "hello there"}};
  web.hostname = "webhost";
  web.labels["com.amazonaws.ecs.container-name"] = "web";
  web.portBindings = {{80, 0, "tcp"}};
  const std::string id = run(web);
  ASSERT_FALSE(id.empty());

  auto state = runtime_->inspectContainer(id);
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ(state->id, id);
  EXPECT_EQ(state->name, web.name);
  EXPECT_TRUE(state->running);
  EXPECT_FALSE(state->exited);
  EXPECT_FALSE(state->exitCode);
  EXPECT_EQ(state->labels[kRunLabel], run_);
  EXPECT_EQ(state->labels["com.amazonaws.ecs.container-name"], "web");
  ASSERT_EQ(state->portBindings.size(), 1u);  // IPv4 and IPv6 bindings count once
  EXPECT_EQ(state->portBindings[0].containerPort, 80);
  EXPECT_EQ(state->portBindings[0].protocol, "tcp");
  const std::uint16_t hostPort = state->portBindings[0].hostPort;
  ASSERT_NE(hostPort, 0);

  std::string page;
  for (auto end = std::chrono::steady_clock::now() + 10s;
       page.find("hello there") == std::string::npos && std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(50ms)) {
    page = httpGet(hostPort);
  }
  EXPECT_NE(page.find("hello there from webhost"), std::string::npos) << page;
}

TEST_F(DockerRuntimeTest, WaitReturnsTheExitCode) {
  const std::string id = run(config("exit3", {"sh", "-c", "exit 3"}));
  auto code = runtime_->waitContainer(id, 20s);
  ASSERT_TRUE(code) << code.error().message;
  EXPECT_EQ(*code, std::optional<int>(3));

  auto state = runtime_->inspectContainer(id);
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_FALSE(state->running);
  EXPECT_TRUE(state->exited);
  EXPECT_EQ(state->exitCode, std::optional<int>(3));
  EXPECT_FALSE(state->oomKilled);

  // At once when it has already stopped.
  code = runtime_->waitContainer(id, 5s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, std::optional<int>(3));
}

TEST_F(DockerRuntimeTest, WaitGivesUpAfterItsTimeout) {
  const std::string id = run(config("sleeper", {"sleep", "600"}));
  const auto start = std::chrono::steady_clock::now();
  auto code = runtime_->waitContainer(id, 300ms);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(code) << code.error().message;
  EXPECT_FALSE(*code);
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 3s);
  auto state = runtime_->inspectContainer(id);
  ASSERT_TRUE(state);
  EXPECT_TRUE(state->running);
}

TEST_F(DockerRuntimeTest, WaitOnAContainerNotYetStartedWaitsForItsExit) {
  // Docker itself would answer "exited 0" at once for a created container.
  auto id = create(config("not-started", {"sh", "-c", "exit 5"}));
  ASSERT_TRUE(id) << id.error().message;
  auto code = runtime_->waitContainer(*id, 300ms);
  ASSERT_TRUE(code) << code.error().message;
  EXPECT_FALSE(*code);

  auto waiter = std::async(std::launch::async, [&] { return runtime_->waitContainer(*id, 20s); });
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(runtime_->startContainer(*id));
  code = waiter.get();
  ASSERT_TRUE(code) << code.error().message;
  EXPECT_EQ(*code, std::optional<int>(5));
}

TEST_F(DockerRuntimeTest, StopsQuicklyEvenWithoutASignalHandlerAndTwice) {
  // `sleep` as PID 1 would ignore SIGTERM; Init: true puts tini in front.
  const std::string id = run(config("stopme", {"sleep", "600"}));
  const auto start = std::chrono::steady_clock::now();
  auto stopped = runtime_->stopContainer(id, 20s);
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  auto state = runtime_->inspectContainer(id);
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->running);
  EXPECT_TRUE(state->exited);
  EXPECT_EQ(state->exitCode, std::optional<int>(143));  // 128 + SIGTERM
  EXPECT_TRUE(runtime_->stopContainer(id, 1s)) << "a stopped container stops again";
}

TEST_F(DockerRuntimeTest, RemovesAndThenKnowsNothingOfIt) {
  const std::string id = run(config("removeme", {"true"}));
  ASSERT_TRUE(runtime_->waitContainer(id, 20s));
  auto removed = runtime_->removeContainer(id);
  ASSERT_TRUE(removed) << removed.error().message;
  auto state = runtime_->inspectContainer(id);
  ASSERT_FALSE(state);
  EXPECT_EQ(state.error().type, errors::kNoSuchContainer);
}

TEST_F(DockerRuntimeTest, AMissingContainerIsNoSuchContainerForEveryCall) {
  const std::string id = unique("never-created");
  EXPECT_EQ(runtime_->inspectContainer(id).error().type, errors::kNoSuchContainer);
  EXPECT_EQ(runtime_->startContainer(id).error().type, errors::kNoSuchContainer);
  EXPECT_EQ(runtime_->waitContainer(id, 5s).error().type, errors::kNoSuchContainer);
  EXPECT_EQ(runtime_->stopContainer(id, 1s).error().type, errors::kNoSuchContainer);
  EXPECT_EQ(runtime_->removeContainer(id).error().type, errors::kNoSuchContainer);
}

TEST_F(DockerRuntimeTest, ListsExactlyTheContainersWithTheLabel) {
  const std::string running = run(config("listed-running", {"sleep", "600"}));
  const std::string exited = run(config("listed-exited", {"sh", "-c", "exit 7"}));
  ASSERT_TRUE(runtime_->waitContainer(exited, 20s));
  auto createdOnly = create(config("listed-created", {"true"}));
  ASSERT_TRUE(createdOnly);
  auto other = config("other-run", {"true"});
  other.labels[kRunLabel] = run_ + "-other";
  ASSERT_TRUE(create(other));

  auto listed = runtime_->listContainers(std::string(kRunLabel) + "=" + run_);
  ASSERT_TRUE(listed) << listed.error().message;
  std::map<std::string, ContainerState> byId;
  for (auto& state : *listed) byId[state.id] = state;
  ASSERT_EQ(byId.size(), 3u);
  ASSERT_EQ(byId.count(running), 1u);
  ASSERT_EQ(byId.count(exited), 1u);
  ASSERT_EQ(byId.count(*createdOnly), 1u);
  EXPECT_TRUE(byId[running].running);
  EXPECT_EQ(byId[exited].exitCode, std::optional<int>(7));
  EXPECT_TRUE(byId[exited].exited);
  EXPECT_FALSE(byId[*createdOnly].running);
  EXPECT_FALSE(byId[*createdOnly].exited);
  EXPECT_EQ(byId[running].labels[kRunLabel], run_);
  EXPECT_FALSE(byId[running].name.empty());

  auto none = runtime_->listContainers(std::string(kRunLabel) + "=" + unique("nobody"));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(DockerRuntimeTest, ALinkReachesTheTargetByItsAlias) {
  const auto server = config("linked-server", {"sh", "-c",
                                               "echo linked-page > /www/index.html && "
                                               "exec httpd -f -p 80 -h /www"});
  ASSERT_FALSE(run(server).empty());
  auto client = config("linked-client", {"sh", "-c",
                                         "for i in $(seq 100); do "
                                         "wget -q -O- http://web/ | grep -q linked-page && "
                                         "exit 0; sleep 0.1; done; exit 1"});
  client.links = {server.name + ":web"};
  const std::string id = run(client);
  auto code = runtime_->waitContainer(id, 30s);
  ASSERT_TRUE(code) << code.error().message;
  EXPECT_EQ(*code, std::optional<int>(0));
}

TEST_F(DockerRuntimeTest, AHostPortTakenOnTheHostFailsTheStart) {
  const int listener = listenTcp();
  ASSERT_GE(listener, 0);
  auto web = config("port-taken", {"sleep", "600"});
  web.portBindings = {{80, boundPort(listener), "tcp"}};
  auto id = create(web);
  ASSERT_TRUE(id) << id.error().message;
  auto started = runtime_->startContainer(*id);
  ::close(listener);
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().type, errors::kCannotStart);
  EXPECT_NE(started.error().message.find("address already in use"), std::string::npos)
      << started.error().message;
}

TEST_F(DockerRuntimeTest, AHostPortTakenByAnotherContainerFailsTheStart) {
  auto first = config("port-first", {"sleep", "600"});
  first.portBindings = {{80, 0, "tcp"}};
  const std::string firstId = run(first);
  const std::uint16_t port = hostPortOf(firstId, 80);
  ASSERT_NE(port, 0);
  auto second = config("port-second", {"sleep", "600"});
  second.portBindings = {{8080, port, "tcp"}};
  auto id = create(second);
  ASSERT_TRUE(id) << id.error().message;
  auto started = runtime_->startContainer(*id);
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().type, errors::kCannotStart);
  EXPECT_NE(started.error().message.find("port is already allocated"), std::string::npos)
      << started.error().message;
}

TEST_F(DockerRuntimeTest, CreateFailuresSayWhy) {
  auto first = config("same-name", {"true"});
  ASSERT_TRUE(create(first));
  auto again = runtime_->createContainer(first);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().type, errors::kCannotCreate);
  EXPECT_NE(again.error().message.find("already taken"), std::string::npos)
      << again.error().message;

  auto noImage = config("no-image", {"true"});
  noImage.image = "ecsd-test/no-such-image:1";
  auto missing = create(noImage);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().type, errors::kCannotCreate);
  EXPECT_NE(missing.error().message.find("No such image"), std::string::npos)
      << missing.error().message;
}

TEST_F(DockerRuntimeTest, AMemoryLimitIsEnforced) {
  // The string doubles until the 16 MiB limit kills the shell.
  auto hungry = config("oom", {"sh", "-c", "x=0123456789; while true; do x=$x$x; done"});
  hungry.memoryMiB = 16;
  hungry.memoryReservationMiB = 8;
  hungry.cpuShares = 256;
  const std::string id = run(hungry);
  auto code = runtime_->waitContainer(id, 60s);
  ASSERT_TRUE(code) << code.error().message;
  auto state = runtime_->inspectContainer(id);
  ASSERT_TRUE(state);
  // Killed by the limit (SIGKILL). Docker 20.10 on cgroup v2 does not always
  // set OOMKilled for it (hashicorp/nomad#13119: it failed here under load),
  // so the flag is not asserted; what the agent makes of it is tested with
  // the fake runtime.
  EXPECT_EQ(state->exitCode, std::optional<int>(137));
}

TEST_F(DockerRuntimeTest, ManyThreadsAtOnce) {
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(run(config("parallel", {"sh", "-c", "sleep 0.5; exit " + std::to_string(i)})));
  }
  std::vector<std::future<Result<std::optional<int>>>> waits;
  for (const auto& id : ids) {
    waits.push_back(std::async(std::launch::async, [&, id] {
      (void)runtime_->inspectContainer(id);
      return runtime_->waitContainer(id, 20s);
    }));
  }
  for (int i = 0; i < 4; ++i) {
    auto code = waits[i].get();
    ASSERT_TRUE(code) << code.error().message;
    EXPECT_EQ(*code, std::optional<int>(i));
  }
}

TEST(DockerRuntimeSetupTest, AcceptsOnlyUnixSockets) {
  EXPECT_TRUE(makeDockerRuntime("unix:///var/run/docker.sock"));
  EXPECT_TRUE(makeDockerRuntime("/var/run/docker.sock"));
  EXPECT_FALSE(makeDockerRuntime("tcp://127.0.0.1:2375"));
}

TEST(DockerRuntimeSetupTest, NoEngineIsUnavailable) {
  auto runtime = makeDockerRuntime("unix:///nonexistent/ecsd-test/docker.sock");
  ASSERT_TRUE(runtime);
  auto version = (*runtime)->version();
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error().type, errors::kUnavailable);
  auto listed = (*runtime)->listContainers("a=b");
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().type, errors::kUnavailable);
  auto waited = (*runtime)->waitContainer("x", 1s);
  ASSERT_FALSE(waited);
  EXPECT_EQ(waited.error().type, errors::kUnavailable);
}

// An engine on a unix socket that answers each request with the next scripted
// response ("" leaves the request unanswered), recording request lines.
class FakeEngine {
 public:
  explicit FakeEngine(std::deque<std::string> responses) : responses_(std::move(responses)) {
    path_ = "/tmp/" + unique("engine") + ".sock";
    listener_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path_.copy(address.sun_path, sizeof address.sun_path - 1);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 8);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeEngine() {
    stop_ = true;
    thread_.join();
    for (int fd : open_) ::close(fd);
    ::close(listener_);
    ::unlink(path_.c_str());
  }

  const std::string& path() const { return path_; }
  std::vector<std::string> requestLines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd ready{listener_, POLLIN, 0};
      if (::poll(&ready, 1, 20) <= 0) continue;
      const int fd = ::accept(listener_, nullptr, nullptr);
      open_.push_back(fd);
      std::string head;
      char c;
      while (head.find("\r\n\r\n") == std::string::npos && ::read(fd, &c, 1) == 1) head += c;
      std::string response;
      {
        std::lock_guard lock(mutex_);
        lines_.push_back(head.substr(0, head.find("\r\n")));
        if (!responses_.empty()) {
          response = responses_.front();
          responses_.pop_front();
        }
      }
      if (!response.empty()) {
        (void)!::write(fd, response.data(), response.size());
        ::close(fd);
        open_.pop_back();
      }
    }
  }

  std::string path_;
  int listener_ = -1;
  std::vector<int> open_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::deque<std::string> responses_;
  std::vector<std::string> lines_;
  std::thread thread_;
};

std::string jsonResponse(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// A 200 with a chunked body, split where given.
std::string chunkedResponse(const std::vector<std::string>& chunks) {
  std::string out =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (const auto& chunk : chunks) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", chunk.size());
    out += std::string(size) + "\r\n" + chunk + "\r\n";
  }
  return out + "0\r\n\r\n";
}

const std::string kNoImage = jsonResponse(404, R"({"message":"No such image"})");

TEST(DockerRuntimeFakeEngineTest, PullNamesRegistryRepositoryAndTag) {
  FakeEngine engine({kNoImage, chunkedResponse({R"({"status":"ok"})"}), kNoImage,
                     chunkedResponse({""}), kNoImage, chunkedResponse({""}), kNoImage,
                     chunkedResponse({""})});
  auto runtime = makeDockerRuntime(engine.path());
  ASSERT_TRUE(runtime);
  EXPECT_TRUE((*runtime)->pullImage("registry:5000/team/app:1"));
  EXPECT_TRUE((*runtime)->pullImage("registry:5000/team/app"));
  EXPECT_TRUE((*runtime)->pullImage("busybox"));
  EXPECT_TRUE((*runtime)->pullImage("team/app:2@sha256:abc"));
  const std::vector<std::string> expected = {
      "GET /v1.41/images/registry:5000/team/app:1/json HTTP/1.1",
      "POST /v1.41/images/create?fromImage=registry%3A5000%2Fteam%2Fapp&tag=1 HTTP/1.1",
      "GET /v1.41/images/registry:5000/team/app/json HTTP/1.1",
      "POST /v1.41/images/create?fromImage=registry%3A5000%2Fteam%2Fapp&tag=latest HTTP/1.1",
      "GET /v1.41/images/busybox/json HTTP/1.1",
      "POST /v1.41/images/create?fromImage=busybox&tag=latest HTTP/1.1",
      "GET /v1.41/images/team/app:2@sha256:abc/json HTTP/1.1",
      "POST /v1.41/images/create?fromImage=team%2Fapp&tag=sha256%3Aabc HTTP/1.1",
  };
  EXPECT_EQ(engine.requestLines(), expected);
}

TEST(DockerRuntimeFakeEngineTest, APullFailingInsideItsStreamFails) {
  // Lines split across chunks, as Docker's stream may be.
  FakeEngine engine(
      {kNoImage, chunkedResponse({R"({"status":"Pulling from team/app"})"
                                  "\r\n{\"status\":\"Pull",
                                  "ing fs layer\"}\r\n{\"errorDetail\":{\"message\":\"manifest "
                                  "unknown\"},\"error\":\"manifest unknown\"}\r\n"})});
  auto runtime = makeDockerRuntime(engine.path());
  ASSERT_TRUE(runtime);
  auto pulled = (*runtime)->pullImage("registry:5000/team/app:1");
  ASSERT_FALSE(pulled);
  EXPECT_EQ(pulled.error().type, errors::kCannotPull);
  EXPECT_EQ(pulled.error().message, "manifest unknown");
}

TEST(DockerRuntimeFakeEngineTest, AnEngineThatNeverAnswersTimesTheWaitOut) {
  FakeEngine engine({""});
  auto runtime = makeDockerRuntime(engine.path());
  ASSERT_TRUE(runtime);
  const auto start = std::chrono::steady_clock::now();
  auto waited = (*runtime)->waitContainer("abc", 200ms);
  ASSERT_TRUE(waited) << waited.error().message;
  EXPECT_FALSE(*waited);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(DockerRuntimeFakeEngineTest, APortPublishedOnIpv4AndIpv6IsItsIpv4Binding) {
  // Docker 20.10 may give the IPv6 side another dynamic port (moby/moby#42375).
  FakeEngine engine({jsonResponse(200, R"({"Id":"abc","Name":"/web","State":{"Running":true},
      "NetworkSettings":{"Ports":{
        "80/tcp":[{"HostIp":"0.0.0.0","HostPort":"49160"},{"HostIp":"::","HostPort":"49158"}],
        "53/udp":[{"HostIp":"::","HostPort":"5353"}],
        "8080/tcp":null}}})")});
  auto runtime = makeDockerRuntime(engine.path());
  ASSERT_TRUE(runtime);
  auto state = (*runtime)->inspectContainer("abc");
  ASSERT_TRUE(state) << state.error().message;
  ASSERT_EQ(state->portBindings.size(), 2u);
  std::map<std::string, std::uint16_t> hostPorts;
  for (const auto& binding : state->portBindings) {
    hostPorts[std::to_string(binding.containerPort) + "/" + binding.protocol] = binding.hostPort;
  }
  EXPECT_EQ(hostPorts["80/tcp"], 49160);
  EXPECT_EQ(hostPorts["53/udp"], 5353);  // IPv6 only: that is the binding
}

TEST(DockerRuntimeFakeEngineTest, ErrorsCarryDockersMessage) {
  FakeEngine engine({jsonResponse(500, R"({"message":"driver failed: port is already allocated"})"),
                     jsonResponse(409, R"({"message":"Conflict."})")});
  auto runtime = makeDockerRuntime(engine.path());
  ASSERT_TRUE(runtime);
  auto started = (*runtime)->startContainer("abc");
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().type, errors::kCannotStart);
  EXPECT_EQ(started.error().message, "driver failed: port is already allocated");
  EXPECT_EQ(started.error().httpStatus, 500);
  auto removed = (*runtime)->removeContainer("abc");
  ASSERT_FALSE(removed);
  EXPECT_EQ(removed.error().type, errors::kCannotRemove);
  EXPECT_EQ(removed.error().message, "Conflict.");
}

}  // namespace
}  // namespace ecsd::agent
