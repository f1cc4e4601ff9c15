#include "store/records.h"

#include <stdexcept>

namespace ecsd::store {

using nlohmann::json;

namespace {

json resourcesRecord(const Resources& r) {
  return {{"cpu", r.cpu}, {"memory", r.memory}, {"tcp", r.tcpPorts}, {"udp", r.udpPorts}};
}

Resources resourcesFrom(const json& j) {
  return {j.at("cpu").get<std::int64_t>(), j.at("memory").get<std::int64_t>(),
          j.at("tcp").get<PortList>(), j.at("udp").get<PortList>()};
}

json optionalRecord(const std::optional<double>& value) {
  return value ? json(*value) : json(nullptr);
}

std::optional<double> optionalFrom(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<double>();
}

json containerRecord(const TaskContainer& c) {
  json out = {{"arn", c.arn},       {"name", c.name},
              {"image", c.image},   {"lastStatus", c.lastStatus},
              {"reason", c.reason}, {"networkBindings", c.networkBindings},
              {"cpu", c.cpu},       {"essential", c.essential}};
  if (c.exitCode) out["exitCode"] = *c.exitCode;
  if (c.memory) out["memory"] = *c.memory;
  if (c.memoryReservation) out["memoryReservation"] = *c.memoryReservation;
  return out;
}

TaskContainer containerFrom(const json& j) {
  TaskContainer c;
  c.arn = j.at("arn");
  c.name = j.at("name");
  c.image = j.at("image");
  c.lastStatus = j.at("lastStatus");
  c.reason = j.at("reason");
  c.networkBindings = j.at("networkBindings");
  c.cpu = j.at("cpu");
  c.essential = j.at("essential");
  if (j.contains("exitCode")) c.exitCode = j["exitCode"].get<int>();
  if (j.contains("memory")) c.memory = j["memory"].get<std::int64_t>();
  if (j.contains("memoryReservation")) {
    c.memoryReservation = j["memoryReservation"].get<std::int64_t>();
  }
  return c;
}

}  // namespace

Tags storedTags(const json& stored) {
  auto tags = tagsFromJson(stored);
  if (!tags) throw std::runtime_error(tags.error().message);
  return std::move(*tags);
}

json toRecord(const ContainerInstance& i) {
  json attributes = json::array();
  for (const auto& a : i.attributes) {
    attributes.push_back({{"name", a.name}, {"value", a.value ? json(*a.value) : json(nullptr)}});
  }
  return {{"id", i.id},
          {"arn", i.arn},
          {"cluster", i.cluster},
          {"ec2InstanceId", i.ec2InstanceId},
          {"status", i.status},
          {"registered", resourcesRecord(i.registered)},
          {"attributes", attributes},
          {"versionInfo", i.versionInfo},
          {"instanceIdentityDocument", i.instanceIdentityDocument},
          {"registeredAt", i.registeredAt},
          {"tags", tagsToJson(i.tags)},
          {"version", i.version}};
}

ContainerInstance instanceFromRecord(const json& j) {
  ContainerInstance i;
  i.id = j.at("id");
  i.arn = j.at("arn");
  i.cluster = j.at("cluster");
  i.ec2InstanceId = j.at("ec2InstanceId");
  i.status = j.at("status");
  i.registered = resourcesFrom(j.at("registered"));
  for (const auto& a : j.at("attributes")) {
    const json& value = a.at("value");
    i.attributes.push_back(
        {a.at("name"), value.is_null() ? std::nullopt : std::optional<std::string>(value)});
  }
  i.versionInfo = j.at("versionInfo");
  i.instanceIdentityDocument = j.at("instanceIdentityDocument");
  i.registeredAt = j.at("registeredAt");
  i.tags = storedTags(j.at("tags"));
  i.version = j.at("version");
  return i;
}

json toRecord(const Task& t) {
  json containers = json::array();
  for (const auto& c : t.containers) containers.push_back(containerRecord(c));
  return {{"id", t.id},
          {"arn", t.arn},
          {"cluster", t.cluster},
          {"containerInstanceId", t.containerInstanceId},
          {"taskDefinitionArn", t.taskDefinitionArn},
          {"family", t.family},
          {"revision", t.revision},
          {"lastStatus", t.lastStatus},
          {"desiredStatus", t.desiredStatus},
          {"overrides", t.overrides},
          {"containers", containers},
          {"group", t.group},
          {"startedBy", t.startedBy},
          {"launchType", t.launchType},
          {"cpu", t.cpu},
          {"memory", t.memory},
          {"createdAt", t.createdAt},
          {"startedAt", optionalRecord(t.startedAt)},
          {"stoppingAt", optionalRecord(t.stoppingAt)},
          {"stoppedAt", optionalRecord(t.stoppedAt)},
          {"pullStartedAt", optionalRecord(t.pullStartedAt)},
          {"pullStoppedAt", optionalRecord(t.pullStoppedAt)},
          {"executionStoppedAt", optionalRecord(t.executionStoppedAt)},
          {"stoppedReason", t.stoppedReason},
          {"stopCode", t.stopCode},
          {"version", t.version},
          {"tags", tagsToJson(t.tags)},
          {"held", resourcesRecord(t.held)}};
}

Task taskFromRecord(const json& j) {
  Task t;
  t.id = j.at("id");
  t.arn = j.at("arn");
  t.cluster = j.at("cluster");
  t.containerInstanceId = j.at("containerInstanceId");
  t.taskDefinitionArn = j.at("taskDefinitionArn");
  t.family = j.at("family");
  t.revision = j.at("revision");
  t.lastStatus = j.at("lastStatus");
  t.desiredStatus = j.at("desiredStatus");
  t.overrides = j.at("overrides");
  for (const auto& c : j.at("containers")) t.containers.push_back(containerFrom(c));
  t.group = j.at("group");
  t.startedBy = j.at("startedBy");
  t.launchType = j.at("launchType");
  t.cpu = j.at("cpu");
  t.memory = j.at("memory");
  t.createdAt = j.at("createdAt");
  t.startedAt = optionalFrom(j, "startedAt");
  t.stoppingAt = optionalFrom(j, "stoppingAt");
  t.stoppedAt = optionalFrom(j, "stoppedAt");
  t.pullStartedAt = optionalFrom(j, "pullStartedAt");
  t.pullStoppedAt = optionalFrom(j, "pullStoppedAt");
  t.executionStoppedAt = optionalFrom(j, "executionStoppedAt");
  t.stoppedReason = j.at("stoppedReason");
  t.stopCode = j.at("stopCode");
  t.version = j.at("version");
  t.tags = storedTags(j.at("tags"));
  t.held = resourcesFrom(j.at("held"));
  return t;
}

}  // namespace ecsd::store
