// The cluster query language (placement constraints' memberOf, and
// ListContainerInstances' filter): any expression parses to a query or an
// InvalidParameterException, and a parsed one evaluates against an instance.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ecsd/scheduler/query.h"

namespace {

class Instance final : public ecsd::scheduler::QueryTarget {
 public:
  std::optional<std::string> attribute(std::string_view name) const override {
    if (name == "ecs.instance-type") return std::string("t2.micro");
    if (name == "ecs.availability-zone") return std::string("us-east-1a");
    if (name == "flag") return std::string();
    return std::nullopt;
  }
  bool agentConnected() const override { return true; }
  std::string ec2InstanceId() const override { return "i-0123456789abcdef0"; }
  double registeredAt() const override { return 1.7e9; }
  int runningTasksCount() const override { return 3; }
  std::vector<std::string> taskGroups() const override { return {"family:web", "service:api"}; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view expression(reinterpret_cast<const char*>(data), size);
  auto query = ecsd::scheduler::Query::parse(expression);
  if (query) {
    (void)query->matches(Instance());
    (void)query->readsAgentConnected();
  }
  return 0;
}
