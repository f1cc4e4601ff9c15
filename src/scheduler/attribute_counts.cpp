#include "ecsd/scheduler/index/attribute_counts.h"

namespace ecsd::scheduler {

namespace {

int countOf(const AttributeCounts::Groups& groups, std::string_view group) {
  const auto it = groups.find(std::string(group));
  return it == groups.end() ? 0 : it->second;
}

}  // namespace

std::optional<std::string_view> attributeView(const ContainerInstance& instance,
                                              std::string_view name) {
  for (const auto& a : instance.attributes) {
    if (a.name == name) return a.value ? std::string_view(*a.value) : std::string_view();
  }
  return std::nullopt;
}

std::optional<std::string> attributeValue(const ContainerInstance& instance,
                                          std::string_view name) {
  const auto view = attributeView(instance, name);
  return view ? std::optional<std::string>(*view) : std::nullopt;
}

void AttributeCounts::Tally::add(const Groups& g, int sign) {
  instances += sign;
  for (const auto& [group, n] : g) {
    const auto it = groups.try_emplace(group, 0).first;
    it->second += sign * n;
    if (it->second == 0) groups.erase(it);
  }
}

void AttributeCounts::count(const Contribution& c, int sign) {
  ClusterTally& tally = clusters_[c.cluster];
  tally.all.add(c.groups, sign);
  for (const auto& [name, value] : c.attributes) {
    auto& values = tally.byAttribute[name];
    const auto it = values.try_emplace(value).first;
    it->second.add(c.groups, sign);
    if (it->second.instances == 0) values.erase(it);
    if (values.empty()) tally.byAttribute.erase(name);
  }
  if (tally.all.instances == 0) clusters_.erase(c.cluster);
}

void AttributeCounts::set(const std::string& instanceId, const ContainerInstance* instance,
                          const Groups* groups) {
  if (const auto old = counted_.find(instanceId); old != counted_.end()) {
    count(old->second, -1);
    counted_.erase(old);
  }
  if (!instance || instance->status == "INACTIVE") return;
  Contribution c{instance->cluster, {}, {}};
  for (const auto& a : instance->attributes)
    c.attributes.emplace_back(a.name, a.value.value_or(""));
  if (groups) {
    for (const auto& [group, n] : *groups) {
      if (n != 0) c.groups.emplace(group, n);
    }
  }
  count(c, 1);
  counted_.emplace(instanceId, std::move(c));
}

const AttributeCounts::Contribution* AttributeCounts::contribution(
    std::string_view instanceId) const {
  const auto it = counted_.find(instanceId);
  return it == counted_.end() ? nullptr : &it->second;
}

std::map<std::optional<std::string>, int> AttributeCounts::byValue(std::string_view cluster,
                                                                   std::string_view attribute,
                                                                   std::string_view group) const {
  std::map<std::optional<std::string>, int> out;
  const auto c = clusters_.find(cluster);
  if (c == clusters_.end()) return out;
  int instances = 0, tasks = 0;
  if (const auto a = c->second.byAttribute.find(attribute); a != c->second.byAttribute.end()) {
    for (const auto& [value, tally] : a->second) {
      const int n = countOf(tally.groups, group);
      out[value] = n;
      instances += tally.instances;
      tasks += n;
    }
  }
  if (instances < c->second.all.instances) {
    out[std::nullopt] = countOf(c->second.all.groups, group) - tasks;
  }
  return out;
}

}  // namespace ecsd::scheduler
