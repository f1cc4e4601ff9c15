// The agent's network clients against real servers in this process: ecsd's
// own HTTP server (TLS with ecsd's generated certificate, or plain), a TCP
// listener that never answers, and plain sockets for the local listener.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "agent/net/api_client.h"
#include "agent/net/local_http_server.h"
#include "agent/net/websocket_client.h"
#include "dispatch/session_refusal.h"
#include "ecsd/errors.h"
#include "protocol/json_protocol.h"
#include "protocol/sigv4.h"
#include "protocol/websocket.h"
#include "security/key_ring.h"
#include "security/tls_material.h"
#include "server/http_server.h"
#include "support/test_files.h"

namespace ecsd::agent {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using protocol::HttpRequest;
using protocol::HttpResponse;
using Clock = std::chrono::steady_clock;

constexpr char kKeyId[] = "AKIDAGENTNETTEST";
constexpr char kSecret[] = "agent/net+test/secret";
constexpr char kTargetPrefix[] = "AmazonEC2ContainerServiceV20141113.";

SigningCredentials credentials(std::string secret = kSecret, std::string token = "") {
  return SigningCredentials{kKeyId, std::move(secret), std::move(token), "us-east-1", "ecs"};
}

// ecsd's TLS material (a CA and a certificate for localhost, 127.0.0.1, ::1),
// generated once for the whole run.
const security::TlsFiles& tlsFiles() {
  static test_support::TempDir dir;
  static const security::TlsFiles files = [] {
    auto made = security::ensureTlsMaterial(dir.path, {});
    if (!made) throw std::runtime_error(made.error().message);
    return *made;
  }();
  return files;
}

TlsOptions trusted() { return TlsOptions{tlsFiles().caCertificate.string(), true}; }

// The key it was signed with lives as long as the test program.
Result<const security::AccessKey*> verified(const HttpRequest& request) {
  static const security::KeyRing& keys = *[] {
    auto* ring = new security::KeyRing;  // NOLINT: lives as long as the test program
    ring->add({kKeyId, kSecret, "agent"});
    return ring;
  }();
  return protocol::sigv4::verify(request, keys, protocol::sigv4::Policy{"us-east-1"},
                                 std::chrono::system_clock::now());
}

std::string header(const HttpRequest& request, std::string_view name) {
  return std::string(request.header(name));
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

// ecsd's HTTP server on 127.0.0.1:0. API calls are SigV4-verified, then
// answered by `api`; /ws upgrades are verified too (a query containing
// "refuse" is refused as ecsd refuses an unknown instance), and the session
// echoes every text frame as "echo:<text>".
class FakeEcsd {
 public:
  using Api = std::function<Result<json>(const protocol::Call&)>;

  explicit FakeEcsd(bool tls, Api api = echoApi, server::Limits limits = {},
                    const std::string& address = "127.0.0.1")
      : api_(std::move(api)),
        server_([](int status, std::string_view type, std::string_view message) {
                  return protocol::errorResponse(
                      errors::make(std::string(type), std::string(message), status), "request-id");
                },
                limits, 2) {
    server_.route("/", server::answering([this](const HttpRequest& request) { return handle(request); }));
    // Refused as ecsd refuses sessions, in the body Amazon's agent decodes.
    server_.acceptWebSockets(
        "/ws",
        [this](const HttpRequest& upgrade, std::shared_ptr<protocol::WebSocketChannel> channel) {
          return accept(upgrade, std::move(channel));
        },
        dispatch::sessionRefusal);
    std::optional<server::TlsCertificate> certificate;
    if (tls) certificate = server::TlsCertificate{tlsFiles().certificate, tlsFiles().privateKey};
    auto bound = server_.listen(address + ":0", certificate);
    if (!bound) throw std::runtime_error(bound.error().message);
    endpoint_ = *bound;
    running_ = std::async(std::launch::async, [this] { server_.run(); });
  }

  ~FakeEcsd() { stop(); }

  void stop() {
    server_.stop();
    if (running_.valid()) running_.wait();
  }

  static Result<json> echoApi(const protocol::Call& call) {
    return json{{"operation", call.operation}, {"input", call.input}};
  }

  std::uint16_t port() const { return endpoint_.port; }
  std::string url() const { return endpoint_.url(); }
  std::string wsUrl(const std::string& pathAndQuery) const {
    return (endpoint_.tls ? "wss://" : "ws://") + endpoint_.address + ":" +
           std::to_string(endpoint_.port) + pathAndQuery;
  }

  std::vector<HttpRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<HttpRequest> upgrades() {
    std::lock_guard lock(mutex_);
    return upgrades_;
  }

  // The next text frame the session received, waiting up to 10 s.
  std::optional<std::string> nextReceived() {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, 10s, [&] { return !received_.empty(); })) return std::nullopt;
    std::string text = std::move(received_.front());
    received_.pop_front();
    return text;
  }
  void send(const std::string& text) { channel()->sendText(text); }
  void closeSession() { channel()->close(); }
  bool waitForSessionClosed() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return sessionsClosed_ > 0; });
  }

 private:
  class Peer : public protocol::WebSocketPeer {
   public:
    Peer(FakeEcsd& owner, std::shared_ptr<protocol::WebSocketChannel> channel)
        : owner_(owner), channel_(std::move(channel)) {}
    void onText(std::string_view text) override {
      {
        std::lock_guard lock(owner_.mutex_);
        owner_.received_.emplace_back(text);
      }
      owner_.changed_.notify_all();
      channel_->sendText(std::string("echo:").append(text));
    }
    void onClose() override {
      {
        std::lock_guard lock(owner_.mutex_);
        ++owner_.sessionsClosed_;
      }
      owner_.changed_.notify_all();
    }

   private:
    FakeEcsd& owner_;
    std::shared_ptr<protocol::WebSocketChannel> channel_;
  };

  HttpResponse handle(const HttpRequest& request) {
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    if (auto key = verified(request); !key) return protocol::errorResponse(key.error(), "id");
    auto call = protocol::parseCall(request);
    if (!call) return protocol::errorResponse(call.error(), "id");
    auto answer = api_(*call);
    if (!answer) return protocol::errorResponse(answer.error(), "id");
    return protocol::successResponse(*answer, "id");
  }

  Result<std::shared_ptr<protocol::WebSocketPeer>> accept(
      const HttpRequest& upgrade, std::shared_ptr<protocol::WebSocketChannel> channel) {
    {
      std::lock_guard lock(mutex_);
      upgrades_.push_back(upgrade);
    }
    if (auto key = verified(upgrade); !key) return key.error();
    if (upgrade.target.find("refuse") != std::string::npos) {
      return Error{"InactiveInstanceException", "The instance is not registered.", 400};
    }
    std::lock_guard lock(mutex_);
    channel_ = channel;
    return std::shared_ptr<protocol::WebSocketPeer>(std::make_shared<Peer>(*this, channel));
  }

  std::shared_ptr<protocol::WebSocketChannel> channel() {
    std::lock_guard lock(mutex_);
    if (!channel_) throw std::runtime_error("no session");
    return channel_;
  }

  Api api_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<HttpRequest> requests_;
  std::vector<HttpRequest> upgrades_;
  std::deque<std::string> received_;
  int sessionsClosed_ = 0;
  std::shared_ptr<protocol::WebSocketChannel> channel_;
  server::Endpoint endpoint_;
  server::HttpServer server_;
  std::future<void> running_;
};

