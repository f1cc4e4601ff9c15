#include "bench/load_client.h"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <optional>
#include <thread>

#include "agent/acs_session.h"
#include "agent/net/connection.h"
#include "protocol/percent_encoding.h"

namespace ecsd::bench {
namespace {

namespace net = agent::net;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using nlohmann::json;

constexpr auto kTimeout = std::chrono::seconds(30);
constexpr std::string_view kTargetPrefix = "AmazonEC2ContainerServiceV20141113.";

// What every lane and session shares.
struct Shared {
  asio::io_context& io;  // the calls, timers and every callback
  net::Url url;
  std::shared_ptr<ssl::context> tls;
  agent::SigningCredentials credentials;
  tcp::endpoint endpoint;
  LoadClient::PayloadHandler payload;
};

// One kept-alive HTTPS connection; calls go out one at a time.
class Lane : public std::enable_shared_from_this<Lane> {
 public:
  explicit Lane(Shared& shared) : shared_(shared) {}

  void call(const std::string& operation, json request, LoadClient::Reply reply) {
    queue_.push_back({operation, request.dump(), std::move(reply)});
    if (!busy_) next();
  }
  bool idle() const { return !busy_; }

 private:
  struct Pending {
    std::string operation;
    std::string body;
    LoadClient::Reply reply;
  };

  void next() {
    if (queue_.empty()) {
      busy_ = false;
      return;
    }
    busy_ = true;
    started_ = SteadyClock::now();
    if (stream_) return send();
    stream_.emplace(shared_.io, *shared_.tls);
    SSL_set_tlsext_host_name(stream_->native_handle(), shared_.url.host.c_str());
    beast::get_lowest_layer(*stream_).expires_after(kTimeout);
    beast::get_lowest_layer(*stream_).async_connect(
        shared_.endpoint, [self = shared_from_this()](beast::error_code ec) {
          if (ec) return self->fail("connect", ec);
          self->stream_->async_handshake(ssl::stream_base::client, [self](beast::error_code ec) {
            if (ec) return self->fail("tls", ec);
            self->send();
          });
        });
  }

  void send() {
    const Pending& pending = queue_.front();
    const auto signed_ =
        net::signedRequest("POST", shared_.url, "/",
                           {{"Content-Type", "application/x-amz-json-1.1"},
                            {"X-Amz-Target", std::string(kTargetPrefix).append(pending.operation)}},
                           pending.body, shared_.credentials);
    request_ = {};
    request_.method(http::verb::post);
    request_.target("/");
    request_.version(11);
    net::copyHeaders(signed_.headers, request_);
    request_.body() = pending.body;
    request_.prepare_payload();
    response_ = {};
    beast::get_lowest_layer(*stream_).expires_after(kTimeout);
    http::async_write(*stream_, request_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->fail("write", ec);
                        http::async_read(*self->stream_, self->buffer_, self->response_,
                                         [self](beast::error_code ec, std::size_t) {
                                           if (ec) return self->fail("read", ec);
                                           self->answered();
                                         });
                      });
  }

  void answered() {
    Pending pending = std::move(queue_.front());
    queue_.pop_front();
    CallResult result;
    result.status = static_cast<int>(response_.result_int());
    result.latency = SteadyClock::now() - started_;
    result.text = std::move(response_.body());
    if (!result.ok()) {
      result.error = net::errorFromAnswer(response_.result_int(), result.text, "").type;
    }
    if (!response_.keep_alive()) stream_.reset();
    pending.reply(std::move(result));
    next();
  }

  void fail(const char* stage, beast::error_code ec) {
    stream_.reset();
    Pending pending = std::move(queue_.front());
    queue_.pop_front();
    CallResult result;
    result.latency = SteadyClock::now() - started_;
    result.error = std::string(stage).append(": ").append(ec.message());
    pending.reply(std::move(result));
    next();
  }

