// What a policy is evaluated against: the action, the resource and the
// request context (the condition keys and their values). The authorize stage
// builds one per resource a call touches.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ecsd::iam {

// The request context: condition keys and their values. Keys are
// case-insensitive ("aws:SourceIp" is "AWS:sourceip"), tag keys in them
// included (aws:ResourceTag/Team is aws:resourcetag/team); values are kept as
// given. A key holds one value (aws:username) or several (aws:TagKeys,
// ecs:container-instances); a key that is absent is not the same as one with
// no values only to ForAllValues/ForAnyValue, which treat both as empty.
//
// The global keys ecsd supplies: aws:username, aws:userid, aws:PrincipalArn,
// aws:SourceIp, aws:CurrentTime (ISO 8601), aws:EpochTime, aws:SecureTransport
// ("true"/"false"), aws:ResourceTag/KEY, aws:RequestTag/KEY, aws:TagKeys;
// ECS's: ecs:cluster, ecs:container-instances.
class ConditionContext {
 public:
  void set(std::string_view key, std::string value);
  void set(std::string_view key, std::vector<std::string> values);
  // The key's values, or nullptr when the request has no such key.
  // REQUIRES: lowerKey is lower-cased (policies' keys are, once parsed).
  const std::vector<std::string>* find(std::string_view lowerKey) const;

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

struct Request {
  std::string action;    // "ecs:RunTask"; actions match case-insensitively
  std::string resource;  // the ARN it acts on, or "*" for an action on no resource
  ConditionContext context;
};

// ASCII lower case: condition keys and actions compare this way.
std::string toLower(std::string_view text);

}  // namespace ecsd::iam