// A socket on 127.0.0.1 with a receive timeout, so no test can hang on it.
class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
  }

  // Binds 127.0.0.1:0 and listens; returns the port.
  std::uint16_t listen() {
    sockaddr_in address = loopback(0);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_, 16) != 0) {
      throw std::runtime_error("cannot listen");
    }
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
  }

  bool connect(std::uint16_t port) {
    sockaddr_in address = loopback(port);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }

  bool send(const std::string& data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }

  // Everything until the peer closes (or the timeout).
  std::string readAll() {
    std::string out;
    char buffer[4096];
    for (;;) {
      const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
      if (got <= 0) return out;
      out.append(buffer, static_cast<std::size_t>(got));
    }
  }

  int fd() const { return fd_; }

 private:
  int fd_;
};

// A port where nothing listens (bound once, then released).
std::uint16_t closedPort() {
  Socket socket;
  return socket.listen();
}

// Accepts connections and never says a word.
class SilentServer {
 public:
  SilentServer() : port_(listener_.listen()) {
    thread_ = std::thread([this] {
      for (;;) {
        const int fd = ::accept(listener_.fd(), nullptr, nullptr);
        if (fd < 0 || stopping_) {
          if (fd >= 0) ::close(fd);
          return;
        }
        std::lock_guard lock(mutex_);
        accepted_.push_back(std::make_unique<Socket>(fd));
      }
    });
  }
  ~SilentServer() {
    stopping_ = true;
    Socket wake;
    wake.connect(port_);
    thread_.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  Socket listener_;
  std::uint16_t port_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<std::unique_ptr<Socket>> accepted_;
  std::thread thread_;
};

template <class Duration>
std::int64_t millis(Duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

// ---------------------------------------------------------------------------
// API client

TEST(ApiClientTest, SignedCallRoundTripsOverTlsOnOneConnection) {
  FakeEcsd ecsd(true);
  auto client = makeApiClient(ecsd.url(), credentials(), trusted(), 10s);
  const json input = {{"cluster", "default"}, {"maxResults", 10}};
  auto answer = client->call("ListContainerInstances", input);
  ASSERT_TRUE(answer.ok()) << answer.error().type << ": " << answer.error().message;
  EXPECT_EQ(*answer, (json{{"operation", "ListContainerInstances"}, {"input", input}}));
  auto second = client->call("ListClusters", json::object());
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ((*second)["operation"], "ListClusters");

  const auto requests = ecsd.requests();
  ASSERT_EQ(requests.size(), 2u);
  const HttpRequest& first = requests[0];
  EXPECT_EQ(first.method, "POST");
  EXPECT_EQ(first.target, "/");
  EXPECT_EQ(header(first, "Host"), "127.0.0.1:" + std::to_string(ecsd.port()));
  EXPECT_EQ(header(first, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(header(first, "X-Amz-Target"), std::string(kTargetPrefix) + "ListContainerInstances");
  EXPECT_NE(header(first, "Authorization")
                .find("SignedHeaders=content-type;host;x-amz-date;x-amz-target, "),
            std::string::npos);
  EXPECT_EQ(json::parse(first.body), input);
  auto key = verified(first);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ((*key)->principal, "agent");
  EXPECT_EQ(requests[0].remote, requests[1].remote);  // the connection was kept
}

TEST(ApiClientTest, PlainHttpAndASessionToken) {
  FakeEcsd ecsd(false);
  auto client = makeApiClient(ecsd.url(), credentials(kSecret, "session-token"), TlsOptions{}, 10s);
  auto answer = client->call("DiscoverPollEndpoint", json{{"cluster", "default"}});
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  const auto requests = ecsd.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(header(requests[0], "X-Amz-Security-Token"), "session-token");
  EXPECT_NE(header(requests[0], "Authorization").find("x-amz-security-token"), std::string::npos);
}

TEST(ApiClientTest, AwsErrorAnswersBecomeErrors) {
  FakeEcsd ecsd(true, [](const protocol::Call& call) -> Result<json> {
    if (call.operation == "DescribeClusters") {
      return Error{"com.amazonaws.ecs#ClusterNotFoundException", "Cluster not found.", 400};
    }
    return errors::server("it broke");
  });
  auto client = makeApiClient(ecsd.url(), credentials(), trusted(), 10s);
  auto notFound = client->call("DescribeClusters", json::object());
  ASSERT_FALSE(notFound.ok());
  EXPECT_EQ(notFound.error().type, "ClusterNotFoundException");
  EXPECT_EQ(notFound.error().message, "Cluster not found.");
  EXPECT_EQ(notFound.error().httpStatus, 400);
  auto failed = client->call("ListClusters", json::object());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().type, "ServerException");
  EXPECT_EQ(failed.error().httpStatus, 500);

  auto wrongKey = makeApiClient(ecsd.url(), credentials("not the secret"), trusted(), 10s);
  auto refused = wrongKey->call("ListClusters", json::object());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().type, "InvalidSignatureException");
  EXPECT_EQ(refused.error().httpStatus, 403);
  EXPECT_NE(refused.error().message.find("signature"), std::string::npos);
}

TEST(ApiClientTest, NothingListeningIsUnreachableAtOnce) {
  const auto start = Clock::now();
  for (const char* scheme : {"https://", "http://"}) {
    auto client = makeApiClient(std::string(scheme) + "127.0.0.1:" + std::to_string(closedPort()),
                                credentials(), trusted(), 10s);
    auto answer = client->call("ListClusters", json::object());
    ASSERT_FALSE(answer.ok());
    EXPECT_EQ(answer.error().type, transport_errors::kUnreachable);
    EXPECT_EQ(answer.error().httpStatus, 0);
    EXPECT_NE(answer.error().message.find("refused"), std::string::npos) << answer.error().message;
  }
  EXPECT_LT(Clock::now() - start, 2s);
}

TEST(ApiClientTest, ASilentServerTimesOut) {
  SilentServer silent;
  for (const char* scheme : {"https://", "http://"}) {  // TLS handshake, then HTTP read
    auto client = makeApiClient(std::string(scheme) + "127.0.0.1:" + std::to_string(silent.port()),
                                credentials(), trusted(), 1s);
    const auto start = Clock::now();
    auto answer = client->call("ListClusters", json::object());
    const auto took = Clock::now() - start;
    ASSERT_FALSE(answer.ok());
    EXPECT_EQ(answer.error().type, transport_errors::kUnreachable);
    EXPECT_EQ(answer.error().httpStatus, 0);
    EXPECT_NE(answer.error().message.find("timeout"), std::string::npos) << answer.error().message;
    EXPECT_GE(took, 900ms) << scheme;
    EXPECT_LT(took, 3s) << scheme;
  }
}

TEST(ApiClientTest, ReconnectsAfterTheServerClosedTheIdleConnection) {
  server::Limits limits;
  limits.idleTimeout = 1s;
  FakeEcsd ecsd(true, FakeEcsd::echoApi, limits);
  auto client = makeApiClient(ecsd.url(), credentials(), trusted(), 10s);
  ASSERT_TRUE(client->call("ListClusters", json::object()).ok());
  std::this_thread::sleep_for(1500ms);  // ecsd closes the kept-alive connection
  auto answer = client->call("ListClusters", json::object());
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  const auto requests = ecsd.requests();
  ASSERT_EQ(requests.size(), 2u);  // no request was lost or sent twice
  EXPECT_NE(requests[0].remote, requests[1].remote);
}

TEST(ApiClientTest, AServerThatWentAwayIsUnreachable) {
  std::string url;
  std::unique_ptr<ApiTransport> client;
  {
    FakeEcsd first(false);
    url = first.url();
    client = makeApiClient(url, credentials(), TlsOptions{}, 10s);
    ASSERT_TRUE(client->call("ListClusters", json::object()).ok());
  }
  auto down = client->call("ListClusters", json::object());
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().type, transport_errors::kUnreachable);
}

TEST(ApiClientTest, ConcurrentCallsFromManyThreads) {
  FakeEcsd ecsd(true);
  auto client = makeApiClient(ecsd.url(), credentials(), trusted(), 10s);
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto answer = client->call("ListClusters", json{{"thread", t}, {"i", i}});
        if (answer.ok() && (*answer)["input"] == json{{"thread", t}, {"i", i}}) ++succeeded;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(succeeded, 40);
  std::set<std::string> remotes;
  for (const auto& request : ecsd.requests()) remotes.insert(request.remote);
  EXPECT_EQ(remotes.size(), 1u);
}

TEST(ApiClientTest, UntrustedCertificateOrWrongNameIsRejectedAndAMissingCaUnreachable) {
  FakeEcsd ecsd(true);
  test_support::TempDir otherDir;
  auto other = security::ensureTlsMaterial(otherDir.path, {});
  ASSERT_TRUE(other.ok());
  auto untrusted = makeApiClient(ecsd.url(), credentials(),
                                 TlsOptions{other->caCertificate.string(), true}, 10s);
  auto refused = untrusted->call("ListClusters", json::object());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().type, transport_errors::kCertificateRejected);
  EXPECT_EQ(refused.error().httpStatus, 0);  // retried like any unreachable endpoint
  EXPECT_NE(refused.error().message.find("certificate verify failed"), std::string::npos)
      << refused.error().message;

