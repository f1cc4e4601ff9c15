// The cluster query language of ECS (Developer Guide, "Cluster query language"):
// a scannerless recursive-descent parser to a small AST, and its evaluator.
//
//   expression := or
//   or         := and { ("or" | "||") and }
//   and        := unary { ("and" | "&&") unary }
//   unary      := ("not" | "!") unary | "(" expression ")" | condition
//   condition  := subject operator [argument]
//   subject    := "attribute:" NAME | "task:group" | "agentConnected" | "ec2InstanceId"
//               | "registeredAt" | "runningTasksCount"
//   argument   := value | "[" value { "," value } "]"        (a list only for in / not_in)
//   value      := 'text' | "text" | bare
//
// Keywords, operator words and subject names are case-insensitive; attribute names and
// values are not. A bare value runs to the next space, quote, comma, bracket,
// parenthesis, && or ||; quotes have no escapes (use the other kind of quote).
//
// Semantics where the guide is silent:
// - A negative operator (!=, !exists, !in, !~) is the negation of its positive form, so
//   it holds for a missing attribute and, for task:group, when no task's group matches.
// - =~ must match the whole value (Java's String.matches), ECMAScript syntax.
// - Attribute values order numerically when both sides are numbers, else as strings.
// - registeredAt compares at whole seconds; a plain date is midnight UTC, and a time
//   without an offset is UTC.
#include "ecsd/scheduler/query.h"

#include <algorithm>
#include <cmath>
#include <regex>
#include <stdexcept>

#include "ecsd/errors.h"
#include "scheduler/query_literals.h"

namespace ecsd::scheduler {

struct Query::Node {
  enum class Kind { kAnd, kOr, kNot, kCondition };
  // clang-format off
  enum class Subject {
    kAttribute, kTaskGroup, kAgentConnected, kEc2InstanceId, kRegisteredAt, kRunningTasksCount
  };
  enum class Op {
    kEq, kNe, kGt, kGe, kLt, kLe, kExists, kNotExists, kIn, kNotIn, kMatches, kNotMatches
  };
  // clang-format on

  Kind kind = Kind::kCondition;
  std::vector<Node> children;  // kAnd, kOr: two or more; kNot: one

  // kCondition:
  Subject subject = Subject::kAttribute;
  std::string attribute;  // kAttribute's name
  Op op = Op::kEq;
  std::vector<std::string> args;               // one value, or the list of in / not_in
  std::vector<std::optional<double>> numbers;  // args as numbers (dates in epoch seconds)
  std::optional<std::regex> pattern;           // =~ and !~
};

namespace {

using query_literals::parseInteger;
using query_literals::parseNumber;
using query_literals::parseTime;
using query_literals::regexTooComplex;
using Node = Query::Node;
using Kind = Node::Kind;
using Subject = Node::Subject;
using Op = Node::Op;

constexpr size_t kMaxLength = 2000;  // the limit ECS documents for placement expressions
constexpr int kMaxDepth = 64;        // nested parentheses and nots
constexpr size_t kMaxAttributeName = 128;

#ifdef __GLIBCXX__
// libstdc++'s breadth-first matcher: polynomial time, so a hostile pattern cannot backtrack
// exponentially; it refuses back-references.
constexpr auto kRegexFlags = std::regex::ECMAScript | std::regex_constants::__polynomial;
#else
constexpr auto kRegexFlags = std::regex::ECMAScript;
#endif

struct ParseFailure {
  std::string message;
};

bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
// Subjects and keywords are runs of these; a keyword must not be followed by one.
bool isNameChar(char c) {
  return isAlnum(c) || std::string_view("._-:/\\").find(c) != std::string_view::npos;
}
bool isAttributeNameChar(char c) {
  return isAlnum(c) || std::string_view("._-/\\").find(c) != std::string_view::npos;
}
bool isBareChar(char c) {
  return !isSpace(c) && std::string_view("()[],'\"").find(c) == std::string_view::npos;
}
char toLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), toLower);
  return out;
}

