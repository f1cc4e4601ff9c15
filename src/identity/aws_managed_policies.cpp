#include "identity/aws_managed_policies.h"

namespace ecsd::identity {

const std::vector<AwsManagedPolicy>& awsManagedPolicies() {
  static const std::vector<AwsManagedPolicy> policies = {
      {"arn:aws:iam::aws:policy/AmazonECS_FullAccess", "AmazonECS_FullAccess", "/",
       "ANPAECSDFULLACCESS01", "Every Amazon ECS action on every resource.",
       R"({"Version":"2012-10-17","Statement":[{"Sid":"ECSFullAccess","Effect":"Allow","Action":"ecs:*","Resource":"*"}]})"},
      // AWS has no managed policy of this name: ecsd's own read-only one.
      {"arn:aws:iam::aws:policy/AmazonECSReadOnlyAccess", "AmazonECSReadOnlyAccess", "/",
       "ANPAECSDREADONLY0001", "ecsd's read-only access to Amazon ECS: Describe and List calls.",
       R"({"Version":"2012-10-17","Statement":[{"Sid":"ECSReadOnly","Effect":"Allow","Action":["ecs:Describe*","ecs:List*"],"Resource":"*"}]})"},
      {"arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
       "AmazonEC2ContainerServiceforEC2Role", "/service-role/", "ANPAECSDEC2ROLE00001",
       "Default policy for the Amazon EC2 Role for Amazon EC2 Container Service.",
       R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecs:DeregisterContainerInstance","ecs:DiscoverPollEndpoint","ecs:Poll","ecs:RegisterContainerInstance","ecs:StartTelemetrySession","ecs:UpdateContainerInstancesState","ecs:Submit*"],"Resource":"*"},{"Effect":"Allow","Action":"ecs:TagResource","Resource":"*","Condition":{"StringEquals":{"ecs:CreateAction":["CreateCluster","RegisterContainerInstance"]}}},{"Effect":"Allow","Action":"ecs:ListTagsForResource","Resource":["arn:aws:ecs:*:*:task/*/*","arn:aws:ecs:*:*:container-instance/*/*"]},{"Sid":"EcsdAgentRecovery","Effect":"Allow","Action":"ecs:DescribeTasks","Resource":"arn:aws:ecs:*:*:task/*/*"}]})"},
  };
  return policies;
}

const AwsManagedPolicy* findAwsManagedPolicy(std::string_view arn) {
  for (const auto& policy : awsManagedPolicies()) {
    if (policy.arn == arn) return &policy;
  }
  return nullptr;
}

}  // namespace ecsd::identity