  auto unverified = makeApiClient(ecsd.url(), credentials(), TlsOptions{"", false}, 10s);
  EXPECT_TRUE(unverified->call("ListClusters", json::object()).ok());

  auto missingCa = makeApiClient(ecsd.url(), credentials(), TlsOptions{"/nonexistent/ca.pem"}, 10s);
  auto noCa = missingCa->call("ListClusters", json::object());
  ASSERT_FALSE(noCa.ok());
  EXPECT_EQ(noCa.error().type, transport_errors::kUnreachable);
  EXPECT_NE(noCa.error().message.find("/nonexistent/ca.pem"), std::string::npos);

  // The certificate names 127.0.0.1 but not 127.0.0.2 (all of 127/8 is loopback on Linux).
  std::unique_ptr<FakeEcsd> elsewhere;
  try {
    elsewhere = std::make_unique<FakeEcsd>(true, FakeEcsd::echoApi, server::Limits{}, "127.0.0.2");
  } catch (const std::exception&) {
    GTEST_SKIP() << "cannot listen on 127.0.0.2";
  }
  auto wrongName = makeApiClient(elsewhere->url(), credentials(), trusted(), 10s);
  auto mismatch = wrongName->call("ListClusters", json::object());
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().type, transport_errors::kCertificateRejected);
  auto anyName = makeApiClient(elsewhere->url(), credentials(), TlsOptions{"", false}, 10s);
  EXPECT_TRUE(anyName->call("ListClusters", json::object()).ok());
}

