// IAM identities as ecsd keeps them: users, their access keys, groups and
// customer-managed policies, each one row of its own table. Inline policies
// and attachments live on the user's or group's row, and membership on both
// the user's and the group's (changed together in one write), so every check
// IAM makes before a change (DeleteUser's DeleteConflict, two keys per user)
// is a point lookup in the write's draft.
#pragma once

#include <string>
#include <vector>

#include "ecsd/domain/tag.h"

namespace ecsd {

// A policy document embedded in a user or group, by name.
struct InlinePolicy {
  std::string name;
  std::string document;  // as the caller sent it (decoded)
};

struct IamUser {
  std::string name;
  std::string path = "/";
  std::string id;   // "AIDA..."
  std::string arn;  // arn:aws:iam::ACCOUNT:user/PATH/NAME
  double createDate = 0;  // seconds since the epoch
  Tags tags;
  std::vector<InlinePolicy> policies;          // by name
  std::vector<std::string> attachedPolicies;   // managed policies' ARNs
  std::vector<std::string> groups;             // group names
  std::vector<std::string> accessKeys;         // access key ids
};

struct IamGroup {
  std::string name;
  std::string path = "/";
  std::string id;   // "AGPA..."
  std::string arn;  // arn:aws:iam::ACCOUNT:group/PATH/NAME
  double createDate = 0;
  std::vector<InlinePolicy> policies;
  std::vector<std::string> attachedPolicies;
  std::vector<std::string> members;  // user names
};

struct IamAccessKey {
  std::string id;        // "AKIA..."
  std::string userName;
  std::string sealedSecret;  // base64 of crypto::seal(key file, secret, id): never the secret
  std::string status = "Active";  // or "Inactive"
  double createDate = 0;
};

struct IamPolicyVersion {
  std::string id;  // "v1"
  std::string document;
  double createDate = 0;
};

// A customer-managed policy (CreatePolicy); AWS's managed ones are built in.
struct IamManagedPolicy {
  std::string arn;  // arn:aws:iam::ACCOUNT:policy/PATH/NAME
  std::string name;
  std::string path = "/";
  std::string id;  // "ANPA..."
  std::string description;
  double createDate = 0;
  double updateDate = 0;
  std::string defaultVersion = "v1";
  int nextVersion = 2;  // IAM never reuses a version id
  std::vector<IamPolicyVersion> versions;  // oldest first, at most five
  int attachmentCount = 0;
};

}  // namespace ecsd
