#include "dispatch/payload.h"

#include <gtest/gtest.h>

#include "ecsd/domain/task_definition_spec.h"

namespace ecsd::dispatch {
namespace {

using nlohmann::json;

constexpr char kTaskArn[] = "arn:aws:ecs:us-east-1:123456789012:task/default/0a1b2c3d";

// The entry PayloadTasks writes for the task, read back.
json payloadTask(const Task& task, const TaskDefinition& definition) {
  PayloadTasks tasks;
  tasks.add(task, definition);
  EXPECT_EQ(tasks.size(), 1U);
  return json::parse(tasks.text()).at(0);
}

TaskDefinition definition(json body, int revision = 3) {
  TaskDefinition out;
  out.family = "web";
  out.revision = revision;
  out.arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:" + std::to_string(revision);
  out.body = std::move(body);
  return out;
}

// The definition as RegisterTaskDefinition would store it.
TaskDefinition registered(const json& request) {
  auto body = normalizeTaskDefinition(request);
  EXPECT_TRUE(body.ok()) << body.error().message;
  return definition(body.ok() ? *body : json::object());
}

Task task(json overrides = json::object()) {
  Task out;
  out.id = "0a1b2c3d";
  out.arn = kTaskArn;
  out.family = "web";
  out.revision = 3;
  out.overrides = std::move(overrides);
  return out;
}

json container(const json& entry, std::string_view name) {
  for (const json& c : entry["containers"]) {
    if (c["name"] == name) return c;
  }
  ADD_FAILURE() << "no container " << name;
  return json::object();
}

const json kRequest = {
    {"family", "web"},
    {"containerDefinitions",
     {{{"name", "app"},
       {"image", "nginx:1.27"},
       {"cpu", 128},
       {"memory", 256},
       {"memoryReservation", 128},
       {"command", {"nginx", "-g", "daemon off;"}},
       {"environment", {{{"name", "STAGE"}, {"value", "prod"}}, {{"name", "A"}, {"value", "1"}}}},
       {"portMappings",
        {{{"containerPort", 80}},
         {{"containerPort", 53}, {"hostPort", 5353}, {"protocol", "udp"}}}},
       {"mountPoints", {{{"sourceVolume", "data"}, {"containerPath", "/data"}}}},
       {"dependsOn", {{{"containerName", "init"}, {"condition", "SUCCESS"}}}},
       {"stopTimeout", 30},
       {"links", {"init"}}},
      {{"name", "init"},
       {"image", "busybox"},
       {"memory", 32},
       {"essential", false},
       {"entryPoint", {"sh", "-c"}},
       {"command", {"true"}},
       {"volumesFrom", {{{"sourceContainer", "app"}, {"readOnly", true}}}}}}},
    {"volumes",
     {{{"name", "data"}, {"host", {{"sourcePath", "/srv/data"}}}},
      {{"name", "scratch"}},
      {{"name", "cache"},
       {"dockerVolumeConfiguration", {{"scope", "task"}, {"driver", "local"}}}}}}};

TEST(PayloadTasksTest, EntriesAddUpToOneArray) {
  PayloadTasks tasks;
  EXPECT_TRUE(tasks.empty());
  EXPECT_EQ(json::parse(tasks.text()), json::array());
  Task second = task();
  second.arn += "ff";
  tasks.add(task(), registered(kRequest));
  tasks.add(second, registered(kRequest));
  const json entries = json::parse(tasks.text());
  ASSERT_EQ(tasks.size(), 2U);
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[0]["arn"], kTaskArn);
  EXPECT_EQ(entries[1]["arn"], second.arn);
  EXPECT_EQ(json::parse(PayloadTasks::of(entries).text()), entries);
  EXPECT_EQ(PayloadTasks::of(entries).size(), 2U);
}

TEST(PayloadTaskTest, AnEnvironmentVariableNameIsEscaped) {
  const json body = {{"family", "web"},
                     {"containerDefinitions",
                      {{{"name", "app"},
                        {"image", "nginx"},
                        {"memory", 64},
                        {"environment", {{{"name", "A\"B"}, {"value", "1"}}}}}}}};
  const json app = payloadTask(task(), registered(body)).at("containers").at(0);
  EXPECT_EQ(app["environment"], json({{"A\"B", "1"}}));
}

TEST(PayloadTaskTest, CarriesTheTaskAndTheDefinitionInAcsShape) {
  Task t = task();
  t.desiredStatus = "STOPPED";
  TaskContainer running;
  running.arn = "arn:aws:ecs:us-east-1:123456789012:container/default/x/1";
  running.name = "app";
  t.containers.push_back(running);
  const json entry = payloadTask(t, registered(kRequest));

  EXPECT_EQ(entry["arn"], kTaskArn);
  EXPECT_EQ(entry["family"], "web");
  EXPECT_EQ(entry["version"], "3");
  EXPECT_EQ(entry["desiredStatus"], "STOPPED");
  EXPECT_EQ(entry["taskDefinitionAccountId"], "123456789012");
  EXPECT_EQ(entry["networkMode"], "bridge");
  EXPECT_FALSE(entry.contains("cpu"));
  EXPECT_FALSE(entry.contains("memory"));
  ASSERT_EQ(entry["containers"].size(), 2u);
  EXPECT_EQ(entry["containers"][0]["name"], "app");  // the definition's order

  const json app = container(entry, "app");
  EXPECT_EQ(app["containerArn"], "arn:aws:ecs:us-east-1:123456789012:container/default/x/1");
  EXPECT_EQ(app["image"], "nginx:1.27");
  EXPECT_EQ(app["cpu"], 128);
  EXPECT_EQ(app["memory"], 256);
  EXPECT_EQ(app["memoryReservation"], 128);
  EXPECT_EQ(app["essential"], true);
  EXPECT_EQ(app["command"], json({"nginx", "-g", "daemon off;"}));
  EXPECT_EQ(app["entryPoint"], json::array());
  EXPECT_EQ(app["links"], json({"init"}));
  EXPECT_EQ(app["environment"], json({{"STAGE", "prod"}, {"A", "1"}}));
  EXPECT_EQ(app["mountPoints"],
            json({{{"sourceVolume", "data"}, {"containerPath", "/data"}, {"readOnly", false}}}));
  EXPECT_EQ(app["volumesFrom"], json::array());
  EXPECT_EQ(app["dependsOn"], json({{{"containerName", "init"}, {"condition", "SUCCESS"}}}));
  EXPECT_EQ(app["stopTimeout"], 30);

  const json init = container(entry, "init");
  EXPECT_FALSE(init.contains("containerArn"));
  EXPECT_EQ(init["cpu"], 0);
  EXPECT_FALSE(init.contains("memoryReservation"));
  EXPECT_EQ(init["essential"], false);
  EXPECT_EQ(init["entryPoint"], json({"sh", "-c"}));
  EXPECT_EQ(init["environment"], json::object());
  EXPECT_EQ(init["volumesFrom"], json({{{"sourceContainer", "app"}, {"readOnly", true}}}));
  EXPECT_FALSE(init.contains("stopTimeout"));
}

TEST(PayloadTaskTest, PortMappingsKeepTheDefinitionsHostPortZeroMeaningDynamic) {
  const json app = container(payloadTask(task(), registered(kRequest)), "app");
  EXPECT_EQ(app["portMappings"],
            json({{{"containerPort", 80}, {"hostPort", 0}, {"protocol", "tcp"}},
                  {{"containerPort", 53}, {"hostPort", 5353}, {"protocol", "udp"}}}));

  json hostMode = kRequest;
  hostMode["networkMode"] = "host";
  hostMode["containerDefinitions"][0]["portMappings"] = {{{"containerPort", 8080}}};
  hostMode["containerDefinitions"][0].erase("links");
  const json entry = payloadTask(task(), registered(hostMode));
  EXPECT_EQ(entry["networkMode"], "host");
  EXPECT_EQ(container(entry, "app")["portMappings"],
            json({{{"containerPort", 8080}, {"hostPort", 8080}, {"protocol", "tcp"}}}));
}

TEST(PayloadTaskTest, VolumesGetTheirAcsType) {
  const json entry = payloadTask(task(), registered(kRequest));
  EXPECT_EQ(entry["volumes"],
            json({{{"name", "data"}, {"type", "host"}, {"host", {{"sourcePath", "/srv/data"}}}},
                  {{"name", "scratch"}, {"type", "host"}, {"host", json::object()}},
                  {{"name", "cache"},
                   {"type", "docker"},
                   {"dockerVolumeConfiguration", {{"scope", "task"}, {"driver", "local"}}}}}));
  EXPECT_EQ(payloadTask(task(), definition({{"containerDefinitions", json::array()}}))["volumes"],
            json::array());
}

TEST(PayloadTaskTest, ContainerOverridesApply) {
  const json overrides = {
      {"containerOverrides",
       {{{"name", "app"},
         {"command", {"serve", "--fast"}},
         {"environment",
          {{{"name", "STAGE"}, {"value", "test"}}, {{"name", "EXTRA"}, {"value", "yes"}}}},
         {"cpu", 64},
         {"memory", 512},
         {"memoryReservation", 256}},
        {{"name", "nobody"}, {"command", {"ignored"}}}}}};
  const json entry = payloadTask(task(overrides), registered(kRequest));

  const json app = container(entry, "app");
  EXPECT_EQ(app["command"], json({"serve", "--fast"}));
  EXPECT_EQ(app["environment"], json({{"STAGE", "test"}, {"A", "1"}, {"EXTRA", "yes"}}));
  EXPECT_EQ(app["cpu"], 64);
  EXPECT_EQ(app["memory"], 512);
  EXPECT_EQ(app["memoryReservation"], 256);

  const json init = container(entry, "init");  // no override of its own
  EXPECT_EQ(init["command"], json({"true"}));
  EXPECT_EQ(init["memory"], 32);
  EXPECT_EQ(entry["containers"].size(), 2u);
}

TEST(PayloadTaskTest, OverridesWithOnlySomeMembersKeepTheRest) {
  const json overrides = {
      {"containerOverrides",
       {{{"name", "app"}, {"environment", {{{"name", "A"}, {"value", "2"}}}}}}}};
  const json app = container(payloadTask(task(overrides), registered(kRequest)), "app");
  EXPECT_EQ(app["command"], json({"nginx", "-g", "daemon off;"}));
  EXPECT_EQ(app["environment"], json({{"STAGE", "prod"}, {"A", "2"}}));
  EXPECT_EQ(app["cpu"], 128);
  EXPECT_EQ(app["memory"], 256);

  const json emptyCommand = {
      {"containerOverrides", {{{"name", "app"}, {"command", json::array()}}}}};
  EXPECT_EQ(container(payloadTask(task(emptyCommand), registered(kRequest)), "app")["command"],
            json::array());
}

TEST(PayloadTaskTest, TaskLevelCpuIsInVcpusAndMemoryInMebibytes) {
  Task t = task();
  t.cpu = "256";
  t.memory = "1024";
  const json entry = payloadTask(t, registered(kRequest));
  EXPECT_EQ(entry["cpu"], 0.25);
  EXPECT_EQ(entry["memory"], 1024);
}

TEST(PayloadTaskTest, OnlyKnownMembersAreSent) {
  const json body = {{"containerDefinitions",
                      {{{"name", "app"},
                        {"image", "img"},
                        {"workingDirectory", "/srv"},
                        {"secrets", {{{"name", "S"}, {"valueFrom", "arn"}}}},
                        {"privileged", nullptr}}}}};
  const json app = container(payloadTask(task(), definition(body)), "app");
  EXPECT_EQ(app["workingDirectory"], "/srv");
  EXPECT_FALSE(app.contains("secrets"));
  EXPECT_FALSE(app.contains("privileged"));  // null is absent
  EXPECT_FALSE(app.contains("memory"));
}

}  // namespace
}  // namespace ecsd::dispatch