TEST(ApiClientTest, LocalhostByName) {
  FakeEcsd ecsd(true);
  auto client = makeApiClient("https://localhost:" + std::to_string(ecsd.port()), credentials(),
                              trusted(), 10s);
  auto answer = client->call("ListClusters", json::object());
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(header(ecsd.requests().at(0), "Host"), "localhost:" + std::to_string(ecsd.port()));
}

TEST(ApiClientTest, InvalidEndpoints) {
  for (const char* endpoint : {"127.0.0.1:8443", "ftp://127.0.0.1:8443", "https://127.0.0.1:0",
                               "https://127.0.0.1:8443/v1", "https://:8443", "https://[::1"}) {
    auto answer = makeApiClient(endpoint, credentials(), trusted(), 1s)->call("X", {});
    ASSERT_FALSE(answer.ok()) << endpoint;
    EXPECT_EQ(answer.error().type, "ClientException") << endpoint;
  }
}

// ---------------------------------------------------------------------------
// WebSocket client

TEST(WebSocketTest, SignedUpgradeThenTextFramesBothWays) {
  FakeEcsd ecsd(true);
  const std::string query =
      "/ws?clusterArn=arn%3Aaws%3Aecs%3Aus-east-1%3A000000000000%3Acluster%2Fdefault"
      "&dockerVersion=DockerVersion%3A%2024.0.7&protocolVersion=2&seqNum=1";
  auto connection = connectWebSocket(ecsd.wsUrl(query), credentials(), trusted(), 10s);
  ASSERT_TRUE(connection.ok()) << connection.error().type << ": " << connection.error().message;

  const auto upgrades = ecsd.upgrades();
  ASSERT_EQ(upgrades.size(), 1u);
  const HttpRequest& upgrade = upgrades[0];
  EXPECT_EQ(upgrade.method, "GET");
  EXPECT_EQ(upgrade.target, query);
  EXPECT_EQ(header(upgrade, "Host"), "127.0.0.1:" + std::to_string(ecsd.port()));
  EXPECT_EQ(header(upgrade, "Upgrade"), "websocket");
  EXPECT_NE(header(upgrade, "Authorization").find("SignedHeaders=host;x-amz-date, "),
            std::string::npos);
  EXPECT_TRUE(verified(upgrade).ok());

  auto& ws = **connection;
  ASSERT_TRUE(ws.write(R"({"type":"HeartbeatAckRequest","message":{"messageId":"1"}})").ok());
  EXPECT_EQ(ecsd.nextReceived(), R"({"type":"HeartbeatAckRequest","message":{"messageId":"1"}})");
  auto echoed = ws.read(10s);
  ASSERT_TRUE(echoed.ok()) << echoed.error().message;
  EXPECT_EQ(*echoed, R"(echo:{"type":"HeartbeatAckRequest","message":{"messageId":"1"}})");

  ecsd.send(std::string(1024 * 1024, 'p'));  // the largest frame allowed
  auto big = ws.read(10s);
  ASSERT_TRUE(big.ok()) << big.error().message;
  ASSERT_TRUE(big->has_value());
  EXPECT_EQ((*big)->size(), 1024u * 1024u);

  ws.close();
  EXPECT_TRUE(ecsd.waitForSessionClosed());
}

