// Amazon ECS's documented quotas and member limits, in one place: ECS's
// service-quotas page and the API reference's limits for each member. They
// bound what one call can make ecsd keep (a task definition, a resource's
// tags and attributes), so a careless or hostile client cannot grow the state
// by megabytes a call. docs/operations.md lists them.
#pragma once

#include <cstddef>

namespace ecsd::quotas {

// RegisterTaskDefinition: the whole definition as sent ("Actual length:
// 'N'. Max allowed length is '65536' bytes."), and its containers.
inline constexpr std::size_t kTaskDefinitionBytes = 65536;
inline constexpr std::size_t kContainersPerTaskDefinition = 10;

// RunTask and StartTask: the overrides' JSON, formatting included.
inline constexpr std::size_t kOverridesCharacters = 8192;
inline constexpr std::size_t kStartedByCharacters = 128;
inline constexpr std::size_t kGroupCharacters = 255;
// StopTask's reason; the agents' reasons for a task or a container, which
// Amazon's agent trims to this length before it reports them.
inline constexpr std::size_t kReasonCharacters = 255;
inline constexpr std::size_t kAgentReasonCharacters = 1024;

// Tags on any resource.
inline constexpr std::size_t kTagsPerResource = 50;
inline constexpr std::size_t kTagKeyCharacters = 128;
inline constexpr std::size_t kTagValueCharacters = 256;

// Attributes of a container instance: custom ones (PutAttributes and the
// agent's ECS_INSTANCE_ATTRIBUTES) and, apart, the ones ECS and its agent
// name (ecs.*, com.amazonaws.ecs.*), of which Amazon's agent registers about
// 60; names and values alike up to 128 characters.
inline constexpr std::size_t kCustomAttributesPerResource = 10;
inline constexpr std::size_t kEcsAttributesPerResource = 256;  // ecsd's bound
inline constexpr std::size_t kAttributesPerCall = 10;          // PutAttributes, DeleteAttributes
inline constexpr std::size_t kAttributeCharacters = 128;

// RegisterContainerInstance: the EC2 identity document (a few hundred bytes
// on EC2) and its signature; ecsd's bound, as ECS documents none.
inline constexpr std::size_t kIdentityDocumentBytes = 16384;

}  // namespace ecsd::quotas
