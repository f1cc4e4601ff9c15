#include "server/http_server.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>
#include <set>
#include <thread>

namespace ecsd::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

using protocol::HttpRequest;
using protocol::HttpResponse;

HttpResponse errorResponder(int status, std::string_view type, std::string_view message) {
  return HttpResponse{
      status, {{"Content-Type", "text/plain"}}, std::string(type) + ": " + std::string(message)};
}

// A server on 127.0.0.1:0 running on a background thread for one test,
// answering every path (the route `path`) with `answer`; `configure` runs
// before run().
class RunningServer {
 public:
  using Answer = std::function<HttpResponse(const HttpRequest&)>;
  RunningServer(Answer answer, Limits limits = {}, std::optional<TlsCertificate> tls = {},
                const std::function<void(HttpServer&)>& configure = {}, std::string path = "/*")
      : server_(errorResponder, limits, 2) {
    server_.route(std::move(path), answering(std::move(answer)));
    if (configure) configure(server_);
    auto bound = server_.listen("127.0.0.1:0", std::move(tls));
    if (!bound) throw std::runtime_error(bound.error().message);
    endpoint = *bound;
    running_ = std::async(std::launch::async, [this] { server_.run(); });
  }
  ~RunningServer() { stopAndWait(); }

  // True when run() returned within a generous bound.
  bool stopAndWait() {
    server_.stop();
    return running_.wait_for(15s) == std::future_status::ready;
  }

  Endpoint endpoint;

 private:
  HttpServer server_;
  std::future<void> running_;
};

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

ssl::context clientTlsContext(const std::filesystem::path& trustedCert) {
  ssl::context context(ssl::context::tls_client);
  if (!trustedCert.empty()) {
    context.load_verify_file(trustedCert.string());
    context.set_verify_mode(ssl::verify_peer);
  }
  return context;
}

// A blocking client over Beast's async operations, so that every step has a
// timeout and a broken server fails the test instead of hanging it.
class Client {
 public:
  // From `source` when given (any 127.x address is this host's).
  explicit Client(const Endpoint& endpoint, const std::filesystem::path& trustedCert = {},
                  const std::string& source = {})
      : tlsContext_(clientTlsContext(trustedCert)), stream_(ioc_, tlsContext_), tls_(endpoint.tls) {
    const tcp::endpoint target(asio::ip::make_address(endpoint.address), endpoint.port);
    if (!source.empty()) {
      lowest().socket().open(tcp::v4());
      lowest().socket().bind(tcp::endpoint(asio::ip::make_address(source), 0));
    }
    connectError = io([&](auto&, auto done) { lowest().async_connect(target, done); });
    if (!connectError && tls_) {
      connectError =
          io([&](auto&, auto done) { stream_.async_handshake(ssl::stream_base::client, done); });
    }
  }

  // Connects over TCP and does nothing more (no TLS handshake).
  static tcp::socket connectOnly(asio::io_context& ioc, const Endpoint& endpoint,
                                 const std::string& source = "127.0.0.1") {
    tcp::socket socket(ioc, tcp::endpoint(asio::ip::make_address(source), 0));
    socket.connect(tcp::endpoint(asio::ip::make_address(endpoint.address), endpoint.port));
    return socket;
  }

  beast::error_code sendRaw(const std::string& data) {
    return io([&](auto& s, auto done) { asio::async_write(s, asio::buffer(data), done); });
  }

  beast::error_code write(Request& request) {
    request.prepare_payload();
    return io([&](auto& s, auto done) { http::async_write(s, request, done); });
  }

  beast::error_code read(Response& response) {
    response = {};
    return io([&](auto& s, auto done) { http::async_read(s, buffer_, response, done); });
  }

  Response roundTrip(Request request) {
    Response response;
    EXPECT_FALSE(write(request));
    EXPECT_FALSE(read(response));
    return response;
  }

  beast::error_code shutdownTls() {
    return io([&](auto&, auto done) { stream_.async_shutdown(done); });
  }

  // Whether the server gave this connection's TLS session a way to be resumed.
  bool resumable() {
    const SSL_SESSION* session = SSL_get_session(stream_.native_handle());
    return session != nullptr && SSL_SESSION_is_resumable(session) == 1;
  }

  beast::error_code connectError;

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // Starts one operation on the plain or TLS stream and runs it to completion.
  template <class Start>
  beast::error_code io(Start start) {
    beast::error_code result = asio::error::would_block;
    auto done = [&result](beast::error_code ec, auto&&...) { result = ec; };
    lowest().expires_after(10s);
    if (tls_) {
      start(stream_, done);
    } else {
      start(lowest(), done);
    }
    ioc_.restart();
    ioc_.run();
    return result;
  }

  asio::io_context ioc_;
  ssl::context tlsContext_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  bool tls_;
};

