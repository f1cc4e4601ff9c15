// Each IAM user's policies, parsed once: its inline policies, its groups'
// inline policies, and the managed policies attached to it or its groups
// (their default version). Kept per user until an IAM change commits, so
// the authorize stage parses nothing on a call.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ecsd/iam/policy.h"
#include "ecsd/state/state.h"

namespace ecsd::identity {

struct CompiledPrincipal {
  bool exists = false;  // a key whose user is gone has no policies
  std::string arn;      // the user's ARN
  std::string id;       // "AIDA..."
  std::vector<iam::Policy> policies;
  std::vector<std::string> labels;  // per policy, for the log: "user/ci/run", "group/devs/deny", an ARN
  std::vector<const iam::Policy*> pointers;  // into policies, what evaluate() takes
};

// Compiles what the user's policies are in data.
CompiledPrincipal compilePrincipal(const Data& data, std::string_view userName);

class CompiledPolicies {
 public:
  explicit CompiledPolicies(const State& state) : state_(state) {}
  // The user's compiled policies, as of the last IAM change applied.
  std::shared_ptr<const CompiledPrincipal> of(std::string_view userName) const;
  // A committed change: any change to IAM's tables forgets what is compiled.
  void changed(const ChangeSet& changes);

 private:
  struct Entry {
    std::uint64_t generation = 0;
    std::shared_ptr<const CompiledPrincipal> compiled;
  };
  const State& state_;
  std::atomic<std::uint64_t> generation_{1};
  mutable std::shared_mutex mutex_;
  mutable std::map<std::string, Entry, std::less<>> cache_;
};

}  // namespace ecsd::identity
