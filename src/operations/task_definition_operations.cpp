// RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
// ListTaskDefinitionFamilies, DeregisterTaskDefinition, DeleteTaskDefinitions.
#include <cstdio>

#include "ecsd/domain/task_definition_spec.h"
#include "ecsd/errors.h"
#include "operations/pagination.h"
#include "operations/render.h"
#include "operations/router.h"

namespace ecsd::operations {

namespace {

using nlohmann::json;
using protocol::ApiError;
using protocol::CallContext;
using protocol::orThrow;
using protocol::RequestReader;

json registerTaskDefinition(const Services& s, const CallContext& context,
                            const RequestReader& in) {
  const Tags tags = in.tags("tags");
  json body = orThrow(normalizeTaskDefinition(in.raw()));
  const std::string family = body["family"];
  return orThrow(s.state.write([&](Draft& draft) -> Result<json> {
    TaskDefinition definition;
    definition.family = family;
    definition.revision = draft.nextRevision(family);
    definition.arn = s.arns.taskDefinition(family, definition.revision);
    definition.registeredAt = s.clock.epochSeconds();
    definition.registeredBy = s.arns.user(context.principal.principal);
    definition.body = body;
    definition.tags = tags;
    draft.put(definition);
    return json{{"taskDefinition", renderTaskDefinition(definition)},
                {"tags", tagsToJson(definition.tags)}};
  }));
}

// A reference that must name one revision ("family:rev" or an ARN).
TaskDefinitionReference revisionReference(const ArnFactory& arns, const std::string& reference) {
  auto parsed = orThrow(arns.taskDefinitionReference(reference));
  if (!parsed.revision) {
    throw ApiError(errors::client("Invalid revision number. Number: " + reference +
                                  ". Specify the revision, as family:revision or an ARN."));
  }
  return parsed;
}

json describeTaskDefinition(const Services& s, const CallContext&, const RequestReader& in) {
  const auto reference =
      orThrow(s.arns.taskDefinitionReference(in.requiredString("taskDefinition")));
  const auto include = in.enumList("include", {"TAGS"});
  const bool withTags = std::find(include.begin(), include.end(), "TAGS") != include.end();
  return s.state.read([&](const Data& data) {
    const TaskDefinition* definition =
        resolveTaskDefinition(data, reference.family, reference.revision);
    if (!definition) throw ApiError(errors::client("Unable to describe task definition."));
    json output = {{"taskDefinition", renderTaskDefinition(*definition)}};
    if (withTags) output["tags"] = tagsToJson(definition->tags);
    return output;
  });
}

// Sorts family then revision numerically, so "web:10" follows "web:9".
std::string revisionKey(const TaskDefinition& definition) {
  char revision[16];
  std::snprintf(revision, sizeof revision, "%010d", definition.revision);
  return definition.family + '\x01' + revision;
}

json listTaskDefinitions(const Services& s, const CallContext&, const RequestReader& in) {
  const auto family = in.optString("familyPrefix");
  const std::string status =
      in.optEnum("status", {"ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS"}).value_or("ACTIVE");
  const bool descending = in.optEnum("sort", {"ASC", "DESC"}).value_or("ASC") == "DESC";
  std::vector<Listed> items = s.state.read([&](const Data& data) {
    std::vector<Listed> out;
    const auto& definitions = data.taskDefinitions();
    // In family then revision order; one family's revisions when it is given.
    auto it = family ? definitions.from(std::make_pair(*family, 0)) : definitions.begin();
    for (; it != definitions.end() && (!family || it->first.first == *family); ++it) {
      const TaskDefinition& definition = it->second;
      if (definition.status == status) out.push_back({revisionKey(definition), definition.arn});
    }
    return out;
  });
  return listPage("taskDefinitionArns", std::move(items), in, descending);
}

json listTaskDefinitionFamilies(const Services& s, const CallContext&, const RequestReader& in) {
  const std::string prefix = in.optString("familyPrefix").value_or("");
  const std::string status = in.optEnum("status", {"ACTIVE", "INACTIVE", "ALL"}).value_or("ALL");
  std::vector<Listed> items = s.state.read([&](const Data& data) {
    std::vector<Listed> out;
    const auto& definitions = data.taskDefinitions();
    const std::string* previous = nullptr;  // each family once: its revisions follow each other
    // Families with the prefix sort together, from the prefix on.
    for (auto it = definitions.from(std::make_pair(prefix, 0));
         it != definitions.end() && it->first.first.starts_with(prefix); ++it) {
      const std::string& name = it->first.first;
      if (previous && *previous == name) continue;
      previous = &name;
      const bool active = data.latestActive(name) != nullptr;
      if (status == "ALL" || active == (status == "ACTIVE")) out.push_back({name, name});
    }
    return out;
  });
  return listPage("families", std::move(items), in);
}

json deregisterTaskDefinition(const Services& s, const CallContext&, const RequestReader& in) {
  const auto reference = revisionReference(s.arns, in.requiredString("taskDefinition"));
  return orThrow(s.state.write([&](Draft& draft) -> Result<json> {
    const TaskDefinition* found = draft.taskDefinition(reference.family, *reference.revision);
    if (!found) return errors::client("The specified task definition does not exist.");
    TaskDefinition definition = *found;
    if (definition.status == "ACTIVE") {
      definition.status = "INACTIVE";
      definition.deregisteredAt = s.clock.epochSeconds();
      draft.put(definition);
    }
    return json{{"taskDefinition", renderTaskDefinition(definition)}};
  }));
}

// Marks INACTIVE revisions DELETE_IN_PROGRESS, as ECS does; they stay
// describable until nothing refers to them.
json deleteTaskDefinitions(const Services& s, const CallContext&, const RequestReader& in) {
  const auto references = in.stringList("taskDefinitions");
  if (references.empty() || references.size() > 10) {
    throw ApiError(errors::invalidParameter("taskDefinitions must list 1 to 10 task definitions."));
  }
  return orThrow(s.state.write([&](Draft& draft) -> Result<json> {
    json output = {{"taskDefinitions", json::array()}, {"failures", json::array()}};
    for (const auto& reference : references) {
      const auto parsed = s.arns.taskDefinitionReference(reference);
      const TaskDefinition* found = parsed && parsed->revision
                                        ? draft.taskDefinition(parsed->family, *parsed->revision)
                                        : nullptr;
      if (!found) {
        output["failures"].push_back(
            failure(reference, "The specified task definition does not exist."));
        continue;
      }
      if (found->status == "ACTIVE") {
        output["failures"].push_back(
            failure(found->arn,
                    "The specified task definition is still in ACTIVE status. Deregister it "
                    "before deleting it."));
        continue;
      }
      TaskDefinition definition = *found;
      if (definition.status == "INACTIVE") {
        definition.status = "DELETE_IN_PROGRESS";
        definition.deleteRequestedAt = s.clock.epochSeconds();
        draft.put(definition);
      }
      output["taskDefinitions"].push_back(renderTaskDefinition(definition));
    }
    return output;
  }));
}

}  // namespace

void addTaskDefinitionOperations(Router& router) {
  router.add("RegisterTaskDefinition", registerTaskDefinition);
  router.add("DescribeTaskDefinition", describeTaskDefinition);
  router.add("ListTaskDefinitions", listTaskDefinitions);
  router.add("ListTaskDefinitionFamilies", listTaskDefinitionFamilies);
  router.add("DeregisterTaskDefinition", deregisterTaskDefinition);
  router.add("DeleteTaskDefinitions", deleteTaskDefinitions);
}

}  // namespace ecsd::operations
