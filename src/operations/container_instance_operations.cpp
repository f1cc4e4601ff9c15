// RegisterContainerInstance, DescribeContainerInstances, ListContainerInstances,
// UpdateContainerInstancesState, DeregisterContainerInstance, DiscoverPollEndpoint.
#include <charconv>

#include "crypto/crypto.h"
#include "dispatch/telemetry_sessions.h"
#include "ecsd/domain/attribute_rules.h"
#include "ecsd/domain/quotas.h"
#include "ecsd/domain/task_lifecycle.h"
#include "ecsd/errors.h"
#include "ecsd/scheduler/query.h"
#include "operations/delivery.h"
#include "operations/lookups.h"
#include "operations/pagination.h"
#include "operations/render.h"
#include "operations/router.h"
#include "scheduler/instance_target.h"

namespace ecsd::operations {

namespace {

using nlohmann::json;
using protocol::ApiError;
using protocol::CallContext;
using protocol::orThrow;
using protocol::RequestReader;

PortList parsePorts(const json& resource) {
  PortList ports;
  for (const auto& value : resource.value("stringSetValue", json::array())) {
    int port = -1;
    const std::string text = value.is_string() ? value.get<std::string>() : "";
    std::from_chars(text.data(), text.data() + text.size(), port);
    if (port < 0 || port > 65535) {
      throw ApiError(errors::invalidParameter("Invalid port in " + resource.value("name", "") +
                                              ": '" + text + "'."));
    }
    ports.push_back(static_cast<std::uint16_t>(port));
  }
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  return ports;
}

// totalResources: CPU and MEMORY as INTEGER, PORTS and PORTS_UDP as STRINGSET.
Resources parseTotalResources(const RequestReader& in) {
  Resources total;
  bool cpu = false;
  bool memory = false;
  for (const auto& resource : in.list("totalResources")) {
    if (!resource.is_object()) throw ApiError(errors::serialization("Invalid totalResources"));
    const std::string name = resource.value("name", "");
    const auto number = [&]() -> std::int64_t {
      const auto value = resource.value("integerValue", resource.value("longValue", 0L));
      if (value < 0) throw ApiError(errors::invalidParameter(name + " must not be negative."));
      return value;
    };
    if (name == "CPU") {
      total.cpu = number();
      cpu = true;
    } else if (name == "MEMORY") {
      total.memory = number();
      memory = true;
    } else if (name == "PORTS") {
      total.tcpPorts = parsePorts(resource);
    } else if (name == "PORTS_UDP") {
      total.udpPorts = parsePorts(resource);
    }
  }
  if (!cpu || !memory) {
    throw ApiError(
        errors::invalidParameter("totalResources must include CPU and MEMORY as INTEGER."));
  }
  return total;
}

std::vector<Attribute> parseAttributes(const RequestReader& in) {
  std::vector<Attribute> attributes;
  for (const auto& item : in.list("attributes")) {
    if (!item.is_object() || !item.value("name", json()).is_string()) {
      throw ApiError(errors::serialization("Each attribute needs a string name"));
    }
    const json value = item.value("value", json());
    if (!value.is_null() && !value.is_string()) {
      throw ApiError(errors::serialization("Attribute values must be strings"));
    }
    attributes.push_back(
        {item["name"], value.is_null() ? std::nullopt : std::optional<std::string>(value)});
    orThrow(checkAttribute(attributes.back()));
  }
  orThrow(checkAttributeCount(attributes));
  return attributes;
}

// The attributes ECS derives for an instance, unless the agent sent them.
void addDerivedAttributes(std::vector<Attribute>& attributes, const json& identity) {
  const auto derive = [&](const std::string& name, const std::string& value) {
    if (value.empty()) return;
    for (const auto& a : attributes) {
      if (a.name == name) return;
    }
    attributes.push_back({name, value});
  };
  derive("ecs.availability-zone", identity.value("availabilityZone", ""));
  derive("ecs.instance-type", identity.value("instanceType", ""));
  derive("ecs.ami-id", identity.value("imageId", ""));
  derive("ecs.os-type", "linux");
  derive("ecs.os-family", "LINUX");
  derive("ecs.cpu-architecture", "x86_64");
}

// An instance as the calls that change one answer with it.
void writeInstance(JsonWriter& out, const Services& s, const StateView& view,
                   const ContainerInstance& instance) {
  writeContainerInstance(out, instance, view.usage(instance.id), s.agents.connected(instance.id),
                         false);
}

Later<protocol::Answer> registerContainerInstance(const Services& s, const CallContext&,
                                                  const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  const Resources total = parseTotalResources(in);
  std::vector<Attribute> attributes = parseAttributes(in);
  const std::string identityText = in.optString("instanceIdentityDocument").value_or("");
  if (identityText.size() > quotas::kIdentityDocumentBytes) {
    throw ApiError(errors::invalidParameter("instanceIdentityDocument is at most " +
                                            std::to_string(quotas::kIdentityDocumentBytes) +
                                            " bytes."));
  }
  json identity = json::parse(identityText, nullptr, false);
  if (!identity.is_object()) identity = json::object();
  addDerivedAttributes(attributes, identity);
  const json versionInfo = in.optObject("versionInfo");
  const Tags tags = in.tags("tags");
  const auto previousArn = in.optString("containerInstanceArn");
  co_return orThrow(co_await s.state.committed([&](Draft& draft) -> Result<protocol::Answer> {
    activeCluster(draft, cluster);
    ContainerInstance instance;
    if (previousArn) {
      // Re-registration after an agent restart: same identity, tasks kept.
      const ContainerInstance* previous = findInstance(draft, s.arns, cluster, *previousArn);
      if (!previous || previous->status == "INACTIVE") {
        return errors::invalidParameter("Container instance " + *previousArn +
                                        " is not registered in cluster " + cluster + ".");
      }
      instance = *previous;
      ++instance.version;
    } else {
      instance.id = crypto::timeOrderedId(s.clock.epochMillis());
      instance.arn = s.arns.containerInstance(cluster, instance.id);
      instance.cluster = cluster;
      instance.registeredAt = s.clock.epochSeconds();
      instance.tags = tags;
    }
    instance.ec2InstanceId = identity.value("instanceId", instance.ec2InstanceId);
    instance.registered = total;
    instance.attributes = attributes;
    instance.versionInfo = versionInfo.is_null() ? json::object() : versionInfo;
    instance.instanceIdentityDocument = identityText;
    draft.put(instance);
    return singleItem("containerInstance",
                      [&](JsonWriter& out) { writeInstance(out, s, draft, instance); });
  }));
}

protocol::Answer describeContainerInstances(const Services& s, const CallContext&,
                                            const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  const auto references = in.stringList("containerInstances");
  if (references.empty() || references.size() > 100) {
    throw ApiError(errors::invalidParameter("containerInstances must name 1 to 100 instances."));
  }
  const auto include = in.enumList("include", {"TAGS", "CONTAINER_INSTANCE_HEALTH"});
  const bool withTags = std::find(include.begin(), include.end(), "TAGS") != include.end();
  return s.state.read([&](const Data& data) {
    activeCluster(data, cluster);
    return describedList(
        "containerInstances", references,
        [&](JsonWriter& out, const std::string& reference) {
          const ContainerInstance* instance = findInstance(data, s.arns, cluster, reference);
          if (instance) {
            writeContainerInstance(out, *instance, data.usage(instance->id),
                                   s.agents.connected(instance->id), withTags);
          }
          return instance != nullptr;
        },
        [&](const std::string& reference) {
          return reference.starts_with("arn:") ? reference
                                               : s.arns.containerInstance(cluster, reference);
        });
  });
}

json listContainerInstances(const Services& s, const CallContext&, const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  const auto status = in.optEnum(
      "status", {"ACTIVE", "DRAINING", "REGISTERING", "DEREGISTERING", "REGISTRATION_FAILED"});
  std::optional<scheduler::Query> filter;
  if (auto text = in.optString("filter")) filter = orThrow(scheduler::Query::parse(*text));
  std::vector<Listed> items = s.state.read([&](const Data& data) {
    activeCluster(data, cluster);
    std::vector<Listed> out;
    for (const auto& id : data.instanceIds(cluster)) {
      const ContainerInstance& instance = *data.instance(id);
      if (status && instance.status != *status) continue;
      if (filter && !filter->matches(scheduler::InstanceTarget(instance, s.agents.connected(id),
                                                               data.layeredUsage(id)))) {
        continue;
      }
      out.push_back({instance.arn, instance.arn});
    }
    return out;
  });
  return listPage("containerInstanceArns", std::move(items), in);
}

Later<protocol::Answer> updateContainerInstancesState(const Services& s, const CallContext&,
                                                      const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  const auto references = in.stringList("containerInstances");
  const auto status = in.optEnum("status", {"ACTIVE", "DRAINING"});
  if (!status) throw ApiError(errors::invalidParameter("Missing required parameter: status"));
  if (references.empty() || references.size() > 10) {
    throw ApiError(errors::invalidParameter("containerInstances must name 1 to 10 instances."));
  }
  co_return orThrow(co_await s.state.committed([&](Draft& draft) -> Result<protocol::Answer> {
    activeCluster(draft, cluster);
    return describedList(
        "containerInstances", references,
        [&](JsonWriter& out, const std::string& reference) {
          const ContainerInstance* found = findInstance(draft, s.arns, cluster, reference);
          if (!found || found->status == "INACTIVE") return false;
          ContainerInstance instance = *found;
          if (instance.status != *status) {
            instance.status = *status;
            ++instance.version;
            draft.put(instance);
          }
          writeInstance(out, s, draft, instance);
          return true;
        },
        [](const std::string& reference) { return reference; });
  }));
}

Later<protocol::Answer> deregisterContainerInstance(const Services& s, const CallContext&,
                                                    const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  const std::string reference = in.requiredString("containerInstance");
  const bool force = in.optBool("force").value_or(false);
  std::vector<Task> stopped;
  std::string instanceId;
  auto output = orThrow(co_await s.state.committed([&](Draft& draft) -> Result<protocol::Answer> {
    activeCluster(draft, cluster);
    const ContainerInstance* found = findInstance(draft, s.arns, cluster, reference);
    if (!found || found->status == "INACTIVE") {
      return errors::invalidParameter("Container instance " + reference +
                                      " is not registered in cluster " + cluster + ".");
    }
    ContainerInstance instance = *found;
    instanceId = instance.id;
    for (const auto& id : draft.taskIds(cluster)) {
      const Task* task = draft.task(id);
      if (!task || task->containerInstanceId != instance.id || !task->live()) continue;
      if (!force) {
        return errors::invalidParameter(
            "Found running tasks on the instance. Stop them first, or deregister with force.");
      }
      Task copy = *task;
      requestStop(copy, "Container instance deregistration forced by user", "UserInitiated",
                  s.clock.epochSeconds());
      markStopped(copy, s.clock.epochSeconds());
      draft.put(copy);
      stopped.push_back(std::move(copy));
    }
    instance.status = "INACTIVE";
    ++instance.version;
    draft.put(instance);
    return singleItem("containerInstance",
                      [&](JsonWriter& out) { writeInstance(out, s, draft, instance); });
  }));
  deliverTasks(s, stopped);  // the agent, if still there, stops the containers
  s.agents.forget(instanceId);
  co_return output;
}

json discoverPollEndpoint(const Services& s, const CallContext& context, const RequestReader&) {
  // Amazon's agent dials both as "<endpoint>/ws": the telemetry endpoint gets
  // a path of its own (dispatch/telemetry_sessions.h).
  std::string endpoint = s.agents.pollEndpoint(context.host);
  while (endpoint.ends_with('/')) endpoint.pop_back();
  return {{"endpoint", endpoint},
          {"telemetryEndpoint", endpoint + std::string(dispatch::kTelemetryPath)}};
}

}  // namespace

void addContainerInstanceOperations(Router& router) {
  router.add(
      "RegisterContainerInstance",
      touching({{"cluster", Names::kCluster}, {"containerInstanceArn", Names::kContainerInstance}}),
      registerContainerInstance);
  router.add(
      "DescribeContainerInstances",
      touching({{"cluster", Names::kCluster}, {"containerInstances", Names::kContainerInstance}}),
      describeContainerInstances);
  router.add("ListContainerInstances", touching({{"cluster", Names::kCluster}}),
             listContainerInstances);
  router.add(
      "UpdateContainerInstancesState",
      touching({{"cluster", Names::kCluster}, {"containerInstances", Names::kContainerInstance}}),
      updateContainerInstancesState);
  router.add(
      "DeregisterContainerInstance",
      touching({{"cluster", Names::kCluster}, {"containerInstance", Names::kContainerInstance}}),
      deregisterContainerInstance);
  router.add(
      "DiscoverPollEndpoint",
      touching({{"cluster", Names::kCluster}, {"containerInstance", Names::kContainerInstance}}),
      discoverPollEndpoint);
}

}  // namespace ecsd::operations