Request post(std::string target, std::string body = {}) {
  Request request{http::verb::post, target, 11};
  request.set(http::field::host, "localhost");
  request.body() = std::move(body);
  return request;
}

HttpResponse ok(std::string body) { return HttpResponse{200, {}, std::move(body)}; }

TEST(HttpServerTest, RoundTripsRequestsOnOneKeepAliveConnection) {
  std::mutex mutex;
  std::vector<HttpRequest> seen;
  RunningServer server([&](const HttpRequest& request) {
    std::lock_guard lock(mutex);
    seen.push_back(request);
    return HttpResponse{201,
                        {{"X-Method", request.method},
                         {"X-Target", request.target},
                         {"X-Echo", std::string(request.header("x-test"))}},
                        "echo:" + request.body};
  });
  EXPECT_TRUE(server.endpoint.url().starts_with("http://127.0.0.1:"));
  Client client(server.endpoint);
  ASSERT_FALSE(client.connectError);

  Request first = post("/path?q=1", "{\"a\":1}");
  first.set("X-Test", "hello");
  const Response one = client.roundTrip(first);
  EXPECT_EQ(one.result_int(), 201);
  EXPECT_EQ(one["X-Method"], "POST");
  EXPECT_EQ(one["X-Target"], "/path?q=1");
  EXPECT_EQ(one["X-Echo"], "hello");
  EXPECT_EQ(one[http::field::server], "ecsd");
  EXPECT_EQ(one.body(), "echo:{\"a\":1}");
  EXPECT_TRUE(one.keep_alive());

  const Response two = client.roundTrip(post("/second", "2"));
  EXPECT_EQ(two.body(), "echo:2");

  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 2u);
  const auto& headers = seen[0].headers;
  EXPECT_NE(std::find(headers.begin(), headers.end(),
                      std::pair<std::string, std::string>{"X-Test", "hello"}),
            headers.end());
  EXPECT_TRUE(seen[0].remote.starts_with("127.0.0.1:"));
  EXPECT_EQ(seen[0].remote, seen[1].remote);  // same connection
}

TEST(HttpServerTest, RoutesByPathEachToItsOwnHandler) {
  const auto named = [](std::string name) {
    return answering(
        [name](const HttpRequest& request) { return ok(name + " " + request.target); });
  };
  RunningServer server([](const HttpRequest& request) { return ok("api " + request.target); }, {},
                       {},
                       [&](HttpServer& s) {
                         s.route("/metrics", named("metrics"));
                         s.route("/console/*", named("console"));
                         s.route("/console/x/*", named("deeper"));
                       },
                       "/");
  Client client(server.endpoint);
  ASSERT_FALSE(client.connectError);
  EXPECT_EQ(client.roundTrip(post("/", "")).body(), "api /");
  EXPECT_EQ(client.roundTrip(post("/?x=1", "")).body(), "api /?x=1");
  EXPECT_EQ(client.roundTrip(post("/metrics?x=1", "")).body(), "metrics /metrics?x=1");
  EXPECT_EQ(client.roundTrip(post("/console/", "")).body(), "console /console/");
  EXPECT_EQ(client.roundTrip(post("/console/app.js", "")).body(), "console /console/app.js");
  EXPECT_EQ(client.roundTrip(post("/console/x/", "")).body(), "deeper /console/x/");
  // "/" is one path, not every path: the API is not served elsewhere.
  for (const char* elsewhere : {"/metrics/more", "/console", "/elsewhere", "//"}) {
    const Response missing = client.roundTrip(post(elsewhere, ""));
    EXPECT_EQ(missing.result_int(), 404) << elsewhere;
    EXPECT_EQ(missing.body(), "NotFound: Nothing is served at this path");
  }
}

TEST(HttpServerTest, APathNoRouteServesIsNotFound) {
  // RunningServer routes "/"; this server has an exact route only.
  HttpServer bare(errorResponder, {}, 1);
  bare.route("/healthz", answering([](const HttpRequest&) { return ok("fine"); }));
  auto bound = bare.listen("127.0.0.1:0", std::nullopt);
  ASSERT_TRUE(bound.ok());
  auto running = std::async(std::launch::async, [&] { bare.run(); });
  {
    Client client(*bound);
    ASSERT_FALSE(client.connectError);
    EXPECT_EQ(client.roundTrip(post("/healthz", "")).body(), "fine");
    const Response missing = client.roundTrip(post("/other", ""));
    EXPECT_EQ(missing.result_int(), 404);
    EXPECT_EQ(missing.body(), "NotFound: Nothing is served at this path");
  }
  bare.stop();
  EXPECT_EQ(running.wait_for(15s), std::future_status::ready);
}