TEST(WebSocketTest, PlainWebSocket) {
  FakeEcsd ecsd(false);
  auto connection = connectWebSocket(ecsd.wsUrl("/ws?seqNum=1"), credentials(), {}, 10s);
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  ASSERT_TRUE((*connection)->write("plain").ok());
  EXPECT_EQ((*connection)->read(10s).value(), "echo:plain");
}

TEST(WebSocketTest, AnUntrustedCertificateIsRejected) {
  FakeEcsd ecsd(true);
  test_support::TempDir otherDir;
  auto other = security::ensureTlsMaterial(otherDir.path, {});
  ASSERT_TRUE(other.ok());
  auto connection = connectWebSocket(ecsd.wsUrl("/ws"), credentials(),
                                     TlsOptions{other->caCertificate.string(), true}, 10s);
  ASSERT_FALSE(connection.ok());
  EXPECT_EQ(connection.error().type, transport_errors::kCertificateRejected);
  EXPECT_NE(connection.error().message.find("certificate verify failed"), std::string::npos)
      << connection.error().message;
}

TEST(WebSocketTest, ReadTimeoutReturnsNothingAndTheConnectionStillWorks) {
  FakeEcsd ecsd(true);
  auto connection = connectWebSocket(ecsd.wsUrl("/ws"), credentials(), trusted(), 10s);
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  auto& ws = **connection;
  for (int i = 0; i < 2; ++i) {
    const auto start = Clock::now();
    auto nothing = ws.read(200ms);
    ASSERT_TRUE(nothing.ok()) << nothing.error().message;
    EXPECT_FALSE(nothing->has_value());
    EXPECT_GE(Clock::now() - start, 190ms);
    EXPECT_LT(Clock::now() - start, 2s);
  }
  ecsd.send("late");
  EXPECT_EQ(ws.read(10s).value(), "late");
  ASSERT_TRUE(ws.write("still here").ok());
  EXPECT_EQ(ws.read(10s).value(), "echo:still here");
}

