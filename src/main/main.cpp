// ecsd: an Amazon ECS compatible control plane.
//
// Start-up: settings -> data directory -> store and state -> TLS material and
// keys -> listeners (and the certificate for the bound port) -> DATA_DIR/endpoint
// -> serve until SIGTERM, then drain and remove DATA_DIR/endpoint. DATA_DIR/lock
// keeps a second ecsd off the same data directory.
#include <spdlog/spdlog.h>

#include <csignal>
#include <filesystem>
#include <iostream>

#include "common/directory_lock.h"
#include "common/files.h"
#include "common/logging.h"
#include "crypto/crypto.h"
#include "dispatch/agent_sessions.h"
#include "dispatch/session_refusal.h"
#include "dispatch/telemetry_sessions.h"
#include "ecsd/errors.h"
#include "identity/identity_service.h"
#include "main/config.h"
#include "main/descriptor_limit.h"
#include "operations/agent_bridge.h"
#include "operations/maintenance.h"
#include "operations/router.h"
#include "operations/service_scheduler.h"
#include "protocol/api_endpoint.h"
#include "protocol/json_protocol.h"
#include "security/admin_credentials.h"
#include "security/tls_material.h"
#include "server/http_server.h"

namespace ecsd {
namespace {

namespace fs = std::filesystem;

int fail(const Error& error) {
  spdlog::critical("msg=\"cannot start\" error={}", logging::quote(error.message));
  std::cerr << "ecsd: " << error.message << "\n";
  return 1;
}

// Creates the data directory private to its owner; an existing one keeps
// the mode its owner gave it.
Status makeDataDir(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec)) return {};
  fs::create_directories(dir, ec);
  if (ec) return files::ioFailure("cannot create", dir, ec.value());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  return {};
}

// Recounts every instance's usage from its live tasks; a difference is a bug.
void checkAccounting(const State& state) {
  for (const auto& arn : state.checkAccounting()) {
    spdlog::error("msg=\"accounting differs from the live tasks\" container_instance={}", arn);
  }
}

// Every minute: forget expired STOPPED tasks and client tokens' answers, and
// prove the accounting.
void maintain(State& state, const Clock& clock, std::chrono::seconds retention) {
  if (auto purged = operations::purgeStoppedTasks(state, clock, retention); !purged) {
    spdlog::error("msg=\"purge failed\" error={}", logging::quote(purged.error().message));
  } else if (*purged > 0) {
    spdlog::info("msg=\"stopped tasks purged\" count={}", *purged);
  }
  const auto lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(operations::kClientTokenLifetime);
  if (auto forgotten = operations::forgetExpiredAnswers(state, clock, lifetime); !forgotten) {
    spdlog::error("msg=\"expiring client tokens failed\" error={}",
                  logging::quote(forgotten.error().message));
  } else if (*forgotten > 0) {
    spdlog::info("msg=\"client tokens expired\" count={}", *forgotten);
  }
  checkAccounting(state);
}

// The certificate to serve on `bound`: the user's own, or one ecsd generates,
// naming the bound host:port too (as Amazon's agent checks its session's
// server name); a new port re-issues it from the same CA.
Result<server::TlsCertificate> tlsCertificate(const Config& config, const server::Endpoint& bound,
                                              bool& generated, fs::path& caBundle) {
  if (config.tlsCertificate)
    return server::TlsCertificate{*config.tlsCertificate, *config.tlsPrivateKey};
  auto names = config.tlsNames;
  names.push_back(bound.authority());
  auto material = security::ensureTlsMaterial(config.dataDir, names, bound.port);
  if (!material) return material.error();
  // A certificate re-issued for another port is routine; a new CA is news.
  generated = generated || material->authorityGenerated;
  caBundle = fs::absolute(material->caCertificate);
  return server::TlsCertificate{material->certificate, material->privateKey};
}