// A handler may answer after it has returned, from another thread, and the
// server threads serve other requests meanwhile.
TEST(HttpServerTest, AHandlerMayAnswerLaterFromAnotherThread) {
  std::mutex mutex;
  // Each waiting request with its client's number: the server threads may
  // take the four requests in any order.
  std::vector<std::pair<std::string, Respond>> waiting;
  std::condition_variable arrived;
  RunningServer server([](const HttpRequest&) { return ok("now"); }, {}, {},
                       [&](HttpServer& s) {
                         s.route("/later", [&](HttpRequest request, Respond respond) {
                           std::lock_guard lock(mutex);
                           waiting.emplace_back(request.body, std::move(respond));
                           arrived.notify_all();
                         });
                       });
  // More waiting requests than the server has threads (2).
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<Client>(server.endpoint));
    ASSERT_FALSE(clients.back()->connectError);
    Request request = post("/later", std::to_string(i));
    ASSERT_FALSE(clients.back()->write(request));
  }
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(arrived.wait_for(lock, 15s, [&] { return waiting.size() == 4; }));
  }
  Client other(server.endpoint);
  EXPECT_EQ(other.roundTrip(post("/", "")).body(), "now");
  std::thread answerer([&] {
    std::lock_guard lock(mutex);
    for (auto& [client, respond] : waiting) respond(ok("later " + client));
    waiting.clear();  // an answered request holds its connection no longer
  });
  answerer.join();
  for (int i = 0; i < 4; ++i) {
    Response response;
    ASSERT_FALSE(clients[i]->read(response));
    EXPECT_EQ(response.body(), "later " + std::to_string(i));
  }
}

// Each connection is served by one loop's thread, connections are dealt out
// to the loops in turn, and what another thread hands back through
// postHere() runs on the loop that asked.
TEST(HttpServerTest, AConnectionStaysOnItsLoopAndPostHereComesBackToIt) {
  std::mutex mutex;
  std::map<std::string, std::set<std::thread::id>> threadsByClient;  // by body
  HttpServer* serving = nullptr;
  RunningServer server([](const HttpRequest&) { return ok("now"); }, {}, {},
                       [&](HttpServer& s) {
                         serving = &s;
                         s.route("/where", [&](HttpRequest request, Respond respond) {
                           const auto here = std::this_thread::get_id();
                           auto back = serving->postHere();
                           // Handed back from a thread of no loop, as the writer does.
                           std::thread([&, back, here, request, respond]() mutable {
                             back([&, here, request, respond] {
                               std::lock_guard lock(mutex);
                               auto& seen = threadsByClient[request.body];
                               seen.insert(here);
                               seen.insert(std::this_thread::get_id());
                               respond(ok("ok"));
                             });
                           }).detach();
                         });
                       });
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 2; ++i) {
    clients.push_back(std::make_unique<Client>(server.endpoint));
    ASSERT_FALSE(clients.back()->connectError);
  }
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(clients[i]->roundTrip(post("/where", std::to_string(i))).body(), "ok");
    }
  }
  std::lock_guard lock(mutex);
  ASSERT_EQ(threadsByClient.size(), 2u);
  ASSERT_EQ(threadsByClient["0"].size(), 1u);  // every request and every task handed back
  ASSERT_EQ(threadsByClient["1"].size(), 1u);
  EXPECT_NE(*threadsByClient["0"].begin(), *threadsByClient["1"].begin());  // two loops
}

TEST(HttpServerTest, RejectsOversizedAndMalformedRequestsThenCloses) {
  Limits limits;
  limits.maxBodyBytes = 1024;
  limits.maxHeaderBytes = 1024;
  RunningServer server([](const HttpRequest&) { return ok("unexpected"); }, limits);

  Client big(server.endpoint);
  ASSERT_FALSE(big.connectError);
  const Response tooLarge = big.roundTrip(post("/", std::string(2000, 'x')));
  EXPECT_EQ(tooLarge.result_int(), 413);
  EXPECT_EQ(tooLarge.body(),
            "RequestEntityTooLargeException: Request body of 2000 bytes exceeds the limit of "
            "1024 bytes");
  EXPECT_FALSE(tooLarge.keep_alive());
  Response after;
  EXPECT_EQ(big.read(after), http::error::end_of_stream);

  Client header(server.endpoint);
  Request longHeader = post("/");
  longHeader.set("X-Long", std::string(2000, 'h'));
  EXPECT_EQ(header.roundTrip(longHeader).result_int(), 431);

  Client garbage(server.endpoint);
  ASSERT_FALSE(garbage.sendRaw("NOT AN HTTP REQUEST\r\n\r\n"));
  Response malformed;
  ASSERT_FALSE(garbage.read(malformed));
  EXPECT_EQ(malformed.result_int(), 400);
  EXPECT_TRUE(malformed.body().starts_with("BadRequest: ")) << malformed.body();
}

