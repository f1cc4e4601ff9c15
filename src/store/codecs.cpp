// Each resource as it is stored: key members (and the few members a backend
// may want to query) are columns; the rest is one JSON document, so every API
// member round-trips without a migration per member. Decoding throws
// (nlohmann::json's exceptions, std::bad_variant_access) on a record of the
// wrong shape; the store turns that into an error.
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/json_writer.h"
#include "ecsd/domain/tag.h"
#include "ecsd/store/codec.h"

namespace ecsd {

using nlohmann::json;
using store::Record;
using store::TableSchema;

namespace {

const std::string& text(const Record& r, std::size_t i) { return std::get<std::string>(r.at(i)); }
std::int64_t integer(const Record& r, std::size_t i) { return std::get<std::int64_t>(r.at(i)); }
std::optional<double> real(const Record& r, std::size_t i) {
  const auto& value = r.at(i);
  if (std::holds_alternative<std::monostate>(value)) return std::nullopt;
  if (const auto* whole = std::get_if<std::int64_t>(&value)) return static_cast<double>(*whole);
  return std::get<double>(value);
}
store::Value optional(const std::optional<double>& value) {
  return value ? store::Value(*value) : store::Value();
}

// Tags as stored (the API's shape); throws on a wrong shape.
Tags storedTags(const json& stored) {
  auto tags = tagsFromJson(stored);
  if (!tags) throw std::runtime_error(tags.error().message);
  return std::move(*tags);
}

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

json instanceDocument(const ContainerInstance& i) {
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

ContainerInstance instanceFromDocument(const json& j) {
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
std::string taskDocument(const Task& t) {
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

Task taskFromDocument(const json& j) {
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

json clusterDocument(const Cluster& c) {
  json settings = json::array();
  for (const auto& s : c.settings) settings.push_back({{"name", s.name}, {"value", s.value}});
  return {{"settings", settings},
          {"configuration", c.configuration},
          {"serviceConnectDefaults", c.serviceConnectDefaults},
          {"tags", tagsToJson(c.tags)}};
}

}  // namespace

// ---- clusters ----

const TableSchema& Codec<Cluster>::schema() {
  static const TableSchema schema{"clusters", {"name", "arn", "status", "document"}, 1};
  return schema;
}

Record Codec<Cluster>::encode(const Cluster& c) {
  return {c.name, c.arn, c.status, clusterDocument(c).dump()};
}

Cluster Codec<Cluster>::decode(Record&& r) {
  Cluster c;
  c.name = text(r, 0);
  c.arn = text(r, 1);
  c.status = text(r, 2);
  const json doc = json::parse(text(r, 3));
  for (const auto& s : doc.at("settings")) c.settings.push_back({s.at("name"), s.at("value")});
  c.configuration = doc.at("configuration");
  c.serviceConnectDefaults = doc.at("serviceConnectDefaults");
  c.tags = storedTags(doc.at("tags"));
  return c;
}

// ---- task definitions: the normalized body and the tags are documents ----

const TableSchema& Codec<TaskDefinition>::schema() {
  static const TableSchema schema{
      "task_definitions",
      {"family", "revision", "arn", "status", "registered_at", "deregistered_at",
       "delete_requested_at", "registered_by", "body", "tags"},
      2};
  return schema;
}

Record Codec<TaskDefinition>::encode(const TaskDefinition& t) {
  return {t.family,
          static_cast<std::int64_t>(t.revision),
          t.arn,
          t.status,
          t.registeredAt,
          optional(t.deregisteredAt),
          optional(t.deleteRequestedAt),
          t.registeredBy,
          t.body.dump(),
          tagsToJson(t.tags).dump()};
}

TaskDefinition Codec<TaskDefinition>::decode(Record&& r) {
  TaskDefinition t;
  t.family = text(r, 0);
  t.revision = static_cast<int>(integer(r, 1));
  t.arn = text(r, 2);
  t.status = text(r, 3);
  t.registeredAt = real(r, 4).value_or(0);
  t.deregisteredAt = real(r, 5);
  t.deleteRequestedAt = real(r, 6);
  t.registeredBy = text(r, 7);
  t.body = json::parse(text(r, 8));
  t.tags = storedTags(json::parse(text(r, 9)));
  return t;
}

// ---- container instances ----

const TableSchema& Codec<ContainerInstance>::schema() {
  static const TableSchema schema{
      "container_instances", {"id", "cluster", "status", "document"}, 1};
  return schema;
}

Record Codec<ContainerInstance>::encode(const ContainerInstance& i) {
  return {i.id, i.cluster, i.status, instanceDocument(i).dump()};
}

ContainerInstance Codec<ContainerInstance>::decode(Record&& r) {
  return instanceFromDocument(json::parse(text(r, 3)));
}

// ---- tasks ----

const TableSchema& Codec<Task>::schema() {
  static const TableSchema schema{
      "tasks", {"id", "cluster", "container_instance_id", "last_status", "document"}, 1};
  return schema;
}

Record Codec<Task>::encode(const Task& t) {
  return {t.id, t.cluster, t.containerInstanceId, t.lastStatus, taskDocument(t)};
}

Task Codec<Task>::decode(Record&& r) { return taskFromDocument(json::parse(text(r, 4))); }

// ---- services: the deployments, events and the rest are one document ----

namespace {

json serviceDocument(const Service& s) {
  json deployments = json::array();
  for (const auto& d : s.deployments) deployments.push_back(deploymentToJson(d));
  json taskSets = json::array();
  for (const auto& t : s.taskSets) taskSets.push_back(taskSetToJson(t));
  json events = json::array();
  for (const auto& e : s.events) {
    events.push_back(eventToJson(e));
  }
  const auto& c = s.deploymentConfiguration;
  return {
      {"taskDefinition", s.taskDefinitionArn},
      {"desiredCount", s.desiredCount},
      {"runningCount", s.runningCount},
      {"pendingCount", s.pendingCount},
      {"schedulingStrategy", s.schedulingStrategy},
      {"launchType", s.launchType},
      {"deploymentController", s.deploymentController},
      {"deploymentConfiguration",
       {{"maximumPercent", c.maximumPercent},
        {"minimumHealthyPercent", c.minimumHealthyPercent},
        {"circuitBreakerEnable", c.circuitBreakerEnable},
        {"circuitBreakerRollback", c.circuitBreakerRollback}}},
      {"placementConstraints", s.placementConstraints},
      {"placementStrategy", s.placementStrategy},
      {"loadBalancers", s.loadBalancers},
      {"serviceRegistries", s.serviceRegistries},
      {"networkConfiguration", s.networkConfiguration},
      {"healthCheckGracePeriodSeconds",
       s.healthCheckGracePeriodSeconds ? json(*s.healthCheckGracePeriodSeconds) : json(nullptr)},
      {"propagateTags", s.propagateTags},
      {"enableECSManagedTags", s.enableECSManagedTags},
      {"roleArn", s.roleArn},
      {"createdBy", s.createdBy},
      {"createdAt", s.createdAt},
      {"tags", tagsToJson(s.tags)},
      {"deployments", deployments},
      {"taskSets", taskSets},
      {"events", events},
      {"completedTaskDefinition", s.completedTaskDefinitionArn},
      {"createDigest", s.createDigest},
      {"steady", s.steady}};
}

}  // namespace

const TableSchema& Codec<Service>::schema() {
  static const TableSchema schema{"services", {"cluster", "name", "arn", "status", "document"}, 2};
  return schema;
}

Record Codec<Service>::encode(const Service& s) {
  return {s.cluster, s.name, s.arn, s.status, serviceDocument(s).dump()};
}

Service Codec<Service>::decode(Record&& r) {
  Service s;
  s.cluster = text(r, 0);
  s.name = text(r, 1);
  s.arn = text(r, 2);
  s.status = text(r, 3);
  const json doc = json::parse(text(r, 4));
  s.taskDefinitionArn = doc.at("taskDefinition");
  s.desiredCount = doc.at("desiredCount");
  s.runningCount = doc.at("runningCount");
  s.pendingCount = doc.at("pendingCount");
  s.schedulingStrategy = doc.at("schedulingStrategy");
  s.launchType = doc.at("launchType");
  s.deploymentController = doc.at("deploymentController");
  const json& c = doc.at("deploymentConfiguration");
  s.deploymentConfiguration = {c.at("maximumPercent"), c.at("minimumHealthyPercent"),
                               c.at("circuitBreakerEnable"), c.at("circuitBreakerRollback")};
  s.placementConstraints = doc.at("placementConstraints");
  s.placementStrategy = doc.at("placementStrategy");
  s.loadBalancers = doc.at("loadBalancers");
  s.serviceRegistries = doc.at("serviceRegistries");
  s.networkConfiguration = doc.at("networkConfiguration");
  if (const json& grace = doc.at("healthCheckGracePeriodSeconds"); !grace.is_null()) {
    s.healthCheckGracePeriodSeconds = grace.get<int>();
  }
  s.propagateTags = doc.at("propagateTags");
  s.enableECSManagedTags = doc.at("enableECSManagedTags");
  s.roleArn = doc.at("roleArn");
  s.createdBy = doc.at("createdBy");
  s.createdAt = doc.at("createdAt");
  s.tags = storedTags(doc.at("tags"));
  for (const auto& d : doc.at("deployments")) s.deployments.push_back(deploymentFromJson(d));
  // Written before task sets were: none.
  for (const auto& t : doc.value("taskSets", json::array())) {
    s.taskSets.push_back(taskSetFromJson(t));
  }
  for (const auto& e : doc.at("events")) s.events.push_back(eventFromJson(e));
  s.completedTaskDefinitionArn = doc.at("completedTaskDefinition");
  s.createDigest = doc.at("createDigest");
  s.steady = doc.at("steady");
  return s;
}

// ---- idempotency answers ----

const TableSchema& Codec<RecordedAnswer>::schema() {
  static const TableSchema schema{"idempotency", {"key", "answer", "recorded_at"}, 1};
  return schema;
}

Record Codec<RecordedAnswer>::encode(const RecordedAnswer& a) {
  return {a.key, a.answer.text, a.answer.recordedAt};
}

RecordedAnswer Codec<RecordedAnswer>::decode(Record&& r) {
  return {std::move(std::get<std::string>(r.at(0))),
          {std::move(std::get<std::string>(r.at(1))), real(r, 2).value_or(0)}};
}

}  // namespace ecsd

// ---- IAM identities ----

namespace ecsd {

namespace {

json inlinePoliciesRecord(const std::vector<InlinePolicy>& policies) {
  json out = json::array();
  for (const auto& p : policies) out.push_back({{"name", p.name}, {"document", p.document}});
  return out;
}

std::vector<InlinePolicy> inlinePoliciesFrom(const json& stored) {
  std::vector<InlinePolicy> out;
  for (const auto& p : stored) out.push_back({p.at("name"), p.at("document")});
  return out;
}

}  // namespace

const TableSchema& Codec<IamUser>::schema() {
  static const TableSchema schema{"iam_users", {"name", "id", "arn", "document"}, 1};
  return schema;
}

Record Codec<IamUser>::encode(const IamUser& u) {
  const json doc{{"path", u.path},
                 {"createDate", u.createDate},
                 {"tags", tagsToJson(u.tags)},
                 {"policies", inlinePoliciesRecord(u.policies)},
                 {"attachedPolicies", u.attachedPolicies},
                 {"groups", u.groups},
                 {"accessKeys", u.accessKeys}};
  return {u.name, u.id, u.arn, doc.dump()};
}

IamUser Codec<IamUser>::decode(Record&& r) {
  IamUser u;
  u.name = text(r, 0);
  u.id = text(r, 1);
  u.arn = text(r, 2);
  const json doc = json::parse(text(r, 3));
  u.path = doc.at("path");
  u.createDate = doc.at("createDate");
  u.tags = storedTags(doc.at("tags"));
  u.policies = inlinePoliciesFrom(doc.at("policies"));
  u.attachedPolicies = doc.at("attachedPolicies");
  u.groups = doc.at("groups");
  u.accessKeys = doc.at("accessKeys");
  return u;
}

const TableSchema& Codec<IamGroup>::schema() {
  static const TableSchema schema{"iam_groups", {"name", "id", "arn", "document"}, 1};
  return schema;
}

Record Codec<IamGroup>::encode(const IamGroup& g) {
  const json doc{{"path", g.path},
                 {"createDate", g.createDate},
                 {"policies", inlinePoliciesRecord(g.policies)},
                 {"attachedPolicies", g.attachedPolicies},
                 {"members", g.members}};
  return {g.name, g.id, g.arn, doc.dump()};
}

IamGroup Codec<IamGroup>::decode(Record&& r) {
  IamGroup g;
  g.name = text(r, 0);
  g.id = text(r, 1);
  g.arn = text(r, 2);
  const json doc = json::parse(text(r, 3));
  g.path = doc.at("path");
  g.createDate = doc.at("createDate");
  g.policies = inlinePoliciesFrom(doc.at("policies"));
  g.attachedPolicies = doc.at("attachedPolicies");
  g.members = doc.at("members");
  return g;
}

const TableSchema& Codec<IamAccessKey>::schema() {
  static const TableSchema schema{
      "iam_access_keys", {"id", "user_name", "sealed_secret", "status", "create_date"}, 1};
  return schema;
}

Record Codec<IamAccessKey>::encode(const IamAccessKey& k) {
  return {k.id, k.userName, k.sealedSecret, k.status, k.createDate};
}

IamAccessKey Codec<IamAccessKey>::decode(Record&& r) {
  return {text(r, 0), text(r, 1), text(r, 2), text(r, 3), real(r, 4).value_or(0)};
}

const TableSchema& Codec<IamManagedPolicy>::schema() {
  static const TableSchema schema{"iam_policies", {"arn", "name", "id", "document"}, 1};
  return schema;
}

Record Codec<IamManagedPolicy>::encode(const IamManagedPolicy& p) {
  json versions = json::array();
  for (const auto& v : p.versions) {
    versions.push_back({{"id", v.id}, {"document", v.document}, {"createDate", v.createDate}});
  }
  const json doc{{"path", p.path},
                 {"description", p.description},
                 {"createDate", p.createDate},
                 {"updateDate", p.updateDate},
                 {"defaultVersion", p.defaultVersion},
                 {"nextVersion", p.nextVersion},
                 {"versions", versions},
                 {"attachmentCount", p.attachmentCount}};
  return {p.arn, p.name, p.id, doc.dump()};
}

IamManagedPolicy Codec<IamManagedPolicy>::decode(Record&& r) {
  IamManagedPolicy p;
  p.arn = text(r, 0);
  p.name = text(r, 1);
  p.id = text(r, 2);
  const json doc = json::parse(text(r, 3));
  p.path = doc.at("path");
  p.description = doc.at("description");
  p.createDate = doc.at("createDate");
  p.updateDate = doc.at("updateDate");
  p.defaultVersion = doc.at("defaultVersion");
  p.nextVersion = doc.at("nextVersion");
  for (const auto& v : doc.at("versions")) {
    p.versions.push_back({v.at("id"), v.at("document"), v.at("createDate")});
  }
  p.attachmentCount = doc.at("attachmentCount");
  return p;
}

}  // namespace ecsd
