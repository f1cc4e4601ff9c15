// The policies the IAM benchmarks evaluate: 100 of 5 statements each, a mix
// of other services' grants, ECS reads, grants on other task definitions and
// clusters, and Deny guards; the statement that allows RunTask of web in
// cluster default is the last of the last policy.
#pragma once

#include <string>

namespace ecsd::bench {

inline constexpr int kPolicies = 100;
inline constexpr const char* kPrefix = "arn:aws:ecs:us-east-1:111122223333:";

// Policy i's fifth statement: one of four Deny guards, or for the last
// policy the grant that decides.
inline std::string fifthStatement(int i) {
  if (i == kPolicies - 1) {
    return R"({"Sid":"RunWeb","Effect":"Allow","Action":"ecs:RunTask",
      "Resource":"arn:aws:ecs:us-east-1:111122223333:task-definition/web:*",
      "Condition":{"ArnEquals":{"ecs:cluster":"arn:aws:ecs:us-east-1:111122223333:cluster/default"}}})";
  }
  switch (i % 4) {
    case 0:
      return R"({"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}})";
    case 1:
      return R"({"Effect":"Deny","Action":"iam:*","Resource":"*"})";
    case 2:
      return R"({"Effect":"Deny","Action":"ecs:RunTask","Resource":"*",
        "Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}})";
    default:
      return R"({"Effect":"Deny","Action":"logs:Delete*","Resource":"*"})";
  }
}

inline std::string document(int i) {
  const std::string n = std::to_string(i);
  return R"({"Version":"2012-10-17","Statement":[
    {"Sid":"Objects)" +
         n + R"(","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],
     "Resource":"arn:aws:s3:::bucket-)" +
         n + R"(/${aws:username}/*"},
    {"Sid":"Reads)" +
         n + R"(","Effect":"Allow","Action":["ecs:Describe*","ecs:List*"],"Resource":"*"},
    {"Sid":"RunApp)" +
         n + R"(","Effect":"Allow","Action":["ecs:RunTask","ecs:StartTask"],
     "Resource":"arn:aws:ecs:us-east-1:111122223333:task-definition/app-)" +
         n + R"(:*",
     "Condition":{"ArnEquals":{"ecs:cluster":"arn:aws:ecs:us-east-1:111122223333:cluster/team-)" +
         n + R"("}}},
    {"Sid":"KeepProd)" +
         n + R"(","Effect":"Deny","Action":["ecs:DeleteCluster","ecs:DeregisterContainerInstance"],
     "Resource":"arn:aws:ecs:us-east-1:111122223333:cluster/prod-*"},
    )" + fifthStatement(i) +
         "]}";
}

}  // namespace ecsd::bench
