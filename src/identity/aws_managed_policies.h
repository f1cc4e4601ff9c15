// ecsd's equivalents of the AWS managed policies users know for ECS, under
// arn:aws:iam::aws:policy/: attachable, never changed by IAM calls. Their
// documents name only the actions ecsd has (ecs:*), not AWS's other services;
// the container-instance one also lets ecsd's agent DescribeTasks, which it
// asks after a restart (Amazon's agent does not).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ecsd::identity {

struct AwsManagedPolicy {
  std::string arn;
  std::string name;
  std::string path;
  std::string id;
  std::string description;
  std::string document;
};

const std::vector<AwsManagedPolicy>& awsManagedPolicies();
// nullptr when arn is none of them.
const AwsManagedPolicy* findAwsManagedPolicy(std::string_view arn);

}  // namespace ecsd::identity