  Shared& shared_;
  std::optional<net::TlsStream> stream_;
  std::deque<Pending> queue_;
  bool busy_ = false;
  SteadyClock::time_point started_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

// One simulated agent: the session of api/agent-protocol.md. It runs on the
// agents' thread and hands what the scenario sees to the calls' loop.
class AgentSession : public std::enable_shared_from_this<AgentSession> {
 public:
  AgentSession(Shared& shared, asio::io_context& io, std::size_t index)
      : shared_(shared), index_(index), ws_(io, *shared.tls) {}

  void connect(const std::string& clusterArn, const std::string& instanceArn,
               LoadClient::Connected connected) {
    using protocol::percentEncode;
    target_ = "/ws?clusterArn=" + percentEncode(clusterArn) +
              "&containerInstanceArn=" + percentEncode(instanceArn) +
              "&agentVersion=bench&agentHash=bench&dockerVersion=bench"
              "&protocolVersion=2&sendCredentials=true&seqNum=1";
    protocol_.emplace(
        agent::SessionIdentity{clusterArn, instanceArn, "bench", "bench", "bench"}, nullptr,
        nullptr,
        [this](const std::vector<agent::TaskSpec>& tasks) {
          asio::post(shared_.io, [&shared = shared_, index = index_, tasks] {
            if (shared.payload) shared.payload(index, tasks);
          });
        },
        agent::SessionTiming{});
    connected_ = [&io = shared_.io, connected = std::move(connected)](bool ok, std::string error) {
      asio::post(io, [connected, ok, error = std::move(error)] { connected(ok, error); });
    };
    auto& tcpStream = beast::get_lowest_layer(ws_);
    SSL_set_tlsext_host_name(ws_.next_layer().native_handle(), shared_.url.host.c_str());
    tcpStream.expires_after(kTimeout);
    tcpStream.async_connect(shared_.endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->refused("connect", ec);
      self->ws_.next_layer().async_handshake(ssl::stream_base::client,
                                             [self](beast::error_code ec) {
                                               if (ec) return self->refused("tls", ec);
                                               self->upgrade();
                                             });
    });
  }

 private:
  void upgrade() {
    const auto signed_ =
        net::signedRequest("GET", shared_.url, target_, {}, "", shared_.credentials);
    ws_.set_option(websocket::stream_base::decorator([headers = signed_.headers](auto& request) {
      for (const auto& [name, value] : headers) {
        if (name != "Host") request.set(name, value);
      }
    }));
    ws_.read_message_max(1 << 20);
    ws_.async_handshake(shared_.url.authority, target_,
                        [self = shared_from_this()](beast::error_code ec) {
                          if (ec) return self->refused("upgrade", ec);
                          // The session lives on: timeouts as a client needs them.
                          beast::get_lowest_layer(self->ws_).expires_never();
                          self->ws_.set_option(
                              websocket::stream_base::timeout::suggested(beast::role_type::client));
                          self->connected_(true, "");
                          self->read();
                        });
  }

  void refused(const char* stage, beast::error_code ec) {
    connected_(false, std::string(stage).append(": ").append(ec.message()));
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;  // closed: the scenario sees it as missing acks
      self->onFrame(beast::buffers_to_string(self->buffer_.data()));
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }

  void onFrame(const std::string& text) {
    if (auto answer = protocol_->handleFrame(text)) write(std::move(*answer));
  }

  void write(std::string text) {
    outbox_.push_back(std::move(text));
    if (outbox_.size() == 1) flush();
  }

  void flush() {
    ws_.text(true);
    ws_.async_write(asio::buffer(outbox_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) return;
                      self->outbox_.pop_front();
                      if (!self->outbox_.empty()) self->flush();
                    });
  }

  Shared& shared_;
  const std::size_t index_;
  websocket::stream<net::TlsStream> ws_;
  std::string target_;
  std::optional<agent::AcsSession> protocol_;  // the agent's own frame handling
  LoadClient::Connected connected_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
};

}  // namespace

