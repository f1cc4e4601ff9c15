// Container instances and tasks as the JSON documents the store keeps.
// Reading throws nlohmann::json exceptions on a document of the wrong shape;
// the store turns them into errors.
#pragma once

#include <nlohmann/json.hpp>

#include "ecsd/domain/container_instance.h"
#include "ecsd/domain/task.h"

namespace ecsd::store {

// Tags as stored (the API's shape); throws on a wrong shape.
Tags storedTags(const nlohmann::json& stored);

nlohmann::json toRecord(const ContainerInstance& instance);
ContainerInstance instanceFromRecord(const nlohmann::json& record);

std::string taskRecord(const Task& task);  // the document's text
Task taskFromRecord(const nlohmann::json& record);

}  // namespace ecsd::store