TEST(WebSocketTest, RefusedUpgradesAreTheAwsErrors) {
  FakeEcsd ecsd(true);
  auto inactive = connectWebSocket(ecsd.wsUrl("/ws?refuse=1"), credentials(), trusted(), 10s);
  ASSERT_FALSE(inactive.ok());
  EXPECT_EQ(inactive.error().type, "InactiveInstanceException");
  EXPECT_EQ(inactive.error().message, "The instance is not registered.");
  EXPECT_EQ(inactive.error().httpStatus, 400);

  auto badKey = connectWebSocket(ecsd.wsUrl("/ws"), credentials("wrong"), trusted(), 10s);
  ASSERT_FALSE(badKey.ok());
  EXPECT_EQ(badKey.error().type, "InvalidSignatureException");
  EXPECT_EQ(badKey.error().httpStatus, 403);
}

TEST(WebSocketTest, ServerCloseEndsTheSession) {
  FakeEcsd ecsd(true);
  auto connection = connectWebSocket(ecsd.wsUrl("/ws"), credentials(), trusted(), 10s);
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  auto& ws = **connection;
  ecsd.send("last words");
  ecsd.closeSession();
  EXPECT_EQ(ws.read(10s).value(), "last words");  // what came before the close is delivered
  for (int i = 0; i < 2; ++i) {
    auto closed = ws.read(10s);
    ASSERT_FALSE(closed.ok());
    EXPECT_EQ(closed.error().type, transport_errors::kClosed);
    EXPECT_NE(closed.error().message.find("code 1000"), std::string::npos)
        << closed.error().message;
  }
  auto write = ws.write("too late");
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().type, transport_errors::kClosed);
}

TEST(WebSocketTest, ServerShutdownIsGoingAway) {
  FakeEcsd ecsd(false);
  auto connection = connectWebSocket(ecsd.wsUrl("/ws"), credentials(), {}, 10s);
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  std::thread stopper([&] { ecsd.stop(); });
  auto closed = (*connection)->read(10s);
  stopper.join();
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.error().type, transport_errors::kClosed);
  EXPECT_NE(closed.error().message.find("code 1001"), std::string::npos) << closed.error().message;
}