// At most 20 bytes of `s` for a message, cut on a UTF-8 character boundary.
std::string excerpt(std::string_view s) {
  if (s.size() <= 20) return std::string(s);
  size_t cut = 20;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "...";
}

// Longest symbol first where one is a prefix of another (">=" before ">").
struct OperatorName {
  std::string_view symbol, word;
  Op op;
};
constexpr OperatorName kOperators[] = {
    {"==", "equals", Op::kEq},
    {"!=", "not_equals", Op::kNe},
    {">=", "greater_than_equal", Op::kGe},
    {">", "greater_than", Op::kGt},
    {"<=", "less_than_equal", Op::kLe},
    {"<", "less_than", Op::kLt},
    {"exists", "exists", Op::kExists},
    {"!exists", "not_exists", Op::kNotExists},
    {"in", "in", Op::kIn},
    {"!in", "not_in", Op::kNotIn},
    {"=~", "matches", Op::kMatches},
    {"!~", "not_matches", Op::kNotMatches},
};

bool isOrdering(Op op) { return op == Op::kGt || op == Op::kGe || op == Op::kLt || op == Op::kLe; }
bool isExistence(Op op) { return op == Op::kExists || op == Op::kNotExists; }
bool isList(Op op) { return op == Op::kIn || op == Op::kNotIn; }
bool isMatch(Op op) { return op == Op::kMatches || op == Op::kNotMatches; }

