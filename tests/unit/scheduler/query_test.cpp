#include "ecsd/scheduler/query.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace ecsd::scheduler {
namespace {

constexpr double kJune18 = 1529360908;  // 2018-06-18T22:28:28Z

class FakeTarget : public QueryTarget {
 public:
  std::optional<std::string> attribute(std::string_view name) const override {
    const auto it = attributes.find(std::string(name));
    if (it == attributes.end()) return std::nullopt;
    return it->second;
  }
  bool agentConnected() const override { return connected; }
  std::string ec2InstanceId() const override { return instanceId; }
  double registeredAt() const override { return registered; }
  int runningTasksCount() const override { return running; }
  std::vector<std::string> taskGroups() const override { return groups; }

  std::map<std::string, std::string> attributes = {
      {"ecs.instance-type", "t2.small"},
      {"ecs.availability-zone", "us-east-1a"},
      {"ecs.os-type", "linux"},
      {"size", "10"},
      {"flag", ""},
  };
  bool connected = true;
  std::string instanceId = "i-abcd1234";
  double registered = kJune18 + 0.75;
  int running = 3;
  std::vector<std::string> groups = {"service:production", "family:web"};
};

// Parses (failing the test on an error) and evaluates.
bool eval(std::string_view expression, const QueryTarget& target = FakeTarget()) {
  auto query = Query::parse(expression);
  if (!query) {
    ADD_FAILURE() << "'" << expression << "' failed to parse: " << query.error().message;
    return false;
  }
  return query->matches(target);
}

// The error message of an expression that must not parse.
std::string parseError(std::string_view expression) {
  auto query = Query::parse(expression);
  if (query) {
    ADD_FAILURE() << "'" << expression << "' parsed, but should not";
    return "";
  }
  EXPECT_EQ(query.error().type, "InvalidParameterException");
  EXPECT_EQ(query.error().httpStatus, 400);
  return query.error().message;
}

FakeTarget withType(std::string type) {
  FakeTarget target;
  target.attributes["ecs.instance-type"] = std::move(type);
  return target;
}

TEST(QueryTest, DocumentationExamples) {
  FakeTarget g2 = withType("g2.2xlarge");
  EXPECT_TRUE(eval("attribute:ecs.instance-type == t2.small"));
  EXPECT_FALSE(eval("attribute:ecs.instance-type == t2.small", g2));
  EXPECT_TRUE(eval("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"));
  FakeTarget east1d;
  east1d.attributes["ecs.availability-zone"] = "us-east-1d";
  EXPECT_FALSE(eval("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", east1d));
  const char* compound =
      "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d";
  EXPECT_TRUE(eval(compound, g2));
  EXPECT_FALSE(eval(compound));
  g2.attributes["ecs.availability-zone"] = "us-east-1d";
  EXPECT_FALSE(eval(compound, g2));
  EXPECT_TRUE(eval("task:group == service:production"));
  EXPECT_FALSE(eval("not(task:group == service:production)"));
  EXPECT_TRUE(eval("not(task:group == database)"));
  FakeTarget one;
  one.running = 1;
  EXPECT_TRUE(eval("runningTasksCount == 1", one));
  EXPECT_FALSE(eval("runningTasksCount == 1"));
  EXPECT_FALSE(eval("registeredAt < 2018-02-13"));
  EXPECT_TRUE(eval("registeredAt > 2018-02-13"));
  EXPECT_TRUE(eval("ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']"));
  FakeTarget other;
  other.instanceId = "i-00000000";
  EXPECT_FALSE(eval("ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']", other));
  EXPECT_TRUE(
      eval("attribute:ecs.instance-type =~ t2.* and "
           "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"));
  EXPECT_FALSE(eval("not(attribute:ecs.instance-type == t2.small)"));
  EXPECT_TRUE(eval("attribute:ecs.os-type exists"));
  EXPECT_TRUE(eval("registeredAt < 2030-11-21T00:00:00Z"));
  EXPECT_FALSE(eval("agentConnected == false"));
}

TEST(QueryTest, AttributeEquality) {
  EXPECT_TRUE(eval("attribute:ecs.instance-type equals t2.small"));
  EXPECT_FALSE(eval("attribute:ecs.instance-type == t2.micro"));
  EXPECT_TRUE(eval("attribute:ecs.instance-type != t2.micro"));
  EXPECT_TRUE(eval("attribute:ecs.instance-type not_equals t2.micro"));
  EXPECT_FALSE(eval("attribute:ecs.instance-type not_equals t2.small"));
  EXPECT_FALSE(eval("attribute:ecs.instance-type == T2.SMALL"));  // values are case-sensitive
  EXPECT_FALSE(eval("attribute:size == 10.0"));                   // string equality
  EXPECT_TRUE(eval("attribute:flag == ''"));                      // an attribute without a value
  // An absent attribute equals nothing, so the negative form holds.
  EXPECT_FALSE(eval("attribute:missing == x"));
  EXPECT_TRUE(eval("attribute:missing != x"));
  EXPECT_FALSE(eval("attribute:ECS.INSTANCE-TYPE == t2.small"));  // names are case-sensitive
}

TEST(QueryTest, AttributeOrdering) {
  // Numbers compare numerically: "10" > "9" although "10" < "9" as strings.
  EXPECT_TRUE(eval("attribute:size > 9"));
  EXPECT_TRUE(eval("attribute:size greater_than 9.5"));
  EXPECT_TRUE(eval("attribute:size >= 10"));
  EXPECT_TRUE(eval("attribute:size greater_than_equal 1e1"));
  EXPECT_FALSE(eval("attribute:size > 10"));
  EXPECT_TRUE(eval("attribute:size < 11"));
  EXPECT_TRUE(eval("attribute:size less_than 100"));
  EXPECT_TRUE(eval("attribute:size <= 10"));
  EXPECT_TRUE(eval("attribute:size less_than_equal 10"));
  EXPECT_FALSE(eval("attribute:size < -1"));
  // Otherwise as strings.
  EXPECT_TRUE(eval("attribute:ecs.instance-type > t2.micro"));
  EXPECT_TRUE(eval("attribute:ecs.instance-type < t3"));
  EXPECT_TRUE(eval("attribute:size < abc"));
  EXPECT_TRUE(eval("attribute:ecs.instance-type >= t2.small"));
  EXPECT_TRUE(eval("attribute:ecs.instance-type <= t2.small"));
  EXPECT_FALSE(eval("attribute:missing < zzz"));
  EXPECT_FALSE(eval("attribute:missing > 0"));
}

TEST(QueryTest, AttributeExistence) {
  EXPECT_TRUE(eval("attribute:ecs.os-type exists"));
  EXPECT_TRUE(eval("attribute:flag exists"));
  EXPECT_FALSE(eval("attribute:missing exists"));
  EXPECT_FALSE(eval("attribute:ecs.os-type !exists"));
  EXPECT_FALSE(eval("attribute:ecs.os-type not_exists"));
  EXPECT_TRUE(eval("attribute:missing !exists"));
  EXPECT_TRUE(eval("attribute:missing not_exists"));
  EXPECT_TRUE(eval("attribute:missing !exists and attribute:flag exists"));
}

TEST(QueryTest, Lists) {
  EXPECT_TRUE(eval("attribute:ecs.os-type in [windows, linux]"));
  EXPECT_TRUE(eval("attribute:ecs.os-type in [linux]"));
  EXPECT_FALSE(eval("attribute:ecs.os-type in [windows]"));
  EXPECT_TRUE(eval("attribute:ecs.os-type !in [windows]"));
  EXPECT_TRUE(eval("attribute:ecs.os-type not_in [windows, 'mac os']"));
  EXPECT_FALSE(eval("attribute:ecs.os-type not_in [\"linux\"]"));
  EXPECT_FALSE(eval("attribute:missing in [x]"));
  EXPECT_TRUE(eval("attribute:missing !in [x]"));
  EXPECT_TRUE(eval("attribute:ecs.os-type in['windows',\"linux\"]"));
  EXPECT_TRUE(eval("attribute:ecs.os-type in [ windows , linux ]"));
  EXPECT_TRUE(eval("attribute:ecs.os-type !in[windows]"));
}

TEST(QueryTest, Matches) {
  EXPECT_TRUE(eval("attribute:ecs.instance-type =~ t2.*"));
  EXPECT_TRUE(eval("attribute:ecs.instance-type matches 't2\\.(small|medium)'"));
  // Parentheses in a pattern need quotes, as the guide says a condition holds none.
  EXPECT_FALSE(Query::parse("attribute:ecs.instance-type =~ t2\\.(small|medium)").ok());
  // The whole value must match, as with Java's String.matches.
  EXPECT_FALSE(eval("attribute:ecs.instance-type =~ t2"));
  EXPECT_FALSE(eval("attribute:ecs.instance-type =~ small"));
  EXPECT_TRUE(eval("attribute:ecs.instance-type =~ .*small"));
  EXPECT_FALSE(eval("attribute:ecs.instance-type !~ t2.*"));
  EXPECT_TRUE(eval("attribute:ecs.instance-type not_matches m5.*"));
  EXPECT_TRUE(eval("attribute:ecs.instance-type =~ '(t2|t3)\\.[a-z]+'"));
  EXPECT_TRUE(eval("attribute:ecs.instance-type =~ \"t[0-9]{1}\\.small\""));
  EXPECT_FALSE(eval("attribute:missing =~ .*"));
  EXPECT_TRUE(eval("attribute:missing !~ .*"));
  EXPECT_TRUE(eval("attribute:flag =~ .*"));
}

TEST(QueryTest, TaskGroup) {
  FakeTarget idle;
  idle.groups.clear();
  EXPECT_TRUE(eval("task:group == family:web"));
  EXPECT_FALSE(eval("task:group == database"));
  EXPECT_FALSE(eval("task:group != family:web"));  // some task is in the group
  EXPECT_TRUE(eval("task:group != database"));     // no task is
  EXPECT_TRUE(eval("task:group in [database, family:web]"));
  EXPECT_FALSE(eval("task:group not_in [database, family:web]"));
  EXPECT_TRUE(eval("task:group !in [database]"));
  EXPECT_TRUE(eval("task:group =~ service:.*"));
  EXPECT_FALSE(eval("task:group !~ family:.*"));
  EXPECT_TRUE(eval("task:group not_matches db.*"));
  EXPECT_TRUE(eval("task:group exists"));
  EXPECT_FALSE(eval("task:group not_exists"));
  EXPECT_FALSE(eval("task:group exists", idle));
  EXPECT_TRUE(eval("task:group !exists", idle));
  EXPECT_FALSE(eval("task:group == database", idle));
  EXPECT_TRUE(eval("task:group != database", idle));
  EXPECT_TRUE(eval("task:group !in [database]", idle));
  EXPECT_NE(parseError("task:group > a").find("not valid for task:group"), std::string::npos);
}

TEST(QueryTest, AgentConnected) {
  FakeTarget disconnected;
  disconnected.connected = false;
  EXPECT_TRUE(eval("agentConnected == true"));
  EXPECT_FALSE(eval("agentConnected == true", disconnected));
  EXPECT_TRUE(eval("agentConnected == false", disconnected));
  EXPECT_TRUE(eval("agentConnected equals TRUE"));
  EXPECT_TRUE(eval("agentConnected != false"));
  EXPECT_FALSE(eval("agentConnected not_equals 'true'"));
  EXPECT_TRUE(eval("agentConnected in [true, false]"));
  EXPECT_FALSE(eval("agentConnected !in [true]"));
  EXPECT_TRUE(eval("agentConnected not_in [true]", disconnected));
  EXPECT_TRUE(eval("agentConnected =~ t.*"));
  EXPECT_TRUE(eval("agentConnected !~ t.*", disconnected));
  EXPECT_NE(parseError("agentConnected == yes").find("expected true or false"), std::string::npos);
  EXPECT_NE(parseError("agentConnected > true").find("not valid"), std::string::npos);
  EXPECT_NE(parseError("agentConnected exists").find("not valid"), std::string::npos);
}

TEST(QueryTest, Ec2InstanceId) {
  EXPECT_TRUE(eval("ec2InstanceId == i-abcd1234"));
  EXPECT_TRUE(eval("ec2InstanceId != 'i-wxyx7890'"));
  EXPECT_TRUE(eval("ec2InstanceId not_in ['i-wxyx7890']"));
  EXPECT_TRUE(eval("ec2InstanceId =~ 'i-[0-9a-f]{8}'"));
  EXPECT_FALSE(eval("ec2InstanceId not_matches i-.*"));
  EXPECT_NE(parseError("ec2InstanceId exists").find("not valid"), std::string::npos);
  EXPECT_NE(parseError("ec2InstanceId < i-1").find("not valid"), std::string::npos);
}

TEST(QueryTest, RegisteredAt) {
  // Every documented date format; the instance registered at 22:28:28.75 UTC.
  EXPECT_TRUE(eval("registeredAt == 2018-06-18T22:28:28+00:00"));
  EXPECT_TRUE(eval("registeredAt == 2018-06-18T22:28:28Z"));
  EXPECT_TRUE(eval("registeredAt == 2018-06-18T22:28:28"));
  EXPECT_TRUE(eval("registeredAt equals 2018-06-19T00:28:28+02:00"));
  EXPECT_TRUE(eval("registeredAt == 2018-06-18T17:28:28-05:00"));
  EXPECT_TRUE(eval("registeredAt == '2018-06-18t22:28:28z'"));
  EXPECT_FALSE(eval("registeredAt == 2018-06-18"));  // midnight
  EXPECT_TRUE(eval("registeredAt != 2018-06-18"));
  EXPECT_TRUE(eval("registeredAt not_equals 2018-06-18T22:28:29Z"));
  EXPECT_TRUE(eval("registeredAt > 2018-06-18"));
  EXPECT_TRUE(eval("registeredAt greater_than 2018-06-18T22:28:27Z"));
  EXPECT_FALSE(eval("registeredAt > 2018-06-18T22:28:28Z"));
  EXPECT_TRUE(eval("registeredAt >= 2018-06-18T22:28:28Z"));
  EXPECT_TRUE(eval("registeredAt greater_than_equal 2018-06-18T22:28:28Z"));
  EXPECT_TRUE(eval("registeredAt < 2018-06-19"));
  EXPECT_TRUE(eval("registeredAt less_than 2016-11-21T00:00:00Z") == false);
  EXPECT_TRUE(eval("registeredAt <= 2018-06-18T22:28:28Z"));
  EXPECT_TRUE(eval("registeredAt less_than_equal 2018-06-18T22:28:28Z"));
  FakeTarget old;
  old.registered = 1479686400 - 1;  // a second before 2016-11-21
  EXPECT_TRUE(eval("registeredAt < 2016-11-21T00:00:00Z", old));
  EXPECT_TRUE(eval("registeredAt < 2016-11-21", old));

  for (const char* bad :
       {"registeredAt < 2018-02-30", "registeredAt < 2018-13-01", "registeredAt < 18-06-18",
        "registeredAt < 2018-06-18T25:00:00Z", "registeredAt < 2018-06-18T22:28",
        "registeredAt < 2018-06-18T22:28:28+0000", "registeredAt < yesterday",
        "registeredAt < 1529360908"}) {
    EXPECT_NE(parseError(bad).find("expected a date"), std::string::npos) << bad;
  }
  EXPECT_NE(parseError("registeredAt in [2018-06-18]").find("not valid"), std::string::npos);
  EXPECT_NE(parseError("registeredAt exists").find("not valid"), std::string::npos);
}

TEST(QueryTest, RunningTasksCount) {
  EXPECT_TRUE(eval("runningTasksCount == 3"));
  EXPECT_TRUE(eval("runningTasksCount equals 3"));
  EXPECT_TRUE(eval("runningTasksCount != 4"));
  EXPECT_TRUE(eval("runningTasksCount not_equals 4"));
  EXPECT_TRUE(eval("runningTasksCount > 2"));
  EXPECT_FALSE(eval("runningTasksCount greater_than 3"));
  EXPECT_TRUE(eval("runningTasksCount >= 3"));
  EXPECT_TRUE(eval("runningTasksCount greater_than_equal 3"));
  EXPECT_TRUE(eval("runningTasksCount < 10"));  // numerically, not "10" < "3"
  EXPECT_FALSE(eval("runningTasksCount less_than 3"));
  EXPECT_TRUE(eval("runningTasksCount <= 3"));
  EXPECT_TRUE(eval("runningTasksCount less_than_equal 3"));
  EXPECT_TRUE(eval("runningTasksCount > -1"));
  EXPECT_NE(parseError("runningTasksCount > 2.5").find("whole number"), std::string::npos);
  EXPECT_NE(parseError("runningTasksCount > three").find("whole number"), std::string::npos);
  EXPECT_NE(parseError("runningTasksCount in [1]").find("not valid"), std::string::npos);
  EXPECT_NE(parseError("runningTasksCount =~ 1").find("not valid"), std::string::npos);
}

TEST(QueryTest, PrecedenceAndParentheses) {
  // and binds tighter than or: true or (false and false).
  EXPECT_TRUE(eval("runningTasksCount == 3 or runningTasksCount == 0 and agentConnected == false"));
  EXPECT_FALSE(
      eval("(runningTasksCount == 3 or runningTasksCount == 0) and agentConnected == false"));
  // (false and false) or true.
  EXPECT_TRUE(eval("agentConnected == false and runningTasksCount == 0 or runningTasksCount == 3"));
  // not binds tighter than and.
  EXPECT_FALSE(eval("not runningTasksCount == 3 and runningTasksCount == 3"));
  EXPECT_TRUE(eval("not (runningTasksCount == 3 and runningTasksCount == 0)"));
  EXPECT_TRUE(eval("not not runningTasksCount == 3"));
  EXPECT_TRUE(eval("((((runningTasksCount == 3))))"));
  EXPECT_TRUE(
      eval("(runningTasksCount == 0 or (task:group == family:web and not(task:group == db)))"));
  // Symbolic connectives.
  EXPECT_TRUE(eval("runningTasksCount == 3 && agentConnected == true"));
  EXPECT_TRUE(eval("runningTasksCount == 0 || agentConnected == true"));
  EXPECT_FALSE(eval("!(runningTasksCount == 3)"));
  EXPECT_TRUE(eval("! runningTasksCount == 0"));
  EXPECT_TRUE(eval("!agentConnected == false&&(runningTasksCount>1||runningTasksCount<0)"));
  // Longer chains.
  EXPECT_TRUE(eval("runningTasksCount == 0 or runningTasksCount == 1 or runningTasksCount == 3"));
  EXPECT_FALSE(eval("runningTasksCount > 0 and runningTasksCount > 1 and runningTasksCount > 3"));
}

TEST(QueryTest, KeywordsAreCaseInsensitive) {
  EXPECT_TRUE(
      eval("Attribute:ecs.os-type EXISTS AND NOT (Task:Group == db) Or agentconnected == FALSE"));
  EXPECT_TRUE(eval("RUNNINGTASKSCOUNT GREATER_THAN 1 aNd EC2INSTANCEID In [i-abcd1234]"));
  EXPECT_TRUE(
      eval("attribute:ecs.instance-type MATCHES t2.* and registeredat Less_Than 2030-01-01"));
  EXPECT_TRUE(eval("attribute:ecs.os-type Not_In [windows] and attribute:x NOT_EXISTS"));
}

TEST(QueryTest, QuotesAndWhitespace) {
  FakeTarget target;
  target.attributes["name"] = "hello world";
  target.attributes["quote"] = "it's";
  target.attributes["parens"] = "a(b)[c],d";
  EXPECT_TRUE(eval("attribute:name == 'hello world'", target));
  EXPECT_TRUE(eval("attribute:name == \"hello world\"", target));
  EXPECT_TRUE(eval("attribute:quote == \"it's\"", target));
  EXPECT_TRUE(eval("attribute:parens == 'a(b)[c],d'", target));
  EXPECT_TRUE(eval("attribute:parens in ['x', \"a(b)[c],d\"]", target));
  EXPECT_TRUE(eval("attribute:flag == \"\"", target));
  EXPECT_TRUE(eval("  \t\nrunningTasksCount>2\n"));
  EXPECT_TRUE(eval("attribute:ecs.instance-type==t2.small"));
  EXPECT_TRUE(eval("task:group==service:production"));
  EXPECT_TRUE(eval("not(runningTasksCount==0)"));
  EXPECT_TRUE(eval("(runningTasksCount==3)and(agentConnected==true)"));
  // A bare value ends at && and ||; a single & or | is part of it.
  target.attributes["amp"] = "a&b|c";
  EXPECT_TRUE(eval("attribute:ecs.os-type == linux&&runningTasksCount == 3", target));
  EXPECT_TRUE(eval("attribute:ecs.os-type == windows||attribute:amp == a&b|c", target));
  EXPECT_FALSE(eval("attribute:amp == 'a&&b'", target));
}

TEST(QueryTest, TextAndCopies) {
  auto query = Query::parse(" runningTasksCount == 3 ");
  ASSERT_TRUE(query.ok()) << query.error().message;
  EXPECT_EQ(query->text(), " runningTasksCount == 3 ");
  const Query copy = *query;
  EXPECT_TRUE(copy.matches(FakeTarget()));
  EXPECT_TRUE(Query().matches(FakeTarget()));  // no expression: everything matches
}

TEST(QueryTest, ParseErrorsNamePositionAndToken) {
  EXPECT_NE(parseError("").find("empty"), std::string::npos);
  EXPECT_NE(parseError("   ").find("empty"), std::string::npos);

  std::string message = parseError("attribute:a == b and bogus == 1");
  EXPECT_NE(message.find("position 22"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown subject 'bogus'"), std::string::npos) << message;

  message = parseError("runningTasksCount 3");
  EXPECT_NE(message.find("position 19"), std::string::npos) << message;
  EXPECT_NE(message.find("expected an operator"), std::string::npos) << message;
  EXPECT_NE(message.find("found '3'"), std::string::npos) << message;

  message = parseError("runningTasksCount == 3 garbage");
  EXPECT_NE(message.find("position 24"), std::string::npos) << message;
  EXPECT_NE(message.find("found 'garbage'"), std::string::npos) << message;

  message = parseError("(runningTasksCount == 3");
  EXPECT_NE(message.find("')' to close the '(' at position 1"), std::string::npos) << message;
  EXPECT_NE(message.find("the end of the expression"), std::string::npos) << message;

  EXPECT_NE(parseError("runningTasksCount == 3)").find("found ')'"), std::string::npos);
  EXPECT_NE(parseError("runningTasksCount ==").find("expected a value"), std::string::npos);
  EXPECT_NE(parseError("runningTasksCount =").find("expected an operator"), std::string::npos);
  EXPECT_NE(parseError("runningTasksCount equalz 3").find("expected an operator"),
            std::string::npos);
  EXPECT_NE(parseError("runningTasksCount equals3").find("expected an operator"),
            std::string::npos);
  EXPECT_NE(parseError("attribute:x !existsx").find("expected an operator"), std::string::npos);
  EXPECT_NE(parseError("== 3").find("expected a subject"), std::string::npos);
  EXPECT_NE(parseError("attribute:a == b and").find("expected a subject"), std::string::npos);
  EXPECT_NE(parseError("attribute:a == b or or").find("unknown subject 'or'"), std::string::npos);
  EXPECT_NE(parseError("not").find("expected a subject"), std::string::npos);
  EXPECT_NE(parseError("()").find("expected a subject"), std::string::npos);
  EXPECT_NE(parseError("attribute: == b").find("invalid attribute name"), std::string::npos);
  EXPECT_NE(parseError("attribute:a:b == c").find("invalid attribute name"), std::string::npos);
  EXPECT_NE(parseError("attribute:" + std::string(129, 'a') + " exists").find("invalid attribute"),
            std::string::npos);
  EXPECT_TRUE(Query::parse("attribute:" + std::string(128, 'a') + " exists").ok());
  EXPECT_NE(parseError("task:other == a").find("unknown subject"), std::string::npos);
  EXPECT_NE(parseError("agentVersion < 1.14.5").find("agentVersion is not supported"),
            std::string::npos);
  EXPECT_NE(parseError("attribute:a == 'b").find("unterminated"), std::string::npos);
  EXPECT_NE(parseError("attribute:a == b c").find("found 'c'"), std::string::npos);
  EXPECT_NE(parseError("attribute:a == (b)").find("quote values"), std::string::npos);
  EXPECT_NE(parseError("attribute:a == [b]").find("only valid with in"), std::string::npos);
  EXPECT_NE(parseError("attribute:a in b").find("'[' to start the argument list"),
            std::string::npos);
  EXPECT_NE(parseError("attribute:a in []").find("expected a value"), std::string::npos);
  EXPECT_NE(parseError("attribute:a in [b, ]").find("expected a value"), std::string::npos);
  EXPECT_NE(parseError("attribute:a in [b c]").find("',' or ']'"), std::string::npos);
  EXPECT_NE(parseError("attribute:a in [b").find("',' or ']'"), std::string::npos);
  EXPECT_NE(parseError("attribute:a exists b").find("found 'b'"), std::string::npos);
}

TEST(QueryTest, RegexErrors) {
  EXPECT_NE(parseError("attribute:a =~ '[a-'").find("invalid regular expression"),
            std::string::npos);
  EXPECT_NE(parseError("attribute:a =~ '(a'").find("invalid regular expression"),
            std::string::npos);
  // Back-references could backtrack exponentially; the polynomial matcher refuses them.
  EXPECT_NE(parseError("attribute:a =~ '(a)\\1'").find("invalid regular expression"),
            std::string::npos);
  // Counted repetitions that would build a huge automaton.
  EXPECT_NE(parseError("attribute:a =~ '((a{99}){99}){99}'").find("too complex"),
            std::string::npos);
  EXPECT_NE(parseError("attribute:a =~ 'a{99999999999999999999}'").find("too complex"),
            std::string::npos);
  EXPECT_NE(parseError("attribute:a =~ '" + std::string(40, '(') + "a" + std::string(40, ')') + "'")
                .find("too complex"),
            std::string::npos);
  // Numbers libstdc++ would read past an int (found by fuzz_query).
  EXPECT_NE(parseError("attribute:a =~ 'x\\77777777777777777777'").find("too complex"),
            std::string::npos);
  EXPECT_NE(parseError("attribute:a =~ '(){0,77777777777777777777}'").find("too complex"),
            std::string::npos);
  EXPECT_NE(parseError("attribute:a =~ 'a{011111111111111111111'").find("too complex"),
            std::string::npos);
  // \c\ is one escape (a control character), so a back-reference follows.
  EXPECT_NE(parseError("attribute:a =~ 'x\\c\\\\77777777777777777777'").find("too complex"),
            std::string::npos);
  EXPECT_NE(parseError("attribute:a =~ '[\\c\\]\\77777777777777777777'").find("too complex"),
            std::string::npos);
  EXPECT_TRUE(Query::parse("attribute:a =~ '[0-9]{1,3}(\\.[0-9]{1,3}){3}'").ok());
}

TEST(QueryTest, HostileRegexStaysFast) {
  // Catastrophic for a backtracking matcher; polynomial for ours.
  FakeTarget target;
  target.attributes["a"] = std::string(60, 'a') + "!";
  EXPECT_FALSE(eval("attribute:a =~ '(a*)*b'", target));
  EXPECT_FALSE(eval("attribute:a =~ '(a|aa)+$'", target));
}

TEST(QueryTest, LimitsLengthAndDepth) {
  const std::string condition = "runningTasksCount == 3";
  std::string longest = condition;
  while (longest.size() + 4 + condition.size() <= 2000) longest += " or " + condition;
  longest.resize(2000, ' ');
  EXPECT_TRUE(eval(longest));
  EXPECT_NE(parseError(longest + " ").find("2001 characters"), std::string::npos);

  auto nested = [&](int depth) {
    return std::string(depth, '(') + condition + std::string(depth, ')');
  };
  EXPECT_TRUE(eval(nested(64)));
  EXPECT_NE(parseError(nested(65)).find("deeper than 64"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 64; ++i) nots += "not ";
  EXPECT_TRUE(eval(nots + condition));
  EXPECT_NE(parseError("not " + nots + condition).find("deeper than 64"), std::string::npos);
  EXPECT_NE(parseError(std::string(1000, '(')).find("deeper than 64"), std::string::npos);
  EXPECT_NE(parseError(std::string(1000, '!')).find("deeper than 64"), std::string::npos);
}

TEST(QueryTest, GarbageNeverCrashes) {
  const std::vector<std::string> pieces = {"attribute:ecs.os-type",
                                           "task:group",
                                           "agentConnected",
                                           "ec2InstanceId",
                                           "registeredAt",
                                           "runningTasksCount",
                                           "==",
                                           "!=",
                                           ">",
                                           ">=",
                                           "<",
                                           "<=",
                                           "exists",
                                           "!exists",
                                           "in",
                                           "!in",
                                           "=~",
                                           "!~",
                                           "equals",
                                           "not_in",
                                           "and",
                                           "or",
                                           "not",
                                           "&&",
                                           "||",
                                           "!",
                                           "(",
                                           ")",
                                           "[",
                                           "]",
                                           ",",
                                           "'",
                                           "\"",
                                           " ",
                                           "linux",
                                           "3",
                                           "2018-06-18",
                                           "true",
                                           ".*",
                                           "(a*)*",
                                           "{99}",
                                           "\\",
                                           "\xff",
                                           "\xc3\xa9",
                                           std::string(1, '\0')};
  std::mt19937 random(12345);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1), length(0, 24);
  std::uniform_int_distribution<int> byte(0, 255);
  const FakeTarget target;
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const size_t n = length(random);
    for (size_t j = 0; j < n; ++j) {
      if (i % 4 == 0) {
        text += static_cast<char>(byte(random));
      } else {
        text += pieces[pick(random)];
        if (i % 2 == 0) text += ' ';
      }
    }
    auto query = Query::parse(text);
    if (query) {
      ++parsed;
      (void)query->matches(target);
    } else {
      EXPECT_EQ(query.error().type, "InvalidParameterException");
      EXPECT_FALSE(query.error().message.empty());
    }
  }
  EXPECT_GT(parsed, 0);  // the generator also reaches the evaluator
}

}  // namespace
}  // namespace ecsd::scheduler
