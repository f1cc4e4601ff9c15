#include "ecsd/domain/arn.h"

#include <charconv>

#include "ecsd/errors.h"

namespace ecsd {

ArnFactory::ArnFactory(std::string region, std::string accountId)
    : region_(std::move(region)),
      accountId_(std::move(accountId)),
      prefix_("arn:aws:ecs:" + region_ + ":" + accountId_ + ":") {}

std::string ArnFactory::cluster(std::string_view name) const {
  return prefix_ + "cluster/" + std::string(name);
}

std::string ArnFactory::taskDefinition(std::string_view family, int revision) const {
  return prefix_ + "task-definition/" + std::string(family) + ":" + std::to_string(revision);
}

std::string ArnFactory::containerInstance(std::string_view cluster, std::string_view id) const {
  return prefix_ + "container-instance/" + std::string(cluster) + "/" + std::string(id);
}

std::string ArnFactory::task(std::string_view cluster, std::string_view id) const {
  return prefix_ + "task/" + std::string(cluster) + "/" + std::string(id);
}

std::string ArnFactory::service(std::string_view cluster, std::string_view name) const {
  return prefix_ + "service/" + std::string(cluster) + "/" + std::string(name);
}

std::string ArnFactory::taskSet(std::string_view cluster, std::string_view service,
                                std::string_view id) const {
  return prefix_ + "task-set/" + std::string(cluster) + "/" + std::string(service) + "/" +
         std::string(id);
}

std::string ArnFactory::container(std::string_view cluster, std::string_view taskId,
                                  std::string_view id) const {
  return prefix_ + "container/" + std::string(cluster) + "/" + std::string(taskId) + "/" +
         std::string(id);
}

std::optional<std::string> ArnFactory::resourceId(std::string_view reference,
                                                  std::string_view resourceType) const {
  if (!reference.starts_with("arn:")) return std::string(reference);
  const auto arn = parseEcsArn(reference);
  if (!arn || !isLocal(*arn) || arn->resourceType != resourceType) return std::nullopt;
  return arn->resourceId.substr(arn->resourceId.rfind('/') + 1);
}

std::string ArnFactory::user(std::string_view userName) const {
  return "arn:aws:iam::" + accountId_ + ":user/" + std::string(userName);
}

bool ArnFactory::isLocal(const EcsArn& arn) const {
  return arn.partition == "aws" && arn.region == region_ && arn.accountId == accountId_;
}

Result<std::string> ArnFactory::clusterName(std::string_view reference) const {
  if (reference.starts_with("arn:")) {
    const auto arn = parseEcsArn(reference);
    if (arn && !isLocal(*arn)) return errors::clusterNotFound();
  }
  return clusterNameFromReference(reference);
}

Result<TaskDefinitionReference> ArnFactory::taskDefinitionReference(
    std::string_view reference) const {
  if (reference.starts_with("arn:")) {
    const auto arn = parseEcsArn(reference);
    if (arn && !isLocal(*arn)) {
      return errors::client("The task definition " + std::string(reference) +
                            " belongs to another region or account.");
    }
  }
  return parseTaskDefinitionReference(reference);
}

std::optional<EcsArn> parseEcsArn(std::string_view arn) {
  // arn:partition:service:region:account:resource
  std::string_view parts[5];
  for (auto& part : parts) {
    const auto colon = arn.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    part = arn.substr(0, colon);
    arn.remove_prefix(colon + 1);
  }
  if (parts[0] != "arn" || parts[2] != "ecs") return std::nullopt;
  const auto slash = arn.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == arn.size()) {
    return std::nullopt;
  }
  return EcsArn{std::string(parts[1]), std::string(parts[3]), std::string(parts[4]),
                std::string(arn.substr(0, slash)), std::string(arn.substr(slash + 1))};
}

Result<std::string> clusterNameFromReference(std::string_view reference) {
  if (!reference.starts_with("arn:")) return std::string(reference);
  const auto arn = parseEcsArn(reference);
  if (!arn || arn->resourceType != "cluster") {
    return errors::invalidParameter("Invalid cluster identifier: " + std::string(reference));
  }
  return arn->resourceId;
}

Result<TaskDefinitionReference> parseTaskDefinitionReference(std::string_view reference) {
  std::string_view familyAndRevision = reference;
  if (reference.starts_with("arn:")) {
    const auto arn = parseEcsArn(reference);
    if (!arn || arn->resourceType != "task-definition") {
      return errors::client("Invalid revision number. Number: " + std::string(reference));
    }
    familyAndRevision = reference.substr(reference.rfind('/') + 1);
  }
  const auto colon = familyAndRevision.rfind(':');
  if (colon == std::string_view::npos) {
    return TaskDefinitionReference{std::string(familyAndRevision), std::nullopt};
  }
  const std::string_view digits = familyAndRevision.substr(colon + 1);
  int revision = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), revision);
  if (ec != std::errc() || end != digits.data() + digits.size() || revision < 1) {
    return errors::client("Invalid revision number. Number: " + std::string(digits));
  }
  return TaskDefinitionReference{std::string(familyAndRevision.substr(0, colon)), revision};
}

bool isValidName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace ecsd