void printWelcome(const Config& config, const server::Endpoint& endpoint, const fs::path& caBundle,
                  const fs::path& credentials, bool firstStart) {
  std::cout << "ecsd is serving " << endpoint.url() << " (region " << config.region << ", account "
            << config.accountId << ")\n";
  if (firstStart) {
    std::cout << "First start: created the database, a local CA, a server certificate and "
                 "admin credentials in "
              << fs::absolute(config.dataDir).string() << "\n";
  }
  std::cout << "Use it with the AWS CLI:\n\n";
  if (!caBundle.empty()) std::cout << "  export AWS_CA_BUNDLE=" << caBundle.string() << "\n";
  std::cout << "  export AWS_SHARED_CREDENTIALS_FILE=" << fs::absolute(credentials).string() << "\n"
            << "  export AWS_PROFILE=ecsd AWS_DEFAULT_REGION=" << config.region << "\n"
            << "  export AWS_ENDPOINT_URL_ECS=" << endpoint.url() << "\n"
            << "  aws ecs list-clusters\n\n"
            << "(AWS CLI 2.13+ and 1.29+ and current SDKs read AWS_ENDPOINT_URL_ECS; with an\n"
            << "older one, add --endpoint-url " << endpoint.url() << ")\n\n"
            << std::flush;
}