// The caller's thread runs the calls and every callback, so scenarios need no
// locks; the agent sessions run on threads of their own, one per core. With
// 10,000 sessions on one loop, the generator (not ecsd) bounded registration
// (its TLS handshakes) and placement, and a read's answer waited behind
// heartbeats.
struct LoadClient::Impl {
  // One loop and its thread; the sessions of agents i, i + n, i + 2n, ...
  struct AgentLoop {
    asio::io_context io{1};
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::vector<std::shared_ptr<AgentSession>> agents;  // indexed by agent / n
    std::thread thread{[this] { io.run(); }};
    ~AgentLoop() {
      io.stop();
      thread.join();
    }
  };

  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  Shared shared{io, {}, {}, {}, {}, {}};
  std::vector<std::shared_ptr<Lane>> lanes;
  std::vector<std::unique_ptr<AgentLoop>> agentLoops;
};

LoadClient::LoadClient(std::string endpoint, agent::SigningCredentials credentials,
                       agent::TlsOptions tls, std::size_t lanes)
    : impl_(std::make_unique<Impl>()) {
  auto url = net::parseUrl(endpoint, "https", "http");
  if (!url || !url->tls) throw std::runtime_error("ecs-bench needs an https:// endpoint");
  auto context = net::makeTlsContext(tls);
  if (!context) throw std::runtime_error(context.error().message);
  impl_->shared.url = *url;
  impl_->shared.tls = *context;
  impl_->shared.credentials = std::move(credentials);
  tcp::resolver resolver(impl_->io);
  impl_->shared.endpoint = *resolver.resolve(url->host, std::to_string(url->port)).begin();
  for (std::size_t i = 0; i < lanes; ++i) {
    impl_->lanes.push_back(std::make_shared<Lane>(impl_->shared));
  }
  const std::size_t cores = std::max(1U, std::thread::hardware_concurrency());
  for (std::size_t i = 0; i < cores; ++i) {
    impl_->agentLoops.push_back(std::make_unique<Impl::AgentLoop>());
  }
}

LoadClient::~LoadClient() = default;

void LoadClient::call(std::size_t lane, const std::string& operation, json request, Reply reply) {
  impl_->lanes.at(lane)->call(operation, std::move(request), std::move(reply));
}

CallResult LoadClient::callNow(const std::string& operation, json request) {
  CallResult answer;
  call(0, operation, std::move(request), [&](CallResult result) {
    answer = std::move(result);
    stop();
  });
  run();
  return answer;
}

void LoadClient::connectAgent(std::size_t agent, const std::string& clusterArn,
                              const std::string& instanceArn, Connected connected) {
  auto& loop = *impl_->agentLoops[agent % impl_->agentLoops.size()];
  const std::size_t slot = agent / impl_->agentLoops.size();
  asio::post(loop.io, [&loop, &shared = impl_->shared, agent, slot, clusterArn, instanceArn,
                       connected = std::move(connected)]() mutable {
    if (loop.agents.size() <= slot) loop.agents.resize(slot + 1);
    loop.agents[slot] = std::make_shared<AgentSession>(shared, loop.io, agent);
    loop.agents[slot]->connect(clusterArn, instanceArn, std::move(connected));
  });
}

void LoadClient::onPayload(PayloadHandler handler) { impl_->shared.payload = std::move(handler); }

void LoadClient::after(std::chrono::nanoseconds delay, std::function<void()> task) {
  auto timer = std::make_shared<asio::steady_timer>(impl_->io, delay);
  timer->async_wait([timer, task = std::move(task)](beast::error_code ec) {
    if (!ec) task();
  });
}

void LoadClient::run() {
  impl_->io.restart();  // a scenario before this one stopped the loop
  impl_->io.run();
}

void LoadClient::stop() { impl_->io.stop(); }

void LoadClient::drain() {
  impl_->shared.payload = nullptr;
  const auto busy = [this] {
    return std::any_of(impl_->lanes.begin(), impl_->lanes.end(),
                       [](const auto& lane) { return !lane->idle(); });
  };
  impl_->io.restart();
  while (busy() && impl_->io.run_one() > 0) {
  }
}

std::size_t LoadClient::lanes() const { return impl_->lanes.size(); }

}  // namespace ecsd::bench
