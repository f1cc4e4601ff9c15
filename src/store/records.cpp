#include "store/records.h"

#include <stdexcept>

#include "common/json_writer.h"

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

std::optional<double> optionalFrom(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<double>();
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
  if (j.contains("runtimeId")) c.runtimeId = j["runtimeId"];
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

// Written straight to text: every RunTask stores ten of these, inside the
// one write group that runs at a time.
std::string taskRecord(const Task& t) {
  JsonWriter out(1024);
  const auto resources = [&](const Resources& r) {
    out.beginObject().member("cpu", r.cpu).member("memory", r.memory);
    out.key("tcp").beginArray();
    for (auto port : r.tcpPorts) out.value(static_cast<std::int64_t>(port));
    out.endArray().key("udp").beginArray();
    for (auto port : r.udpPorts) out.value(static_cast<std::int64_t>(port));
    out.endArray().endObject();
  };
  const auto optional = [&](const char* name, const std::optional<double>& value) {
    out.key(name);
    value ? out.value(*value) : out.raw("null");
  };
  out.beginObject();
  out.member("id", t.id).member("arn", t.arn).member("cluster", t.cluster);
  out.member("containerInstanceId", t.containerInstanceId);
  out.member("taskDefinitionArn", t.taskDefinitionArn).member("family", t.family);
  out.member("revision", t.revision).member("lastStatus", t.lastStatus);
  out.member("desiredStatus", t.desiredStatus).member("overrides", t.overrides);
  out.key("containers").beginArray();
  for (const auto& c : t.containers) {
    out.beginObject().member("arn", c.arn).member("name", c.name).member("image", c.image);
    out.member("lastStatus", c.lastStatus).member("reason", c.reason);
    out.member("networkBindings", c.networkBindings).member("cpu", c.cpu);
    out.member("essential", c.essential);
    if (c.exitCode) out.member("exitCode", *c.exitCode);
    if (!c.runtimeId.empty()) out.member("runtimeId", c.runtimeId);
    if (c.memory) out.member("memory", *c.memory);
    if (c.memoryReservation) out.member("memoryReservation", *c.memoryReservation);
    out.endObject();
  }
  out.endArray();
  out.member("group", t.group).member("startedBy", t.startedBy);
  out.member("launchType", t.launchType).member("cpu", t.cpu).member("memory", t.memory);
  out.member("createdAt", t.createdAt);
  optional("startedAt", t.startedAt);
  optional("stoppingAt", t.stoppingAt);
  optional("stoppedAt", t.stoppedAt);
  optional("pullStartedAt", t.pullStartedAt);
  optional("pullStoppedAt", t.pullStoppedAt);
  optional("executionStoppedAt", t.executionStoppedAt);
  out.member("stoppedReason", t.stoppedReason).member("stopCode", t.stopCode);
  out.member("version", t.version);
  out.key("tags").beginArray();
  for (const auto& tag : t.tags)
    out.beginObject().member("key", tag.key).member("value", tag.value).endObject();
  out.endArray().key("held");
  resources(t.held);
  out.endObject();
  return out.take();
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