TEST(HttpServerTest, ThrowingHandlerAnswers500AndServerKeepsServing) {
  RunningServer server([](const HttpRequest& request) -> HttpResponse {
    if (request.target == "/boom") throw std::runtime_error("kaboom");
    return ok("fine");
  });
  Client client(server.endpoint);
  const Response failed = client.roundTrip(post("/boom"));
  EXPECT_EQ(failed.result_int(), 500);
  EXPECT_EQ(failed.body(), "ServerException: Internal error");
  EXPECT_EQ(client.roundTrip(post("/ok")).body(), "fine");
}

TEST(HttpServerTest, IdleTimeoutClosesConnection) {
  Limits limits;
  limits.idleTimeout = 1s;
  RunningServer server([](const HttpRequest&) { return ok("hi"); }, limits);
  Client client(server.endpoint);
  EXPECT_EQ(client.roundTrip(post("/")).body(), "hi");
  const auto start = std::chrono::steady_clock::now();
  Response none;
  EXPECT_EQ(client.read(none), http::error::end_of_stream);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
}

TEST(HttpServerTest, StopDrainsInFlightRequestsAndClosesIdleConnections) {
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  RunningServer server([&](const HttpRequest& request) {
    if (request.target == "/slow") {
      entered.set_value();
      released.wait();
    }
    return ok(request.target);
  });
  Client idle(server.endpoint);
  EXPECT_EQ(idle.roundTrip(post("/fast")).body(), "/fast");

  Client busy(server.endpoint);
  Request slow = post("/slow");
  ASSERT_FALSE(busy.write(slow));
  ASSERT_EQ(entered.get_future().wait_for(10s), std::future_status::ready);

  std::future<bool> stopped = std::async(std::launch::async, [&] { return server.stopAndWait(); });
  Response none;
  EXPECT_EQ(idle.read(none), http::error::end_of_stream);  // closed while /slow still runs
  release.set_value();

  Response answer;
  ASSERT_FALSE(busy.read(answer));
  EXPECT_EQ(answer.body(), "/slow");
  EXPECT_FALSE(answer.keep_alive());
  EXPECT_TRUE(stopped.get());
  EXPECT_TRUE(Client(server.endpoint).connectError);  // no longer accepting
}

// A connection the server ends at once, without a byte: its first read gets
// the end of the stream (or a reset) well before the client's timeout.
bool closedAtOnce(tcp::socket& socket) {
  socket.non_blocking(false);
  timeval timeout{2, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  char byte = 0;
  const ssize_t got = ::recv(socket.native_handle(), &byte, 1, 0);
  return got == 0 || (got < 0 && errno == ECONNRESET);
}

TEST(HttpServerTest, ConnectionsOverTheCapAreClosedAndEstablishedOnesServed) {
  Limits limits;
  limits.maxConnections = 3;
  limits.maxConnectionsPerAddress = 2;
  RunningServer server([](const HttpRequest&) { return ok("served"); }, limits);
  asio::io_context ioc;
  Client established(server.endpoint);
  EXPECT_EQ(established.roundTrip(post("/")).body(), "served");
  tcp::socket second = Client::connectOnly(ioc, server.endpoint);
  tcp::socket third = Client::connectOnly(ioc, server.endpoint);
  EXPECT_TRUE(closedAtOnce(third));  // a third from 127.0.0.1
  Client other(server.endpoint, {}, "127.0.0.2");
  EXPECT_EQ(other.roundTrip(post("/")).body(), "served");
  tcp::socket fourth = Client::connectOnly(ioc, server.endpoint, "127.0.0.3");
  EXPECT_TRUE(closedAtOnce(fourth));   // a fourth in all
  EXPECT_FALSE(closedAtOnce(second));  // held, waiting for its request
  EXPECT_EQ(established.roundTrip(post("/")).body(), "served");
  EXPECT_EQ(other.roundTrip(post("/")).body(), "served");
}

// Out of descriptors, accept() fails: the server backs off rather than spin,
// goes on serving the connections it has, and accepts the waiting one as soon
// as a descriptor is free.
TEST(HttpServerTest, AcceptOutOfDescriptorsBacksOffAndKeepsServing) {
  RunningServer server([](const HttpRequest&) { return ok("served"); });
  Client established(server.endpoint);
  EXPECT_EQ(established.roundTrip(post("/")).body(), "served");
  asio::io_context ioc;
  tcp::socket waiting(ioc, tcp::v4());
  rlimit files{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &files), 0);
  const rlimit before = files;
  files.rlim_cur = 256;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &files), 0);
  std::vector<int> filler;  // every descriptor left, so the server has none to accept with
  for (int fd = ::dup(0); fd >= 0; fd = ::dup(0)) filler.push_back(fd);
  ASSERT_FALSE(filler.empty());
  waiting.connect(tcp::endpoint(asio::ip::make_address(server.endpoint.address),
                                server.endpoint.port));  // into the backlog
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto cpu = [](const rusage& u) {
    return std::chrono::seconds(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           std::chrono::microseconds(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  };
  const auto cpuBefore = cpu(usage);
  std::this_thread::sleep_for(500ms);
  ::getrusage(RUSAGE_SELF, &usage);
  EXPECT_LT(cpu(usage) - cpuBefore, 100ms);  // no busy loop on EMFILE
  EXPECT_EQ(established.roundTrip(post("/")).body(), "served");

  ::close(filler.back());  // one descriptor free again
  filler.pop_back();
  const std::string request = "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n";
  asio::write(waiting, asio::buffer(request));
  timeval timeout{5, 0};
  ::setsockopt(waiting.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  beast::flat_buffer buffer;
  Response response;
  beast::error_code ec;
  http::read(waiting, buffer, response, ec);
  for (const int fd : filler) ::close(fd);
  ::setrlimit(RLIMIT_NOFILE, &before);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.body(), "served");
}

// Nothing but in-flight requests holds a drain up: not a connection that
// never sent a byte, nor one halfway through sending its request.
TEST(HttpServerTest, StopClosesConnectionsWithNoRequestInProgressAtOnce) {
  auto server = std::make_unique<RunningServer>([](const HttpRequest&) { return ok("hi"); });
  asio::io_context ioc;
  tcp::socket silent = Client::connectOnly(ioc, server->endpoint);
  Client partial(server->endpoint);
  ASSERT_FALSE(partial.sendRaw("POST / HTTP/1.1\r\nHost: localhost\r\n"));
  Client idle(server->endpoint);
  EXPECT_EQ(idle.roundTrip(post("/")).body(), "hi");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(server->stopAndWait());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);  // not the 10 s drain timeout
  EXPECT_TRUE(closedAtOnce(silent));
}