int serve(const Config& config) {
  if (auto made = makeDataDir(config.dataDir); !made) return fail(made.error());
  auto lock = files::DirectoryLock::acquire(config.dataDir);
  if (!lock) return fail(lock.error());
  const fs::path database = config.dataDir / "ecsd.db";
  const bool firstStart = !fs::exists(database);
  auto store = openSqliteStore(database.string(), config.durability);
  if (!store) return fail(store.error());
  auto state = State::load(**store);
  if (!state) return fail(state.error());
  checkAccounting(**state);

  auto admin = security::ensureAdminCredentials(config.dataDir);
  if (!admin) return fail(admin.error());
  security::KeyRing keys;
  keys.add(admin->key);
  if (config.accessKeyId) keys.add({*config.accessKeyId, *config.secretAccessKey, "operator", true});

  bool generated = admin->generated;
  fs::path caBundle;
  const ArnFactory arns(config.region, config.accountId);
  const SystemClock clock;
  operations::AgentBridge bridge(**state, arns);
  const std::chrono::milliseconds heartbeat(config.agentHeartbeat);
  dispatch::AgentSessions sessions(bridge, keys, {config.region}, clock,
                                   {heartbeat, heartbeat * 5 / 2, heartbeat / 2});
  dispatch::TelemetrySessions telemetry(bridge, keys, {config.region}, clock, heartbeat);
  bridge.attach(sessions, telemetry);
  const operations::Services services{**state, arns, clock, bridge};
  const operations::Router router = operations::makeRouter(services);
  // The service scheduler hears of every commit, and starts from what is stored.
  operations::ServiceScheduler serviceScheduler(services);
  serviceScheduler.wakeAll();
  protocol::Unthrottled unthrottled;
  protocol::TokenBuckets buckets(clock, throttleRates(config));
  protocol::Throttle& throttle = config.throttle ? static_cast<protocol::Throttle&>(buckets)
                                                 : unthrottled;
  auto sealKey = security::ensureSealKey(config.dataDir);
  if (!sealKey) return fail(sealKey.error());
  // IAM and STS at "/", IAM users' keys in the ring, and their policies
  // checked on every call.
  identity::IdentityService identities(**state, keys, clock, arns, std::move(*sealKey),
                                       throttle);
  sessions.authorizeWith(identities.authorizer());
  (*state)->onApplied([&](const ChangeSet& changes) {
    serviceScheduler.changed(changes);
    identities.changed(changes);
  });
  const protocol::ApiEndpoint api(keys, {config.region}, clock, router, identities.authorizer(),
                                  throttle);

  server::Limits limits = config.limits;
  fitConnectionsToDescriptors(limits);
  server::HttpServer server(
      [](int status, std::string_view type, std::string_view message) {
        return protocol::errorResponse(
            errors::make(std::string(type), std::string(message), status), crypto::uuid4());
      },
      limits, config.threads);
  // A write's handler goes on on the server's threads once committed, not on
  // the state's writer thread, which goes on to the next group.
  (*state)->resumeOn([&server] { return server.postHere(); });
  (*state)->leadOn([] { return !server::HttpServer::onLoopThread(); });
  // JSON 1.1 ECS calls, and IAM's and STS's Query calls, at "/" only (as AWS
  // serves them); other paths are 404.
  server.route("/", [&](protocol::HttpRequest request, server::Respond respond) {
    if (identity::IdentityService::isQueryCall(request)) {
      return identities.handle(std::move(request), std::move(respond));
    }
    api.handle(std::move(request), std::move(respond));
  });
  server.acceptWebSockets(
      "/ws",
      [&](const protocol::HttpRequest& upgrade,
          std::shared_ptr<protocol::WebSocketChannel> channel) {
        return sessions.accept(upgrade, std::move(channel));
      },
      dispatch::sessionRefusal);
  server.acceptWebSockets(
      std::string(dispatch::kTelemetryPath) + "/ws",
      [&](const protocol::HttpRequest& upgrade,
          std::shared_ptr<protocol::WebSocketChannel> channel) {
        return telemetry.accept(upgrade, std::move(channel));
      },
      dispatch::sessionRefusal);
  // Each session's heartbeat falls due at its own time (from its connect);
  // beating often sends them a few at a time instead of in bursts that stall
  // every other call (10,000 agents: p99 of RunTask at 1,000/s 17 -> 10 ms).
  server.every(std::chrono::milliseconds(10), [&] { sessions.beat(); });
  server.every(std::chrono::milliseconds(100), [&] { telemetry.beat(); });
  server.every(std::chrono::milliseconds(100), [&] { sessions.tick(); });
  server.every(std::chrono::minutes(1), [&] { maintain(**state, clock, config.taskRetention); });
  auto endpoint = server.listen(config.listen, [&](const server::Endpoint& bound) {
    return tlsCertificate(config, bound, generated, caBundle);
  });
  if (!endpoint) return fail(endpoint.error());
  bridge.setPollEndpoint(endpoint->url(), endpoint->anyAddress());
  if (config.httpListen) {
    auto plain = server.listen(*config.httpListen, std::nullopt);
    if (!plain) return fail(plain.error());
    spdlog::warn("msg=\"plain HTTP listener: for local use only\" url={}", plain->url());
  }
  spdlog::info("msg=started url={} data_dir={} threads={} durability={}", endpoint->url(),
               logging::quote(config.dataDir.string()), config.threads,
               config.durability == Durability::Full ? "full" : "normal");
  printWelcome(config, *endpoint, caBundle, admin->file, firstStart || generated);
  // Last: once the endpoint file exists, everything above has been printed.
  const fs::path endpointFile = config.dataDir / "endpoint";
  if (auto written = files::writeFileAtomically(endpointFile, endpoint->url() + "\n", 0644);
      !written) {
    return fail(written.error());
  }
  serviceScheduler.start();
  server.run();
  serviceScheduler.stop();
  // The writer finishes what is queued while the server (where its writes
  // resume) still exists.
  state->reset();
  // Nothing serves there any more (after a kill -9 the lock tells instead).
  std::error_code ignored;
  fs::remove(endpointFile, ignored);
  spdlog::info("msg=stopped");
  return 0;
}

}  // namespace
}  // namespace ecsd

int main(int argc, char** argv) {
  auto parsed = ecsd::parseArguments(argc, argv);
  if (!parsed) {
    std::cerr << "ecsd: " << parsed.error().message << "\n";
    return 2;
  }
  if (parsed->exitNow) return 0;
  // Past a file-size limit (ulimit -f) a write fails with EFBIG, which the
  // store answers as a failed commit (ServerException, nothing applied);
  // SIGXFSZ's default would kill the server instead.
  std::signal(SIGXFSZ, SIG_IGN);
  if (!ecsd::logging::configure(parsed->config.logLevel)) {
    std::cerr << "ecsd: unknown log level '" << parsed->config.logLevel << "'\n";
    return 2;
  }
  return ecsd::serve(parsed->config);
}
