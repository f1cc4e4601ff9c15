// TagResource, UntagResource, ListTagsForResource, for clusters, task
// definitions and services.
#include <variant>

#include "ecsd/errors.h"
#include "operations/router.h"

namespace ecsd::operations {

namespace {

using nlohmann::json;
using protocol::ApiError;
using protocol::CallContext;
using protocol::orThrow;
using protocol::RequestReader;

// A taggable resource: the row type of its table and its key there. Tags on
// another resource are one more alternative (and its visible/missing below).
template <class Row>
struct Keyed {
  typename Codec<Row>::Key key;
};
using TaggedResource = std::variant<Keyed<Cluster>, Keyed<TaskDefinition>, Keyed<Service>>;

TaggedResource parseResource(const Services& s, const std::string& arnText) {
  const auto arn = parseEcsArn(arnText);
  if (!arn) {
    throw ApiError(errors::invalidParameter("The ARN is not a valid ECS resource ARN: " + arnText));
  }
  if (!s.arns.isLocal(*arn)) {
    throw ApiError(errors::resourceNotFound("The specified resource could not be found: " +
                                            arnText + " belongs to another region or account."));
  }
  if (arn->resourceType == "cluster") return Keyed<Cluster>{arn->resourceId};
  if (arn->resourceType == "task-definition") {
    const auto reference = orThrow(parseTaskDefinitionReference(arnText));
    if (reference.revision) return Keyed<TaskDefinition>{{reference.family, *reference.revision}};
    throw ApiError(
        errors::invalidParameter("A task definition ARN must name a revision: " + arnText));
  }
  if (arn->resourceType == "service") {
    // service/CLUSTER/NAME, or the old service/NAME (in the default cluster).
    const auto slash = arn->resourceId.find('/');
    if (slash == std::string::npos) return Keyed<Service>{{"default", arn->resourceId}};
    return Keyed<Service>{{arn->resourceId.substr(0, slash), arn->resourceId.substr(slash + 1)}};
  }
  throw ApiError(
      errors::invalidParameter("ecsd does not support tags on this resource yet: " + arnText));
}

// Whether the row can be tagged, and the error ECS gives when it cannot be found.
bool visible(const Cluster& cluster) { return cluster.status == "ACTIVE"; }
bool visible(const TaskDefinition&) { return true; }
bool visible(const Service& service) { return service.status != "INACTIVE"; }
Error missing(const Keyed<Cluster>&) { return errors::clusterNotFound(); }
Error missing(const Keyed<TaskDefinition>&) { return errors::resourceNotFound(); }
Error missing(const Keyed<Service>&) { return errors::serviceNotFound(); }

// The tagged row as the view (committed state or a draft) sees it.
template <class View, class Row>
const Row& taggedRow(const View& view, const Keyed<Row>& resource) {
  const Row* row = view.template find<Row>(resource.key);
  if (!row || !visible(*row)) throw ApiError(missing(resource));
  return *row;
}

// Replaces the resource's tags with change(current tags).
template <class Change>
Later<json> retag(const Services& s, const TaggedResource& resource, Change change) {
  co_return orThrow(co_await s.state.committed([&](Draft& draft) -> Result<json> {
    return std::visit(
        [&](const auto& keyed) -> Result<json> {
          auto row = taggedRow(draft, keyed);
          row.tags = change(row.tags);
          if (auto valid = validateTags(row.tags); !valid) return valid.error();
          draft.put(std::move(row));
          return json::object();
        },
        resource);
  }));
}

Later<json> tagResource(const Services& s, const CallContext&, const RequestReader& in) {
  const auto resource = parseResource(s, in.requiredString("resourceArn"));
  const Tags added = in.tags("tags");
  if (added.empty()) throw ApiError(errors::invalidParameter("Missing required parameter: tags"));
  co_return co_await retag(s, resource,
                           [&](const Tags& current) { return mergeTags(current, added); });
}

Later<json> untagResource(const Services& s, const CallContext&, const RequestReader& in) {
  const auto resource = parseResource(s, in.requiredString("resourceArn"));
  const auto keys = in.stringList("tagKeys");
  if (keys.empty()) throw ApiError(errors::invalidParameter("Missing required parameter: tagKeys"));
  co_return co_await retag(s, resource,
                           [&](const Tags& current) { return removeTagKeys(current, keys); });
}

json listTagsForResource(const Services& s, const CallContext&, const RequestReader& in) {
  const auto resource = parseResource(s, in.requiredString("resourceArn"));
  return s.state.read([&](const Data& data) {
    return std::visit(
        [&](const auto& keyed) {
          return json{{"tags", tagsToJson(taggedRow(data, keyed).tags)}};
        },
        resource);
  });
}

}  // namespace

void addTagOperations(Router& router) {
  router.add("TagResource", touching({{"resourceArn", Names::kArn}}), tagResource);
  router.add("UntagResource", touching({{"resourceArn", Names::kArn}}), untagResource);
  router.add("ListTagsForResource", touching({{"resourceArn", Names::kArn}}), listTagsForResource);
}

}  // namespace ecsd::operations