// A throwaway self-signed certificate for 127.0.0.1, removed afterwards.
class TempCertificate {
 public:
  TempCertificate() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ecsd-http-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout " +
        (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() + " >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl req failed");
  }
  ~TempCertificate() { std::filesystem::remove_all(dir_); }

  TlsCertificate files() const { return {dir_ / "cert.pem", dir_ / "key.pem"}; }

 private:
  std::filesystem::path dir_;
};

TEST(HttpServerTest, ServesTlsWithTheConfiguredCertificate) {
  TempCertificate certificate;
  RunningServer server([](const HttpRequest& request) { return ok("tls:" + request.body); }, {},
                       certificate.files());
  EXPECT_TRUE(server.endpoint.url().starts_with("https://127.0.0.1:"));
  Client client(server.endpoint, certificate.files().certificateChain);
  ASSERT_FALSE(client.connectError) << client.connectError.message();
  EXPECT_EQ(client.roundTrip(post("/", "x")).body(), "tls:x");
  EXPECT_EQ(client.roundTrip(post("/", "y")).body(), "tls:y");
  // Clients keep their connection, so no handshake pays for a ticket.
  EXPECT_FALSE(client.resumable());
  EXPECT_FALSE(client.shutdownTls());
}

// Many TLS records each way, so reads wait for input more than once.
TEST(HttpServerTest, ServesLargeBodiesOverTls) {
  TempCertificate certificate;
  RunningServer server([](const HttpRequest& request) { return ok(request.body + request.body); },
                       {}, certificate.files());
  Client client(server.endpoint, certificate.files().certificateChain);
  ASSERT_FALSE(client.connectError) << client.connectError.message();
  std::string body(1536 * 1024, 'a');
  for (std::size_t i = 0; i < body.size(); i += 4093) body[i] = static_cast<char>('b' + i % 20);
  EXPECT_EQ(client.roundTrip(post("/", body)).body(), body + body);
  EXPECT_EQ(client.roundTrip(post("/", "small")).body(), "smallsmall");
  EXPECT_FALSE(client.shutdownTls());
}

// A connection that has not begun its handshake holds no TLS state, and one
// that does begin it later is served as any other.
TEST(HttpServerTest, ServesAConnectionThatWaitedBeforeItsHandshake) {
  TempCertificate certificate;
  RunningServer server([](const HttpRequest& request) { return ok("tls:" + request.body); }, {},
                       certificate.files());
  Client late(server.endpoint);  // plain TCP first...
  std::this_thread::sleep_for(100ms);
  Client client(server.endpoint, certificate.files().certificateChain);
  ASSERT_FALSE(client.connectError) << client.connectError.message();
  EXPECT_EQ(client.roundTrip(post("/", "x")).body(), "tls:x");
}

