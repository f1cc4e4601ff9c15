// The declared type of every member of an operation's input, from the wire
// contract (api/ecs-input-shapes.json), and the check every call passes
// before it runs: a member of the wrong type at any depth is a
// SerializationException, as ECS answers, so a value no SDK can read back is
// never stored or sent to an agent. Unknown members are ignored, as ECS does:
// dropped before any handler sees them.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ecsd/result.h"

namespace ecsd::protocol {

struct Shape {
  enum class Kind {
    kString,
    kInteger,  // 32 bits
    kLong,
    kBoolean,
    kNumber,     // double, float
    kTimestamp,  // seconds since the epoch, as JSON 1.1 sends them
    kBlob,       // base64 text
    kStructure,
    kList,
    kMap,
  };
  Kind kind = Kind::kString;
  std::map<std::string, const Shape*, std::less<>> members;  // kStructure
  const Shape* element = nullptr;                            // kList, kMap (the values)
};

class InputShapes {
 public:
  // Reads the contract's notation (scripts/api-shapes.py describes it); an
  // error names what is malformed or refers to a shape that is not there.
  static Result<InputShapes> parse(std::string_view contract);

  // The operation's input, or nullptr when the contract does not declare it.
  const Shape* input(std::string_view operation) const;

 private:
  std::map<std::string, std::unique_ptr<Shape>, std::less<>> shapes_;  // by name
  std::map<std::string, const Shape*, std::less<>> inputs_;            // by operation
};

// Makes the input what the shape declares: a SerializationException names the
// first member whose value is not of its declared type
// ("overrides.containerOverrides[0].environment"), and members the shape does
// not declare are dropped at any depth, so nothing downstream keeps or echoes
// them. null counts as absent for a member, but not as a list's element or a
// map's value. On an error the input is left part-way and must not be used.
Status conformInput(const Shape& shape, nlohmann::json& input);

}  // namespace ecsd::protocol
