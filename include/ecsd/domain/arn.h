// Amazon Resource Names as ECS forms them, and the references calls accept
// (a name, "family:revision", or a full ARN).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ecsd/result.h"

namespace ecsd {

// The parts of "arn:PARTITION:ecs:REGION:ACCOUNT:TYPE/ID".
struct EcsArn {
  std::string partition;  // "aws", "aws-cn", ...
  std::string region;
  std::string accountId;
  std::string resourceType;  // "cluster", "task-definition", ...
  std::string resourceId;    // after the first '/'
};
// Parses any ECS ARN; nullopt when text is not one.
std::optional<EcsArn> parseEcsArn(std::string_view arn);

struct TaskDefinitionReference {
  std::string family;
  std::optional<int> revision;  // absent: "the latest ACTIVE revision"
};

// Forms the ARNs of one region and account, and resolves references to them.
class ArnFactory {
 public:
  ArnFactory(std::string region, std::string accountId);

  const std::string& region() const { return region_; }
  const std::string& accountId() const { return accountId_; }

  std::string cluster(std::string_view name) const;
  std::string taskDefinition(std::string_view family, int revision) const;
  // The long ARN formats ECS uses today: .../container-instance/CLUSTER/ID,
  // .../task/CLUSTER/ID, .../container/CLUSTER/TASK_ID/ID.
  std::string containerInstance(std::string_view cluster, std::string_view id) const;
  std::string task(std::string_view cluster, std::string_view id) const;
  std::string service(std::string_view cluster, std::string_view name) const;
  // .../task-set/CLUSTER/SERVICE/ID (the id holds a '/': "ecs-svc/...").
  std::string taskSet(std::string_view cluster, std::string_view service,
                      std::string_view id) const;
  std::string container(std::string_view cluster, std::string_view taskId,
                        std::string_view id) const;
  // The principal that signed a request, as registeredBy shows it.
  std::string user(std::string_view userName) const;

  // References as calls take them, resolved for this region and account: an
  // ARN of another region or account names nothing here.
  //   clusterName: ClusterNotFoundException for a foreign ARN.
  //   taskDefinitionReference: ClientException for a foreign ARN.
  Result<std::string> clusterName(std::string_view reference) const;
  Result<TaskDefinitionReference> taskDefinitionReference(std::string_view reference) const;
  bool isLocal(const EcsArn& arn) const;
  // A container instance or task named by id or by ARN (long or short
  // format) -> its id. nullopt for a foreign ARN or another resource type.
  std::optional<std::string> resourceId(std::string_view reference,
                                        std::string_view resourceType) const;

 private:
  std::string region_;
  std::string accountId_;
  std::string prefix_;  // "arn:aws:ecs:REGION:ACCOUNT:"
};

// Pure parsing, whatever the region and account (ArnFactory checks those):
// "demo" or "arn:aws:ecs:...:cluster/demo" -> "demo". An ARN of another
// resource type is an InvalidParameterException.
Result<std::string> clusterNameFromReference(std::string_view reference);

// "web", "web:3" or "arn:aws:ecs:...:task-definition/web:3".
Result<TaskDefinitionReference> parseTaskDefinitionReference(std::string_view reference);

// Family names: 1..255 of letters, digits, '-' and '_'. Cluster names share the rule.
bool isValidName(std::string_view name);

}  // namespace ecsd