// A body past the limit is answered 413 and the rest of it read and thrown
// away, so a client that sends all of it before reading (as SDKs do) reads
// the answer rather than a reset, and then the end of the stream at once.
TEST(HttpServerTest, AnOversizedBodyOverTlsIsAnsweredAndTheAnswerRead) {
  TempCertificate certificate;
  Limits limits;
  limits.maxBodyBytes = 1024;
  RunningServer server([](const HttpRequest&) { return ok("unexpected"); }, limits,
                       certificate.files());
  Client client(server.endpoint, certificate.files().certificateChain);
  ASSERT_FALSE(client.connectError) << client.connectError.message();
  Request big = post("/", std::string(8 * 1024 * 1024, 'x'));
  ASSERT_FALSE(client.write(big));  // the server reads what it will not serve
  Response answer;
  ASSERT_FALSE(client.read(answer));
  EXPECT_EQ(answer.result_int(), 413);
  EXPECT_TRUE(answer.body().starts_with("RequestEntityTooLargeException: ")) << answer.body();
  EXPECT_FALSE(answer.keep_alive());
  const auto start = std::chrono::steady_clock::now();
  Response after;
  EXPECT_EQ(client.read(after), http::error::end_of_stream);  // close_notify
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

// An error answer over TLS ends the stream right after it, not when the
// server gives up waiting for the client to close.
TEST(HttpServerTest, AnHttpsErrorAnswerEndsTheStreamAtOnce) {
  TempCertificate certificate;
  RunningServer server([](const HttpRequest&) { return ok("unexpected"); }, {},
                       certificate.files());
  Client client(server.endpoint, certificate.files().certificateChain);
  ASSERT_FALSE(client.connectError) << client.connectError.message();
  const auto start = std::chrono::steady_clock::now();
  ASSERT_FALSE(client.sendRaw("NOT AN HTTP REQUEST\r\n\r\n"));
  Response malformed;
  ASSERT_FALSE(client.read(malformed));
  EXPECT_EQ(malformed.result_int(), 400);
  Response after;
  EXPECT_EQ(client.read(after), http::error::end_of_stream);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST(HttpServerTest, ListenReportsErrorsAndFormatsEndpoints) {
  HttpServer server(errorResponder, {}, 1);
  const auto v4 = server.listen("127.0.0.1:0", std::nullopt);
  ASSERT_TRUE(v4.ok());
  const auto taken = server.listen("127.0.0.1:" + std::to_string(v4->port), std::nullopt);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().type, "ServerException");

  const auto v6 = server.listen("[::1]:0", std::nullopt);
  ASSERT_TRUE(v6.ok()) << v6.error().message;
  EXPECT_EQ(v6->address, "::1");
  EXPECT_EQ(v6->url(), "http://[::1]:" + std::to_string(v6->port));

  EXPECT_FALSE(server.listen("no-port", std::nullopt).ok());
  EXPECT_FALSE(server.listen("127.0.0.1:0", TlsCertificate{"/nonexistent.pem", "/x.pem"}).ok());
  EXPECT_EQ((Endpoint{"127.0.0.1", 8443, true}.url()), "https://127.0.0.1:8443");
}

// WebSocket peers that greet on accept, echo text, close on "close", and
// refuse targets containing "refuse". Counts what happens, for waits.
class EchoAcceptor {
 public:
  protocol::WebSocketAcceptor acceptor() {
    return [this](const HttpRequest& upgrade, std::shared_ptr<protocol::WebSocketChannel> channel)
               -> Result<std::shared_ptr<protocol::WebSocketPeer>> {
      if (upgrade.target.find("refuse") != std::string::npos) {
        return Error{"AccessDeniedException", "denied", 403};
      }
      {
        std::lock_guard lock(mutex_);
        upgrades_.push_back(upgrade);
      }
      channel->sendText("hello");  // before the handshake completes
      return std::shared_ptr<protocol::WebSocketPeer>(
          std::make_shared<Peer>(*this, std::move(channel)));
    };
  }

  bool waitForCloses(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return closes_ >= count; });
  }
  int closes() {
    std::lock_guard lock(mutex_);
    return closes_;
  }
  std::vector<HttpRequest> upgrades() {
    std::lock_guard lock(mutex_);
    return upgrades_;
  }

 private:
  class Peer : public protocol::WebSocketPeer {
   public:
    Peer(EchoAcceptor& owner, std::shared_ptr<protocol::WebSocketChannel> channel)
        : owner_(owner), channel_(std::move(channel)) {}
    void onText(std::string_view text) override {
      if (text == "close") return channel_->close();
      channel_->sendText("echo:" + std::string(text));
    }
    void onClose() override {
      std::lock_guard lock(owner_.mutex_);
      ++owner_.closes_;
      owner_.changed_.notify_all();
    }

   private:
    EchoAcceptor& owner_;
    std::shared_ptr<protocol::WebSocketChannel> channel_;
  };

  std::mutex mutex_;
  std::condition_variable changed_;
  int closes_ = 0;
  std::vector<HttpRequest> upgrades_;
};