TEST(WebSocketTest, WritesFromOtherThreadsWhileReading) {
  FakeEcsd ecsd(true);
  auto connection = connectWebSocket(ecsd.wsUrl("/ws"), credentials(), trusted(), 10s);
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  auto& ws = **connection;
  constexpr int kWriters = 4;
  constexpr int kEach = 25;
  std::vector<std::string> read;
  std::thread reader([&] {
    while (read.size() < kWriters * kEach) {
      auto text = ws.read(10s);
      if (!text.ok() || !text->has_value()) return;
      read.push_back(**text);
    }
  });
  std::this_thread::sleep_for(50ms);  // the reader is blocked in read()
  std::vector<std::thread> writers;
  std::atomic<int> written{0};
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        if (ws.write(std::to_string(w) + ":" + std::to_string(i)).ok()) ++written;
      }
    });
  }
  for (auto& writer : writers) writer.join();
  reader.join();
  EXPECT_EQ(written, kWriters * kEach);
  ASSERT_EQ(read.size(), static_cast<std::size_t>(kWriters * kEach));
  // Each writer's frames arrive in its order.
  std::vector<int> next(kWriters, 0);
  for (const std::string& text : read) {
    const int w = text[5] - '0';
    EXPECT_EQ(text, "echo:" + std::to_string(w) + ":" + std::to_string(next[w]++));
  }
}

TEST(WebSocketTest, CloseWakesABlockedRead) {
  FakeEcsd ecsd(true);
  auto connection = connectWebSocket(ecsd.wsUrl("/ws"), credentials(), trusted(), 10s);
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  auto& ws = **connection;
  auto blocked = std::async(std::launch::async, [&] { return ws.read(30s); });
  std::this_thread::sleep_for(100ms);
  const auto start = Clock::now();
  ws.close();
  ws.close();  // idempotent
  ASSERT_EQ(blocked.wait_for(5s), std::future_status::ready);
  auto result = blocked.get();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().type, transport_errors::kClosed);
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_TRUE(ecsd.waitForSessionClosed());  // a proper close reached ecsd
  EXPECT_FALSE(ws.write("after").ok());
}

TEST(WebSocketTest, UnreachableAndSilentServers) {
  auto refused = connectWebSocket("wss://127.0.0.1:" + std::to_string(closedPort()) + "/ws",
                                  credentials(), trusted(), 10s);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().type, transport_errors::kUnreachable);

  SilentServer silent;
  for (const char* scheme : {"wss://", "ws://"}) {
    const auto start = Clock::now();
    auto hung =
        connectWebSocket(std::string(scheme) + "127.0.0.1:" + std::to_string(silent.port()) + "/ws",
                         credentials(), trusted(), 1s);
    const auto took = Clock::now() - start;
    ASSERT_FALSE(hung.ok());
    EXPECT_EQ(hung.error().type, transport_errors::kUnreachable) << hung.error().message;
    EXPECT_LT(took, 3s) << scheme;
  }

  auto badUrl = connectWebSocket("https://127.0.0.1:1/ws", credentials(), trusted(), 1s);
  ASSERT_FALSE(badUrl.ok());
  EXPECT_EQ(badUrl.error().type, "ClientException");
}

TEST(WebSocketTest, DestroyingAnOpenConnectionClosesIt) {
  FakeEcsd ecsd(true);
  auto connection = connectWebSocket(ecsd.wsUrl("/ws"), credentials(), trusted(), 10s);
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  const auto start = Clock::now();
  connection = Error{};  // destroys it
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_TRUE(ecsd.waitForSessionClosed());
}

// ---------------------------------------------------------------------------
// Local HTTP server

struct Recorded {
  std::mutex mutex;
  std::vector<HttpRequest> requests;
};

LocalHttpServer::Handler recordingHandler(Recorded& recorded) {
  return [&recorded](const HttpRequest& request) {
    {
      std::lock_guard lock(recorded.mutex);
      recorded.requests.push_back(request);
    }
    if (request.target == "/boom") throw std::runtime_error("boom");
    return HttpResponse{request.target == "/missing" ? 404 : 200,
                        {{"Content-Type", "application/json"}, {"Content-Length", "999"}},
                        R"({"Cluster":"default"})"};
  };
}

std::string get(std::uint16_t port, const std::string& target) {
  Socket client;
  if (!client.connect(port)) return "connect failed";
  client.send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  return client.readAll();
}