// The operators the guide lists for each subject (attribute: all of them).
bool allowed(Subject subject, Op op) {
  switch (subject) {
    case Subject::kAttribute:
      return true;
    case Subject::kTaskGroup:
      return !isOrdering(op);
    case Subject::kAgentConnected:
    case Subject::kEc2InstanceId:
      return !isOrdering(op) && !isExistence(op);
    case Subject::kRegisteredAt:
    case Subject::kRunningTasksCount:
      return op == Op::kEq || op == Op::kNe || isOrdering(op);
  }
  return false;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Node parse() {
    Node root = parseOr(0);
    skipSpace();
    if (pos_ < text_.size()) expected("'and', 'or' or the end of the expression");
    return root;
  }

 private:
  Node parseOr(int depth) {
    std::vector<Node> terms;
    terms.push_back(parseAnd(depth));
    while (matchConnective("||", "or")) terms.push_back(parseAnd(depth));
    return combine(Kind::kOr, std::move(terms));
  }

  Node parseAnd(int depth) {
    std::vector<Node> terms;
    terms.push_back(parseUnary(depth));
    while (matchConnective("&&", "and")) terms.push_back(parseUnary(depth));
    return combine(Kind::kAnd, std::move(terms));
  }

  Node parseUnary(int depth) {
    skipSpace();
    if (depth > kMaxDepth) {
      failAt(pos_, "the expression nests deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    if (matchKeyword("not") || matchChar('!')) {
      Node node;
      node.kind = Kind::kNot;
      node.children.push_back(parseUnary(depth + 1));
      return node;
    }
    const size_t open = pos_;
    if (matchChar('(')) {
      Node inner = parseOr(depth + 1);
      skipSpace();
      if (!matchChar(')')) {
        expected("')' to close the '(' at position " + std::to_string(open + 1));
      }
      return inner;
    }
    return parseCondition();
  }

  Node parseCondition() {
    Node node;
    node.kind = Kind::kCondition;
    const size_t subjectAt = pos_;
    const std::string_view subject = takeWhile(isNameChar);
    if (subject.empty()) expected("a subject (attribute:NAME, task:group, runningTasksCount, ...)");
    resolveSubject(node, subject, subjectAt);

    skipSpace();
    const size_t opAt = pos_;
    node.op = scanOperator();
    const std::string opText(text_.substr(opAt, pos_ - opAt));
    if (!allowed(node.subject, node.op)) {
      failAt(opAt, "operator '" + opText + "' is not valid for " + std::string(subject));
    }

    if (isExistence(node.op)) return node;
    skipSpace();
    if (isList(node.op)) {
      if (!matchChar('[')) expected("'[' to start the argument list of '" + opText + "'");
      do {
        addValue(node);
        skipSpace();
      } while (matchChar(','));
      if (!matchChar(']')) expected("',' or ']' in the argument list");
    } else {
      if (pos_ < text_.size() && text_[pos_] == '[') {
        failAt(pos_, "an argument list is only valid with in and not_in");
      }
      addValue(node);
    }
    return node;
  }

  void resolveSubject(Node& node, std::string_view subject, size_t at) {
    const std::string name = lower(subject);
    if (name.starts_with("attribute:")) {
      node.subject = Subject::kAttribute;
      node.attribute = std::string(subject.substr(10));
      if (node.attribute.empty() || node.attribute.size() > kMaxAttributeName ||
          !std::all_of(node.attribute.begin(), node.attribute.end(), isAttributeNameChar)) {
        failAt(at, "invalid attribute name '" + excerpt(node.attribute) +
                       "' (1 to 128 letters, digits, '-', '_', '.', '/' or '\\')");
      }
    } else if (name == "task:group") {
      node.subject = Subject::kTaskGroup;
    } else if (name == "agentconnected") {
      node.subject = Subject::kAgentConnected;
    } else if (name == "ec2instanceid") {
      node.subject = Subject::kEc2InstanceId;
    } else if (name == "registeredat") {
      node.subject = Subject::kRegisteredAt;
    } else if (name == "runningtaskscount") {
      node.subject = Subject::kRunningTasksCount;
    } else if (name == "agentversion") {
      failAt(at, "the subject agentVersion is not supported");
    } else {
      failAt(at, "unknown subject '" + excerpt(subject) +
                     "'; expected attribute:NAME, task:group, agentConnected, ec2InstanceId, "
                     "registeredAt or runningTasksCount");
    }
  }

  // A symbol (==, !in, ...) or a word (equals, not_in, ...); words end at a name boundary.
  Op scanOperator() {
    const std::string_view rest = text_.substr(pos_);
    auto bounded = [&](size_t length) {
      return length == rest.size() || !isNameChar(rest[length]) || !isAlnum(rest[length - 1]);
    };
    for (const auto& o : kOperators) {
      if (rest.starts_with(o.symbol) && bounded(o.symbol.size())) {
        pos_ += o.symbol.size();
        return o.op;
      }
    }
    const size_t length =
        std::min(rest.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"),
                 rest.size());
    const std::string word = lower(rest.substr(0, length));
    for (const auto& o : kOperators) {
      if (length > 0 && o.word == word && bounded(length)) {
        pos_ += length;
        return o.op;
      }
    }
    expected("an operator (==, !=, >, >=, <, <=, exists, !exists, in, !in, =~, !~ or their words)");
  }

  // Reads one argument value and converts it for the condition's subject and operator.
  void addValue(Node& node) {
    skipSpace();
    const size_t at = pos_;
    std::string value;
    if (pos_ < text_.size() && (text_[pos_] == '\'' || text_[pos_] == '"')) {
      const size_t close = text_.find(text_[pos_], pos_ + 1);
      if (close == std::string_view::npos) failAt(at, "unterminated quoted value");
      value = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
      pos_ = close + 1;
    } else {
      value = std::string(takeBare());
      if (value.empty()) {
        expected("a value (quote values containing spaces, commas, brackets or parentheses)");
      }
    }

    std::optional<double> number;
    if (isMatch(node.op)) {
      compilePattern(node, value, at);
    } else if (node.subject == Subject::kRegisteredAt) {
      number = parseTime(value);
      if (!number) {
        failAt(at,
               "expected a date such as 2018-06-18, 2018-06-18T22:28:28Z or "
               "2018-06-18T22:28:28+00:00, found '" +
                   excerpt(value) + "'");
      }
    } else if (node.subject == Subject::kRunningTasksCount) {
      number = parseInteger(value);
      if (!number) failAt(at, "expected a whole number, found '" + excerpt(value) + "'");
    } else if (node.subject == Subject::kAgentConnected) {
      if (lower(value) != "true" && lower(value) != "false") {
        failAt(at, "expected true or false, found '" + excerpt(value) + "'");
      }
      value = lower(value);
    } else if (isOrdering(node.op)) {
      number = parseNumber(value);  // attributes order numerically when both sides are numbers
    }
    node.args.push_back(std::move(value));
    node.numbers.push_back(number);
  }

  void compilePattern(Node& node, const std::string& pattern, size_t at) {
    if (regexTooComplex(pattern)) failAt(at, "the regular expression is too complex");
    try {
      node.pattern.emplace(pattern, kRegexFlags);
    } catch (const std::exception& e) {
      failAt(at, "invalid regular expression '" + excerpt(pattern) + "': " + e.what());
    }
  }

  static Node combine(Kind kind, std::vector<Node> terms) {
    if (terms.size() == 1) return std::move(terms.front());
    Node node;
    node.kind = kind;
    node.children = std::move(terms);
    return node;
  }

  void skipSpace() {
    while (pos_ < text_.size() && isSpace(text_[pos_])) ++pos_;
  }

  template <class Predicate>
  std::string_view takeWhile(Predicate predicate) {
    const size_t start = pos_;
    while (pos_ < text_.size() && predicate(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // A bare value ends where a space, quote, comma, bracket, parenthesis, && or || begins.
  std::string_view takeBare() {
    const size_t start = pos_;
    while (pos_ < text_.size() && isBareChar(text_[pos_])) {
      const std::string_view rest = text_.substr(pos_);
      if (rest.starts_with("&&") || rest.starts_with("||")) break;
      ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }

  bool matchChar(char c) {
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  // A case-insensitive keyword that is not the start of a longer name.
  bool matchKeyword(std::string_view keyword) {
    const std::string_view rest = text_.substr(pos_);
    if (rest.size() < keyword.size() || lower(rest.substr(0, keyword.size())) != keyword) {
      return false;
    }
    if (rest.size() > keyword.size() && isNameChar(rest[keyword.size()])) return false;
    pos_ += keyword.size();
    return true;
  }

  bool matchConnective(std::string_view symbol, std::string_view keyword) {
    skipSpace();
    if (text_.substr(pos_).starts_with(symbol)) {
      pos_ += symbol.size();
      return true;
    }
    return matchKeyword(keyword);
  }

  [[noreturn]] void expected(const std::string& what) {
    std::string found = "the end of the expression";
    if (pos_ < text_.size()) {
      found = "'" + excerpt(text_.substr(pos_, text_.find_first_of(" \t\r\n", pos_) - pos_)) + "'";
    }
    failAt(pos_, "expected " + what + ", found " + found);
  }

  [[noreturn]] void failAt(size_t at, const std::string& what) {
    throw ParseFailure{"Invalid cluster query expression at position " + std::to_string(at + 1) +
                       ": " + what + "."};
  }

  std::string_view text_;
  size_t pos_ = 0;
};

template <class T>
bool compare(T left, T right, Op op) {
  switch (op) {
    case Op::kEq:
      return left == right;
    case Op::kGt:
      return left > right;
    case Op::kGe:
      return left >= right;
    case Op::kLt:
      return left < right;
    case Op::kLe:
      return left <= right;
    default:
      return false;
  }
}

// Whether one value of a string subject satisfies a positive operator.
bool holdsFor(const Node& node, Op op, const std::string& value) {
  switch (op) {
    case Op::kEq:
      return value == node.args.front();
    case Op::kIn:
      return std::find(node.args.begin(), node.args.end(), value) != node.args.end();
    case Op::kMatches:
      return node.pattern && std::regex_match(value, *node.pattern);
    default: {
      const auto number = parseNumber(value);
      if (number && node.numbers.front()) return compare(*number, *node.numbers.front(), op);
      return compare(value.compare(node.args.front()), 0, op);
    }
  }
}

// A positive operator against the subject; task:group has a value per task, an absent
// attribute has none.
bool holds(const Node& node, Op op, const QueryTarget& target) {
  std::vector<std::string> values;
  switch (node.subject) {
    case Subject::kRunningTasksCount:
      return compare(static_cast<double>(target.runningTasksCount()), *node.numbers.front(), op);
    case Subject::kRegisteredAt:
      return compare(std::floor(target.registeredAt()), *node.numbers.front(), op);
    case Subject::kAttribute: {  // one value at most: no list (placement asks this most)
      const auto value = target.attribute(node.attribute);
      return value && (op == Op::kExists || holdsFor(node, op, *value));
    }
    case Subject::kTaskGroup:
      values = target.taskGroups();
      break;
    case Subject::kAgentConnected:
      values.push_back(target.agentConnected() ? "true" : "false");
      break;
    case Subject::kEc2InstanceId:
      values.push_back(target.ec2InstanceId());
      break;
  }
  if (op == Op::kExists) return !values.empty();
  return std::any_of(values.begin(), values.end(),
                     [&](const std::string& value) { return holdsFor(node, op, value); });
}

Op positiveOf(Op op) {
  switch (op) {
    case Op::kNe:
      return Op::kEq;
    case Op::kNotExists:
      return Op::kExists;
    case Op::kNotIn:
      return Op::kIn;
    case Op::kNotMatches:
      return Op::kMatches;
    default:
      return op;
  }
}

bool evaluate(const Node& node, const QueryTarget& target) {
  switch (node.kind) {
    case Kind::kAnd:
      return std::all_of(node.children.begin(), node.children.end(),
                         [&](const Node& child) { return evaluate(child, target); });
    case Kind::kOr:
      return std::any_of(node.children.begin(), node.children.end(),
                         [&](const Node& child) { return evaluate(child, target); });
    case Kind::kNot:
      return !evaluate(node.children.front(), target);
    case Kind::kCondition: {
      const Op positive = positiveOf(node.op);
      return holds(node, positive, target) != (positive != node.op);
    }
  }
  return false;
}

bool reads(const Node& node, Subject subject) {
  if (node.kind == Kind::kCondition) return node.subject == subject;
  return std::any_of(node.children.begin(), node.children.end(),
                     [&](const Node& child) { return reads(child, subject); });
}

}  // namespace

Result<Query> Query::parse(std::string_view expression) {
  if (expression.size() > kMaxLength) {
    return errors::invalidParameter(
        "Invalid cluster query expression: it is " + std::to_string(expression.size()) +
        " characters long; the limit is " + std::to_string(kMaxLength) + ".");
  }
  if (std::all_of(expression.begin(), expression.end(), isSpace)) {
    return errors::invalidParameter("Invalid cluster query expression: it is empty.");
  }
  try {
    Query query;
    query.root_ = std::make_shared<const Node>(Parser(expression).parse());
    query.text_ = std::string(expression);
    return query;
  } catch (const ParseFailure& failure) {
    return errors::invalidParameter(failure.message);
  } catch (const std::exception& e) {
    return errors::invalidParameter(std::string("Invalid cluster query expression: ") + e.what());
  }
}

bool Query::readsAgentConnected() const { return root_ && reads(*root_, Subject::kAgentConnected); }

// A default-constructed Query has no expression and matches every instance.
bool Query::matches(const QueryTarget& target) const {
  if (!root_) return true;
  try {
    return evaluate(*root_, target);
  } catch (...) {
    return false;  // e.g. a regex_error from the matcher: no match rather than a crash
  }
}

}  // namespace ecsd::scheduler
