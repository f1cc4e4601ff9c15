// CreateService, UpdateService, DeleteService, DescribeServices, ListServices.
// These change what a service wants; the service scheduler
// (service_scheduler.h) makes its tasks follow.
#include "ecsd/domain/service_rules.h"
#include "ecsd/errors.h"
#include "ecsd/scheduler/placement.h"
#include "operations/client_token.h"
#include "operations/lookups.h"
#include "operations/pagination.h"
#include "operations/render.h"
#include "operations/router.h"

namespace ecsd::operations {

namespace {

using nlohmann::json;
using protocol::ApiError;
using protocol::CallContext;
using protocol::orThrow;
using protocol::RequestReader;

// deploymentConfiguration onto what the service has, with ECS's checks.
void readDeploymentConfiguration(const RequestReader& in, DeploymentConfiguration& into) {
  const json given = in.optObject("deploymentConfiguration");
  if (given.is_null()) return;
  const RequestReader c(given);
  into.maximumPercent = c.optInt("maximumPercent", 0, 1000000).value_or(into.maximumPercent);
  into.minimumHealthyPercent =
      c.optInt("minimumHealthyPercent", 0, 1000000).value_or(into.minimumHealthyPercent);
  if (into.minimumHealthyPercent > 100) {
    throw ApiError(errors::invalidParameter(
        "The minimumHealthyPercent of the deployment configuration must be between 0 and 100."));
  }
  if (into.maximumPercent < 100 || into.maximumPercent > 200) {
    throw ApiError(errors::invalidParameter(
        "The maximumPercent of the deployment configuration must be between 100 and 200."));
  }
  const json breaker = c.optObject("deploymentCircuitBreaker");
  if (!breaker.is_null()) {
    const RequestReader b(breaker);
    into.circuitBreakerEnable = b.optBool("enable").value_or(false);
    into.circuitBreakerRollback = b.optBool("rollback").value_or(false);
  }
}

// The members CreateService and UpdateService both set, checked as ECS does.
void readPlacement(const RequestReader& in, Service& service) {
  if (in.has("placementConstraints")) {
    orThrow(scheduler::parseConstraints(in.list("placementConstraints")));
    service.placementConstraints = in.list("placementConstraints");
  }
  if (in.has("placementStrategy")) {
    orThrow(scheduler::parseStrategies(in.list("placementStrategy")));
    service.placementStrategy = in.list("placementStrategy");
  }
}

void readStoredMembers(const RequestReader& in, Service& service) {
  if (in.has("loadBalancers")) service.loadBalancers = in.list("loadBalancers");
  if (in.has("serviceRegistries")) service.serviceRegistries = in.list("serviceRegistries");
  if (in.has("networkConfiguration")) {
    service.networkConfiguration = in.optObject("networkConfiguration");
  }
  if (in.has("healthCheckGracePeriodSeconds")) {
    service.healthCheckGracePeriodSeconds =
        in.optInt("healthCheckGracePeriodSeconds", 0, 2147483647);
  }
  if (auto propagate = in.optEnum("propagateTags", {"TASK_DEFINITION", "SERVICE", "NONE"})) {
    service.propagateTags = *propagate;
  }
  if (auto managed = in.optBool("enableECSManagedTags")) service.enableECSManagedTags = *managed;
}

// What a DAEMON service has no use for, refused in ECS's words.
void refuseForDaemon(const RequestReader& in) {
  if (in.has("desiredCount")) {
    throw ApiError(errors::invalidParameter(
        "The daemon scheduling strategy does not support a desired count for services. Remove "
        "the desired count value and try again"));
  }
  if (!in.list("placementStrategy").empty()) {
    throw ApiError(errors::invalidParameter(
        "The daemon scheduling strategy does not support placement strategies. Remove the "
        "placement strategy and try again"));
  }
}

json serviceOutput(const ArnFactory& arns, const Service& service) {
  return {{"service", renderService(service, arns, false)}};
}

Later<json> createService(const Services& s, const CallContext& context, const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  const std::string name = in.requiredString("serviceName");
  if (!isValidName(name)) {
    throw ApiError(errors::invalidParameter(
        "Service name must be 1 to 255 letters (uppercase and lowercase), numbers, hyphens, and "
        "underscores."));
  }
  refuseOtherLaunchTypes(in);
  Service service;
  service.cluster = cluster;
  service.name = name;
  service.arn = s.arns.service(cluster, name);
  service.schedulingStrategy =
      in.optEnum("schedulingStrategy", {"REPLICA", "DAEMON"}).value_or("REPLICA");
  const bool daemon = service.schedulingStrategy == "DAEMON";
  if (daemon) {
    refuseForDaemon(in);
    // ECS's defaults for daemons: an instance's old task stops before its new one starts.
    service.deploymentConfiguration.maximumPercent = 100;
    service.deploymentConfiguration.minimumHealthyPercent = 0;
  }
  const json controller = in.optObject("deploymentController");
  if (!controller.is_null()) {
    const auto type = RequestReader(controller).optEnum("type", {"ECS", "CODE_DEPLOY", "EXTERNAL"});
    if (type == "CODE_DEPLOY") {
      throw ApiError(errors::invalidParameter(
          "ecsd has no CodeDeploy: the CODE_DEPLOY deployment controller is not supported."));
    }
    service.deploymentController = type.value_or("ECS");
  }
  const bool external = service.deploymentController == "EXTERNAL";
  if (external && daemon) {
    throw ApiError(errors::invalidParameter(
        "The EXTERNAL deployment controller does not support the DAEMON scheduling strategy."));
  }
  // An EXTERNAL service runs what its task sets say, made with CreateTaskSet.
  if (external && in.has("taskDefinition")) {
    throw ApiError(errors::invalidParameter("TaskDefinition must be blank"));
  }
  if (!daemon && !in.has("desiredCount")) {
    throw ApiError(errors::invalidParameter(
        "The desiredCount is required for services with the REPLICA scheduling strategy."));
  }
  service.desiredCount = in.optInt("desiredCount", 0, 2147483647).value_or(0);
  readDeploymentConfiguration(in, service.deploymentConfiguration);
  readPlacement(in, service);
  readStoredMembers(in, service);
  service.roleArn = in.optString("role").value_or("");
  service.tags = in.tags("tags");
  service.createdBy = s.arns.user(context.principal.principal);
  // The same call again answers the service it made, as ECS's CreateService does.
  const std::string digest = parametersDigest(in);
  const std::string reference = external ? "" : in.requiredString("taskDefinition");
  co_return orThrow(co_await s.state.committed([&](Draft& draft) -> Result<json> {
    activeCluster(draft, cluster);
    if (const Service* existing = draft.service(cluster, name);
        existing && existing->status != "INACTIVE") {
      if (existing->createDigest == digest) return serviceOutput(s.arns, *existing);
      return errors::invalidParameter("Creation of service was not idempotent.");
    }
    service.createdAt = s.clock.epochSeconds();
    service.createDigest = digest;
    if (!external) {
      const TaskDefinition& definition = serviceDefinition(draft, s.arns, reference);
      service_rules::startDeployment(service, definition.arn, service.createdAt);
    }
    draft.put(service);
    return serviceOutput(s.arns, service);
  }));
}

Later<json> updateService(const Services& s, const CallContext&, const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  const std::string reference = in.requiredString("service");
  refuseOtherLaunchTypes(in);
  if (!in.optObject("deploymentController").is_null()) {
    throw ApiError(errors::invalidParameter(
        "Updating the deployment controller is not supported for services using the ECS "
        "deployment controller."));
  }
  const auto desired = in.optInt("desiredCount", 0, 2147483647);
  const auto definitionReference = in.optString("taskDefinition");
  const bool force = in.optBool("forceNewDeployment").value_or(false);
  co_return orThrow(co_await s.state.committed([&](Draft& draft) -> Result<json> {
    activeCluster(draft, cluster);
    const Service* found = findService(draft, s.arns, cluster, reference);
    if (!found) return errors::serviceNotFound();
    if (found->status != "ACTIVE") return errors::serviceNotActive();
    if (found->schedulingStrategy == "DAEMON") refuseForDaemon(in);
    const bool external = found->deploymentController == "EXTERNAL";
    if (external && (definitionReference || force)) {
      return errors::invalidParameter(
          "Updating the task definition is not supported for services using the EXTERNAL "
          "deployment controller: create a task set (CreateTaskSet).");
    }
    Service service = *found;
    const double now = s.clock.epochSeconds();
    if (desired) {
      service.desiredCount = *desired;
      if (!external) service.primary()->desiredCount = *desired;
      service.steady = false;
    }
    readDeploymentConfiguration(in, service.deploymentConfiguration);
    readPlacement(in, service);
    readStoredMembers(in, service);
    std::string definitionArn = service.taskDefinitionArn;
    if (definitionReference) {
      definitionArn = serviceDefinition(draft, s.arns, *definitionReference).arn;
    }
    if (!external && (definitionArn != service.taskDefinitionArn || force)) {
      service_rules::startDeployment(service, definitionArn, now);
    }
    draft.put(service);
    return serviceOutput(s.arns, service);
  }));
}

Later<json> deleteService(const Services& s, const CallContext&, const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  const std::string reference = in.requiredString("service");
  const bool force = in.optBool("force").value_or(false);
  co_return orThrow(co_await s.state.committed([&](Draft& draft) -> Result<json> {
    activeCluster(draft, cluster);
    const Service* found = findService(draft, s.arns, cluster, reference);
    if (!found) return errors::serviceNotFound();
    if (found->status != "ACTIVE") return errors::serviceNotActive();
    // A daemon's count is its instances': deleting one needs no scaling down first.
    if (found->schedulingStrategy != "DAEMON" && found->desiredCount > 0 && !force) {
      return errors::invalidParameter("The service cannot be stopped while it is scaled above 0.");
    }
    Service service = *found;
    // DRAINING until the scheduler has stopped its tasks, then INACTIVE.
    service.status = "DRAINING";
    service.desiredCount = 0;
    service.steady = false;
    draft.put(service);
    return serviceOutput(s.arns, service);
  }));
}

protocol::Answer describeServices(const Services& s, const CallContext&, const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  const auto references = in.stringList("services");
  if (references.empty() || references.size() > 10) {
    throw ApiError(errors::invalidParameter("services must name 1 to 10 services."));
  }
  const bool withTags = !in.enumList("include", {"TAGS"}).empty();
  return s.state.read([&](const Data& data) {
    activeCluster(data, cluster);
    return describedList(
        "services", references,
        [&](JsonWriter& out, const std::string& reference) {
          const Service* service = findService(data, s.arns, cluster, reference);
          if (service) out.value(renderService(*service, s.arns, withTags));
          return service != nullptr;
        },
        [&](const std::string& reference) {
          return reference.starts_with("arn:") ? reference : s.arns.service(cluster, reference);
        });
  });
}

json listServices(const Services& s, const CallContext&, const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  const auto launchType =
      in.optEnum("launchType", {"EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"});
  const auto strategy = in.optEnum("schedulingStrategy", {"REPLICA", "DAEMON"});
  PageBuilder page(in, "serviceArns");
  return s.state.read([&](const Data& data) {
    activeCluster(data, cluster);
    const auto& services = data.services();
    auto it = services.from(std::make_pair(cluster, page.after().value_or("")));
    for (; it != services.end() && it->first.first == cluster; ++it) {
      const Service& service = it->second;
      if (service.status != "ACTIVE") continue;  // DRAINING and INACTIVE are not listed
      if (launchType && service.launchType != *launchType) continue;
      if (strategy && service.schedulingStrategy != *strategy) continue;
      if (page.isAfterToken(service.name) && !page.add(service.name, service.arn)) break;
    }
    return std::move(page).output("serviceArns");
  });
}

}  // namespace

void addServiceOperations(Router& router) {
  router.add("CreateService",
             touching({{"cluster", Names::kCluster}, {"taskDefinition", Names::kTaskDefinition}}),
             createService);
  router.add("UpdateService",
             touching({{"cluster", Names::kCluster},
                       {"service", Names::kService},
                       {"taskDefinition", Names::kTaskDefinition}}),
             updateService);
  router.add("DeleteService",
             touching({{"cluster", Names::kCluster}, {"service", Names::kService}}), deleteService);
  router.add("DescribeServices",
             touching({{"cluster", Names::kCluster}, {"services", Names::kService}}),
             describeServices);
  router.add("ListServices", touching({{"cluster", Names::kCluster}}), listServices);
}

}  // namespace ecsd::operations