TEST(LocalHttpServerTest, AnswersGetRequests) {
  Recorded recorded;
  auto server = startLocalHttpServer("127.0.0.1", 0, recordingHandler(recorded));
  ASSERT_TRUE(server.ok()) << server.error().message;
  const std::uint16_t port = (*server)->port();
  EXPECT_NE(port, 0);

  const std::string answer = get(port, "/v1/metadata?x=1");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << answer;
  EXPECT_NE(answer.find("Content-Type: application/json\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Content-Length: 21\r\n"), std::string::npos) << answer;
  EXPECT_TRUE(answer.ends_with("\r\n\r\n{\"Cluster\":\"default\"}")) << answer;
  EXPECT_TRUE(get(port, "/missing").starts_with("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_TRUE(get(port, "/boom").starts_with("HTTP/1.1 500 Internal Server Error\r\n"));
  EXPECT_TRUE(get(port, "/v1/metadata").starts_with("HTTP/1.1 200 OK\r\n"));  // still serving

  std::lock_guard lock(recorded.mutex);
  ASSERT_EQ(recorded.requests.size(), 4u);
  EXPECT_EQ(recorded.requests[0].method, "GET");
  EXPECT_EQ(recorded.requests[0].target, "/v1/metadata?x=1");
  EXPECT_EQ(header(recorded.requests[0], "host"), "localhost");
  EXPECT_TRUE(recorded.requests[0].remote.starts_with("127.0.0.1:"));
}

TEST(LocalHttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Recorded recorded;
  auto server = startLocalHttpServer("127.0.0.1", 0, recordingHandler(recorded));
  ASSERT_TRUE(server.ok());
  Socket client;
  ASSERT_TRUE(client.connect((*server)->port()));
  ASSERT_TRUE(
      client.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n"
                  "Connection: close\r\n\r\n"));
  const std::string answers = client.readAll();
  EXPECT_EQ(std::count(answers.begin(), answers.end(), '{'), 2) << answers;
  std::lock_guard lock(recorded.mutex);
  ASSERT_EQ(recorded.requests.size(), 2u);
  EXPECT_EQ(recorded.requests[1].target, "/b");
}

TEST(LocalHttpServerTest, ASlowClientDoesNotBlockOthers) {
  Recorded recorded;
  auto server = startLocalHttpServer("127.0.0.1", 0, recordingHandler(recorded));
  ASSERT_TRUE(server.ok());
  Socket slow;
  ASSERT_TRUE(slow.connect((*server)->port()));
  ASSERT_TRUE(slow.send("GET /slow HTTP/1.1\r\nHo"));  // and nothing more
  const auto start = Clock::now();
  EXPECT_TRUE(get((*server)->port(), "/fast").starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_LT(Clock::now() - start, 1s);
  // The slow one is dropped after the request deadline.
  EXPECT_EQ(slow.readAll(), "");
  EXPECT_LT(Clock::now() - start, 8s);
}

TEST(LocalHttpServerTest, PortInUseIsAServerException) {
  Recorded recorded;
  auto first = startLocalHttpServer("127.0.0.1", 0, recordingHandler(recorded));
  ASSERT_TRUE(first.ok());
  const std::uint16_t port = (*first)->port();
  auto second = startLocalHttpServer("127.0.0.1", port, recordingHandler(recorded));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().type, "ServerException");
  EXPECT_EQ(second.error().message,
            "cannot listen on 127.0.0.1:" + std::to_string(port) + ": Address already in use");
  EXPECT_EQ(second.error().httpStatus, 500);

  auto invalid = startLocalHttpServer("not-an-ip", 0, recordingHandler(recorded));
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().type, "ServerException");
}

TEST(LocalHttpServerTest, DestructorReturnsPromptlyWithAnIdleClient) {
  Recorded recorded;
  auto server = startLocalHttpServer("127.0.0.1", 0, recordingHandler(recorded));
  ASSERT_TRUE(server.ok());
  const std::uint16_t port = (*server)->port();
  Socket idle;
  ASSERT_TRUE(idle.connect(port));
  Socket keptAlive;
  ASSERT_TRUE(keptAlive.connect(port));
  ASSERT_TRUE(keptAlive.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(recorded.mutex);
    return recorded.requests.size() == 1;
  }));
  const auto start = Clock::now();
  server = Error{};
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_FALSE(Socket().connect(port));  // no longer listening
}

}  // namespace
}  // namespace ecsd::agent
