// A host running the agent, registered to one cluster.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ecsd/domain/resources.h"
#include "ecsd/domain/tag.h"

namespace ecsd {

struct Attribute {
  std::string name;
  std::optional<std::string> value;
};

struct ContainerInstance {
  std::string id;       // the UUID at the end of the ARN
  std::string arn;      // arn:aws:ecs:REGION:ACCOUNT:container-instance/CLUSTER/ID
  std::string cluster;  // cluster name
  std::string ec2InstanceId;
  std::string status = "ACTIVE";  // ACTIVE | DRAINING
  // totalResources as registered; the ports are the host's reserved ports.
  Resources registered;
  std::vector<Attribute> attributes;  // as sent, plus the ones ECS derives (ecs.*)
  nlohmann::json versionInfo;         // {agentVersion, agentHash, dockerVersion}
  std::string instanceIdentityDocument;
  double registeredAt = 0;
  Tags tags;
  std::int64_t version = 1;  // counts every change, as ECS's version does
};

}  // namespace ecsd
