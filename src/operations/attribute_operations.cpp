// PutAttributes, DeleteAttributes, ListAttributes: custom attributes on
// container instances (the targets placement constraints query).
#include "ecsd/domain/attribute_rules.h"
#include "ecsd/domain/quotas.h"
#include "ecsd/errors.h"
#include "operations/lookups.h"
#include "operations/pagination.h"
#include "operations/router.h"

namespace ecsd::operations {

namespace {

using nlohmann::json;
using protocol::ApiError;
using protocol::CallContext;
using protocol::orThrow;
using protocol::RequestReader;

struct AttributeChange {
  std::string instanceReference;
  std::string name;
  std::optional<std::string> value;
};

std::vector<AttributeChange> readChanges(const RequestReader& in) {
  std::vector<AttributeChange> changes;
  const json attributes = in.list("attributes");
  if (attributes.empty() || attributes.size() > quotas::kAttributesPerCall) {
    throw ApiError(errors::invalidParameter("attributes must list 1 to " +
                                            std::to_string(quotas::kAttributesPerCall) +
                                            " attributes."));
  }
  for (const auto& item : attributes) {
    if (!item.is_object() || !item.value("name", json()).is_string()) {
      throw ApiError(errors::serialization("Each attribute needs a string name"));
    }
    const std::string targetType = item.value("targetType", "container-instance");
    if (targetType != "container-instance") {
      throw ApiError(errors::invalidParameter("targetType must be container-instance."));
    }
    if (!item.value("targetId", json()).is_string()) {
      throw ApiError(errors::invalidParameter("Each attribute needs a targetId."));
    }
    const json value = item.value("value", json());
    AttributeChange change{item["targetId"], item["name"],
                           value.is_string() ? std::optional<std::string>(value) : std::nullopt};
    orThrow(checkAttribute({change.name, change.value}));
    changes.push_back(std::move(change));
  }
  return changes;
}

json attributeJson(const std::string& name, const std::optional<std::string>& value,
                   const std::string& targetArn) {
  json out = {{"name", name}, {"targetType", "container-instance"}, {"targetId", targetArn}};
  if (value) out["value"] = *value;
  return out;
}

// Applies each change to its instance: put (remove=false) or delete.
Later<json> changeAttributes(const Services& s, const RequestReader& in, bool remove) {
  const std::string cluster = clusterName(s.arns, in);
  const auto changes = readChanges(in);
  co_return orThrow(co_await s.state.committed([&](Draft& draft) -> Result<json> {
    activeCluster(draft, cluster);
    json output = {{"attributes", json::array()}};
    for (const auto& change : changes) {
      const ContainerInstance* found =
          findInstance(draft, s.arns, cluster, change.instanceReference);
      if (!found || found->status == "INACTIVE") {
        return errors::make("TargetNotFoundException",
                            "Could not find " + change.instanceReference + ".");
      }
      ContainerInstance instance = *found;
      auto& attributes = instance.attributes;
      const auto same = [&](const Attribute& a) { return a.name == change.name; };
      if (remove) {
        std::erase_if(attributes, same);
      } else if (auto it = std::find_if(attributes.begin(), attributes.end(), same);
                 it != attributes.end()) {
        it->value = change.value;
      } else {
        attributes.push_back({change.name, change.value});
        if (auto counted = checkAttributeCount(attributes); !counted) return counted.error();
      }
      ++instance.version;
      draft.put(instance);
      output["attributes"].push_back(attributeJson(change.name, change.value, instance.arn));
    }
    return output;
  }));
}

Later<json> putAttributes(const Services& s, const CallContext&, const RequestReader& in) {
  return changeAttributes(s, in, false);
}

Later<json> deleteAttributes(const Services& s, const CallContext&, const RequestReader& in) {
  return changeAttributes(s, in, true);
}

json listAttributes(const Services& s, const CallContext&, const RequestReader& in) {
  const std::string cluster = clusterName(s.arns, in);
  if (in.requiredString("targetType") != "container-instance") {
    throw ApiError(errors::invalidParameter("targetType must be container-instance."));
  }
  const auto name = in.optString("attributeName");
  const auto value = in.optString("attributeValue");
  if (value && !name) {
    throw ApiError(errors::invalidParameter("attributeValue needs attributeName."));
  }
  std::vector<Listed> items = s.state.read([&](const Data& data) {
    activeCluster(data, cluster);
    std::vector<Listed> out;
    for (const auto& id : data.instanceIds(cluster)) {
      const ContainerInstance& instance = *data.instance(id);
      for (const auto& a : instance.attributes) {
        if (name && a.name != *name) continue;
        if (value && a.value != *value) continue;
        out.push_back(
            {instance.arn + '\x01' + a.name, attributeJson(a.name, a.value, instance.arn)});
      }
    }
    return out;
  });
  return listPage("attributes", std::move(items), in);
}

}  // namespace

void addAttributeOperations(Router& router) {
  router.add("PutAttributes", touching({{"cluster", Names::kCluster}}), putAttributes);
  router.add("DeleteAttributes", touching({{"cluster", Names::kCluster}}), deleteAttributes);
  router.add("ListAttributes", touching({{"cluster", Names::kCluster}}), listAttributes);
}

}  // namespace ecsd::operations
