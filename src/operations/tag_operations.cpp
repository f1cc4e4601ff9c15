// TagResource, UntagResource, ListTagsForResource, for clusters and task
// definitions (the resources ecsd has so far).
#include "ecsd/errors.h"
#include "operations/router.h"

namespace ecsd::operations {

namespace {

using nlohmann::json;
using protocol::ApiError;
using protocol::CallContext;
using protocol::orThrow;
using protocol::RequestReader;

struct TaggedResource {
  std::string type;  // "cluster" | "task-definition"
  std::string name;  // cluster name or family
  int revision = 0;
};

TaggedResource parseResource(const Services& s, const std::string& arnText) {
  const auto arn = parseEcsArn(arnText);
  if (!arn) {
    throw ApiError(errors::invalidParameter("The ARN is not a valid ECS resource ARN: " + arnText));
  }
  if (!s.arns.isLocal(*arn)) {
    throw ApiError(errors::resourceNotFound("The specified resource could not be found: " +
                                            arnText + " belongs to another region or account."));
  }
  if (arn->resourceType == "cluster") return {"cluster", arn->resourceId, 0};
  if (arn->resourceType == "task-definition") {
    const auto reference = orThrow(parseTaskDefinitionReference(arnText));
    if (reference.revision) return {"task-definition", reference.family, *reference.revision};
    throw ApiError(
        errors::invalidParameter("A task definition ARN must name a revision: " + arnText));
  }
  throw ApiError(
      errors::invalidParameter("ecsd does not support tags on this resource yet: " + arnText));
}

const Tags& currentTags(const StateView& view, const TaggedResource& resource) {
  if (resource.type == "cluster") {
    const Cluster* cluster = view.cluster(resource.name);
    if (!cluster || cluster->status != "ACTIVE") throw ApiError(errors::clusterNotFound());
    return cluster->tags;
  }
  const TaskDefinition* definition = view.taskDefinition(resource.name, resource.revision);
  if (!definition) throw ApiError(errors::resourceNotFound());
  return definition->tags;
}

// Replaces the resource's tags with change(current tags).
template <class Change>
Later<json> retag(const Services& s, const TaggedResource& resource, Change change) {
  co_return orThrow(co_await s.state.committed([&](Draft& draft) -> Result<json> {
    Tags tags = change(currentTags(draft, resource));
    if (auto valid = validateTags(tags); !valid) return valid.error();
    if (resource.type == "cluster") {
      Cluster cluster = *draft.cluster(resource.name);
      cluster.tags = std::move(tags);
      draft.put(std::move(cluster));
    } else {
      TaskDefinition definition = *draft.taskDefinition(resource.name, resource.revision);
      definition.tags = std::move(tags);
      draft.put(std::move(definition));
    }
    return json::object();
  }));
}

Later<json> tagResource(const Services& s, const CallContext&, const RequestReader& in) {
  const auto resource = parseResource(s, in.requiredString("resourceArn"));
  const Tags added = in.tags("tags");
  if (added.empty()) throw ApiError(errors::invalidParameter("Missing required parameter: tags"));
  co_return co_await retag(s, resource, [&](const Tags& current) { return mergeTags(current, added); });
}

Later<json> untagResource(const Services& s, const CallContext&, const RequestReader& in) {
  const auto resource = parseResource(s, in.requiredString("resourceArn"));
  const auto keys = in.stringList("tagKeys");
  if (keys.empty()) throw ApiError(errors::invalidParameter("Missing required parameter: tagKeys"));
  co_return co_await retag(s, resource, [&](const Tags& current) { return removeTagKeys(current, keys); });
}

json listTagsForResource(const Services& s, const CallContext&, const RequestReader& in) {
  const auto resource = parseResource(s, in.requiredString("resourceArn"));
  return s.state.read([&](const Data& data) {
    return json{{"tags", tagsToJson(currentTags(data, resource))}};
  });
}

}  // namespace

void addTagOperations(Router& router) {
  router.add("TagResource", touching({{"resourceArn", Names::kArn}}), tagResource);
  router.add("UntagResource", touching({{"resourceArn", Names::kArn}}), untagResource);
  router.add("ListTagsForResource", touching({{"resourceArn", Names::kArn}}), listTagsForResource);
}

}  // namespace ecsd::operations
