#include "protocol/input_shape.h"

#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "ecsd/errors.h"

namespace ecsd::protocol {

namespace {

using json = nlohmann::json;
using Kind = Shape::Kind;

constexpr std::pair<std::string_view, Kind> kScalars[] = {
    {"string", Kind::kString},       {"integer", Kind::kInteger}, {"long", Kind::kLong},
    {"boolean", Kind::kBoolean},     {"double", Kind::kNumber},   {"float", Kind::kNumber},
    {"timestamp", Kind::kTimestamp}, {"blob", Kind::kBlob},
};

const char* expected(Kind kind) {
  switch (kind) {
    case Kind::kString:
    case Kind::kBlob:
      return "a string";
    case Kind::kInteger:
      return "an integer of 32 bits";
    case Kind::kLong:
      return "an integer";
    case Kind::kBoolean:
      return "a boolean";
    case Kind::kNumber:
      return "a number";
    case Kind::kTimestamp:
      return "a timestamp (seconds since the epoch)";
    case Kind::kStructure:
      return "a structure";
    case Kind::kList:
      return "a list";
    case Kind::kMap:
      return "a map";
  }
  return "?";
}

bool isInteger(const json& value, std::int64_t max) {
  if (value.is_number_unsigned())
    return value.get<std::uint64_t>() <= static_cast<std::uint64_t>(max);
  if (!value.is_number_integer()) return false;
  const auto n = value.get<std::int64_t>();
  return n >= -max - 1 && n <= max;
}

bool scalarFits(Kind kind, const json& value) {
  switch (kind) {
    case Kind::kString:
    case Kind::kBlob:
      return value.is_string();
    case Kind::kInteger:
      return isInteger(value, std::numeric_limits<std::int32_t>::max());
    case Kind::kLong:
      return isInteger(value, std::numeric_limits<std::int64_t>::max());
    case Kind::kBoolean:
      return value.is_boolean();
    case Kind::kNumber:
    case Kind::kTimestamp:
      return value.is_number();
    default:
      return false;
  }
}

// The path is built only on the way back from a mismatch, so a good input
// costs one walk and no strings.
struct Mismatch {
  std::vector<std::string> path;  // innermost first
  Kind expected;
};

bool conform(const Shape& shape, json& value, Mismatch& mismatch) {
  const auto fail = [&] {
    mismatch.expected = shape.kind;
    return false;
  };
  switch (shape.kind) {
    case Kind::kStructure: {
      if (!value.is_object()) return fail();
      std::vector<std::string> unknown;
      for (auto& [name, member] : value.items()) {
        const auto declared = shape.members.find(name);
        if (declared == shape.members.end()) {
          unknown.push_back(name);
        } else if (!member.is_null() && !conform(*declared->second, member, mismatch)) {
          mismatch.path.push_back("." + name);
          return false;
        }
      }
      for (const auto& name : unknown) value.erase(name);
      return true;
    }
    case Kind::kList:
      if (!value.is_array()) return fail();
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (!conform(*shape.element, value[i], mismatch)) {
          mismatch.path.push_back("[" + std::to_string(i) + "]");
          return false;
        }
      }
      return true;
    case Kind::kMap:
      if (!value.is_object()) return fail();
      for (auto& [key, item] : value.items()) {
        if (!conform(*shape.element, item, mismatch)) {
          mismatch.path.push_back("." + key);
          return false;
        }
      }
      return true;
    default:
      return scalarFits(shape.kind, value) || fail();
  }
}

}  // namespace

Result<InputShapes> InputShapes::parse(std::string_view contract) {
  InputShapes shapes;
  json document = json::parse(contract, nullptr, false);
  if (!document.is_object() || !document["shapes"].is_object() ||
      !document["operations"].is_object()) {
    return errors::server("the input shapes are not an object with shapes and operations");
  }
  for (const auto& [name, kind] : kScalars) {
    shapes.shapes_.emplace(name, std::make_unique<Shape>(Shape{kind, {}, nullptr}));
  }
  for (const auto& [name, definition] : document["shapes"].items()) {
    shapes.shapes_.emplace(name, std::make_unique<Shape>());
  }
  const auto resolve = [&](const json& name) -> const Shape* {
    if (!name.is_string()) return nullptr;
    const auto found = shapes.shapes_.find(name.get<std::string>());
    return found == shapes.shapes_.end() ? nullptr : found->second.get();
  };
  for (const auto& entry : document["shapes"].items()) {
    const std::string& name = entry.key();
    const json& definition = entry.value();
    Shape& shape = *shapes.shapes_.at(name);
    const auto bad = [&](std::string_view what) {
      return errors::server("input shape " + name + ": " + std::string(what));
    };
    if (!definition.is_object() || definition.size() != 1) return bad("not one kind");
    const std::string kind = definition.begin().key();
    const json& body = definition.begin().value();
    if (kind == "structure") {
      shape.kind = Kind::kStructure;
      if (!body.is_object()) return bad("members are not an object");
      for (const auto& [member, type] : body.items()) {
        const Shape* declared = resolve(type);
        if (declared == nullptr) return bad("member " + member + " has an unknown type");
        shape.members.emplace(member, declared);
      }
    } else if (kind == "list" || kind == "map") {
      shape.kind = kind == "list" ? Kind::kList : Kind::kMap;
      shape.element = resolve(body);
      if (shape.element == nullptr) return bad("an unknown element type");
    } else {
      return bad("unknown kind " + kind);
    }
  }
  for (const auto& [operation, name] : document["operations"].items()) {
    const Shape* input = resolve(name);
    if (input == nullptr || input->kind != Kind::kStructure) {
      return errors::server("input shapes: " + operation + " has no structure as its input");
    }
    shapes.inputs_.emplace(operation, input);
  }
  return shapes;
}

const Shape* InputShapes::input(std::string_view operation) const {
  const auto found = inputs_.find(operation);
  return found == inputs_.end() ? nullptr : found->second;
}

Status conformInput(const Shape& shape, json& input) {
  Mismatch mismatch;
  if (conform(shape, input, mismatch)) return {};
  std::string path;
  for (auto part = mismatch.path.rbegin(); part != mismatch.path.rend(); ++part) path += *part;
  if (!path.empty() && path.front() == '.') path.erase(0, 1);
  return errors::serialization("Invalid type for parameter " + (path.empty() ? "input" : path) +
                               ": expected " + expected(mismatch.expected));
}

}  // namespace ecsd::protocol