// A blocking WebSocket client, plain or TLS, every step with a timeout.
template <bool kTls>
class WsClient {
 public:
  explicit WsClient(const Endpoint& endpoint, const std::filesystem::path& trustedCert = {})
      : tlsContext_(clientTlsContext(trustedCert)) {
    if constexpr (kTls) {
      ws_.emplace(ioc_, tlsContext_);
    } else {
      ws_.emplace(ioc_);
    }
    const tcp::endpoint target(asio::ip::make_address(endpoint.address), endpoint.port);
    connectError = io([&](auto done) { lowest().async_connect(target, done); });
    if constexpr (kTls) {
      if (!connectError) {
        connectError = io(
            [&](auto done) { ws_->next_layer().async_handshake(ssl::stream_base::client, done); });
      }
    }
  }

  beast::error_code handshake(const std::string& target, websocket::response_type& response) {
    return io([&](auto done) { ws_->async_handshake(response, "localhost", target, done); });
  }
  beast::error_code write(const std::string& text) {
    ws_->text(true);
    return io([&](auto done) { ws_->async_write(asio::buffer(text), done); });
  }
  beast::error_code read(std::string& text) {
    beast::flat_buffer buffer;
    const auto ec = io([&](auto done) { ws_->async_read(buffer, done); });
    text = beast::buffers_to_string(buffer.data());
    return ec;
  }
  beast::error_code close() {
    return io([&](auto done) { ws_->async_close(websocket::close_code::normal, done); });
  }
  websocket::close_reason reason() const { return ws_->reason(); }

  beast::error_code connectError;

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(*ws_); }

  template <class Start>
  beast::error_code io(Start start) {
    beast::error_code result = asio::error::would_block;
    lowest().expires_after(10s);
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  using Next = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;
  asio::io_context ioc_;
  ssl::context tlsContext_;
  std::optional<websocket::stream<Next>> ws_;
};

// Connects, upgrades on /ws and reads the echo server's greeting.
template <bool kTls>
testing::AssertionResult greeted(WsClient<kTls>& client) {
  if (client.connectError) return testing::AssertionFailure() << client.connectError.message();
  websocket::response_type response;
  if (auto ec = client.handshake("/ws", response)) {
    return testing::AssertionFailure() << "handshake: " << ec.message();
  }
  std::string text;
  if (auto ec = client.read(text)) return testing::AssertionFailure() << "read: " << ec.message();
  if (text != "hello") return testing::AssertionFailure() << "greeting: " << text;
  return testing::AssertionSuccess();
}

// A server whose /ws path is served by an EchoAcceptor.
struct EchoServer {
  explicit EchoServer(std::optional<TlsCertificate> tls = {})
      : server([](const HttpRequest&) { return ok("plain http"); }, {}, std::move(tls),
               [this](HttpServer& s) { s.acceptWebSockets("/ws", echo.acceptor()); }) {}

  EchoAcceptor echo;
  RunningServer server;
};

TEST(HttpServerWebSocketTest, UpgradesAndRoundTripsTextMessages) {
  EchoServer fixture;
  WsClient<false> client(fixture.server.endpoint);
  ASSERT_FALSE(client.connectError);
  websocket::response_type response;
  ASSERT_FALSE(client.handshake("/ws?clusterArn=a%2Fb&x=1", response));
  EXPECT_EQ(response.result_int(), 101);
  EXPECT_EQ(response[http::field::server], "ecsd");

  std::string text;
  ASSERT_FALSE(client.read(text));
  EXPECT_EQ(text, "hello");
  for (const std::string& message : {std::string("one"), std::string(100'000, 'x')}) {
    ASSERT_FALSE(client.write(message));
    ASSERT_FALSE(client.read(text));
    EXPECT_EQ(text, "echo:" + message);
  }
  ASSERT_FALSE(client.close());
  EXPECT_TRUE(fixture.echo.waitForCloses(1));

  const auto upgrades = fixture.echo.upgrades();
  ASSERT_EQ(upgrades.size(), 1u);
  EXPECT_EQ(upgrades[0].method, "GET");
  EXPECT_EQ(upgrades[0].target, "/ws?clusterArn=a%2Fb&x=1");
  EXPECT_EQ(upgrades[0].header("upgrade"), "websocket");
  EXPECT_TRUE(upgrades[0].remote.starts_with("127.0.0.1:"));

  // The same path without an upgrade is an ordinary request.
  Client plain(fixture.server.endpoint);
  EXPECT_EQ(plain.roundTrip(post("/ws")).body(), "plain http");
  EXPECT_TRUE(fixture.server.stopAndWait());
  EXPECT_EQ(fixture.echo.closes(), 1);
}

TEST(HttpServerWebSocketTest, PeerClosesTheConnection) {
  EchoServer fixture;
  WsClient<false> client(fixture.server.endpoint);
  ASSERT_TRUE(greeted(client));
  std::string text;
  ASSERT_FALSE(client.write("close"));
  EXPECT_EQ(client.read(text), websocket::error::closed);
  EXPECT_EQ(client.reason().code, websocket::close_code::normal);
  EXPECT_TRUE(fixture.echo.waitForCloses(1));
}

TEST(HttpServerWebSocketTest, RefusedOrMalformedUpgradesGetHttpErrors) {
  EchoServer fixture;
  WsClient<false> refused(fixture.server.endpoint);
  websocket::response_type response;
  EXPECT_EQ(refused.handshake("/ws?refuse=1", response), websocket::error::upgrade_declined);
  EXPECT_EQ(response.result_int(), 403);
  EXPECT_EQ(response.body(), "AccessDeniedException: denied");

  Client malformed(fixture.server.endpoint);
  Request notGet = post("/ws");
  notGet.set(http::field::upgrade, "websocket");
  notGet.set(http::field::connection, "upgrade");
  const Response answer = malformed.roundTrip(notGet);
  EXPECT_EQ(answer.result_int(), 400);
  EXPECT_EQ(answer.body(), "BadRequest: Malformed WebSocket upgrade request");
  EXPECT_TRUE(fixture.echo.upgrades().empty());
}

TEST(HttpServerWebSocketTest, OversizedMessageClosesTheConnection) {
  EchoServer fixture;
  WsClient<false> client(fixture.server.endpoint);
  ASSERT_TRUE(greeted(client));
  std::string text;
  ASSERT_FALSE(client.write(std::string(1024 * 1024 + 1, 'x')));
  EXPECT_EQ(client.read(text), websocket::error::closed);
  EXPECT_EQ(client.reason().code, websocket::close_code::too_big);
  EXPECT_TRUE(fixture.echo.waitForCloses(1));
}

// Stopping the server closes the client's open WebSocket with "going away".
template <class Client>
void expectDrainClosesGoingAway(EchoServer& fixture, Client& client) {
  std::future<bool> stopped =
      std::async(std::launch::async, [&] { return fixture.server.stopAndWait(); });
  std::string text;
  EXPECT_EQ(client.read(text), websocket::error::closed);
  EXPECT_EQ(client.reason().code, websocket::close_code::going_away);
  EXPECT_TRUE(stopped.get());
  EXPECT_EQ(fixture.echo.closes(), 1);
}

// An EchoServer over TLS with a certificate of its own, and a client that trusts it.
struct TlsEcho {
  TempCertificate certificate;
  EchoServer fixture{certificate.files()};
  WsClient<true> client{fixture.server.endpoint, certificate.files().certificateChain};
};

TEST(HttpServerWebSocketTest, ServesWebSocketsOverTls) {
  TlsEcho tls;
  auto& [certificate, fixture, client] = tls;
  ASSERT_TRUE(greeted(client));
  std::string text;
  ASSERT_FALSE(client.write("secure"));
  ASSERT_FALSE(client.read(text));
  EXPECT_EQ(text, "echo:secure");
  ASSERT_FALSE(client.close());
  EXPECT_TRUE(fixture.echo.waitForCloses(1));
}

TEST(HttpServerWebSocketTest, LargeMessagesAndDrainOverTls) {
  TlsEcho tls;
  auto& [certificate, fixture, client] = tls;
  ASSERT_TRUE(greeted(client));
  std::string text;
  const std::string large(1000 * 1000, 'z');
  ASSERT_FALSE(client.write(large));
  ASSERT_FALSE(client.read(text));
  EXPECT_EQ(text, "echo:" + large);
  expectDrainClosesGoingAway(fixture, client);
}

TEST(HttpServerWebSocketTest, DrainClosesWebSocketsGoingAway) {
  EchoServer fixture;
  WsClient<false> client(fixture.server.endpoint);
  ASSERT_TRUE(greeted(client));
  expectDrainClosesGoingAway(fixture, client);
}

TEST(HttpServerTest, EveryRunsAPeriodicTaskUntilTheDrain) {
  std::mutex mutex;
  std::condition_variable ticked;
  int ticks = 0;
  RunningServer server([](const HttpRequest&) { return ok(""); }, {}, {},
                       [&](HttpServer& s) {
                         s.every(10ms, [&] {
                           std::lock_guard lock(mutex);
                           ++ticks;
                           ticked.notify_all();
                         });
                       });
  {
    std::unique_lock lock(mutex);
    EXPECT_TRUE(ticked.wait_for(lock, 10s, [&] { return ticks >= 3; }));
  }
  // The timer must not keep the drained server running.
  EXPECT_TRUE(server.stopAndWait());
}

}  // namespace
}  // namespace ecsd::server
