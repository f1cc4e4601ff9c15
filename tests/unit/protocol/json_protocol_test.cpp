#include "protocol/json_protocol.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "ecsd/errors.h"

namespace ecsd::protocol {
namespace {

using nlohmann::json;

HttpRequest post(std::string target, std::string body,
                 std::string contentType = "application/x-amz-json-1.1") {
  HttpRequest request;
  request.method = "POST";
  request.target = "/";
  if (!target.empty()) request.headers.emplace_back("X-Amz-Target", std::move(target));
  if (!contentType.empty()) request.headers.emplace_back("Content-Type", std::move(contentType));
  request.body = std::move(body);
  return request;
}

std::string target(std::string_view operation) {
  return std::string(kTargetPrefix) + std::string(operation);
}

std::string headerOf(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

TEST(ParseCallTest, ReadsOperationAndObjectBody) {
  auto call = parseCall(post(target("CreateCluster"), R"({"clusterName":"demo","n":[1,2]})"));
  ASSERT_TRUE(call.ok()) << call.error().message;
  EXPECT_EQ(call->operation, "CreateCluster");
  EXPECT_EQ(call->input, json({{"clusterName", "demo"}, {"n", {1, 2}}}));
}

TEST(ParseCallTest, DeepNestingIsRefusedNotACrash) {
  std::string deep = R"({"clusterName":"x","configuration":)";
  for (int i = 0; i < 100000; ++i) deep += R"({"a":)";
  deep += "1" + std::string(100001, '}');
  const auto call = parseCall(post("AmazonEC2ContainerServiceV20141113.CreateCluster", deep));
  ASSERT_FALSE(call.ok());
  EXPECT_EQ(call.error().type, "SerializationException");
  std::string fine = R"({"a":)";
  for (int i = 0; i < 20; ++i) fine += R"({"a":)";
  fine += "1" + std::string(21, '}');
  EXPECT_TRUE(parseCall(post("AmazonEC2ContainerServiceV20141113.CreateCluster", fine)).ok());
}

TEST(ParseCallTest, TargetHeaderNameIsCaseInsensitive) {
  HttpRequest request = post("", "{}");
  request.headers.emplace_back("x-amz-target", target("ListClusters"));
  auto call = parseCall(request);
  ASSERT_TRUE(call.ok()) << call.error().message;
  EXPECT_EQ(call->operation, "ListClusters");
}

TEST(ParseCallTest, EmptyBodyIsAnEmptyObject) {
  auto call = parseCall(post(target("ListClusters"), ""));
  ASSERT_TRUE(call.ok()) << call.error().message;
  EXPECT_EQ(call->operation, "ListClusters");
  EXPECT_TRUE(call->input.is_object());
  EXPECT_TRUE(call->input.empty());
}

TEST(ParseCallTest, AcceptsAnyJsonContentTypeOrNone) {
  for (const char* contentType : {"application/x-amz-json-1.1", "application/json",
                                  "application/x-amz-json-1.0; charset=utf-8", ""}) {
    auto call = parseCall(post(target("ListClusters"), "{}", contentType));
    EXPECT_TRUE(call.ok()) << contentType;
  }
}

TEST(ParseCallTest, MissingTargetIsUnknownOperation) {
  auto call = parseCall(post("", "{}"));
  ASSERT_FALSE(call.ok());
  EXPECT_EQ(call.error().type, "UnknownOperationException");
  EXPECT_EQ(call.error().httpStatus, 400);
}

TEST(ParseCallTest, ForeignTargetPrefixIsUnknownOperation) {
  for (const char* foreign :
       {"DynamoDB_20120810.ListTables", "AmazonEC2ContainerServiceV20141113", "ListClusters"}) {
    auto call = parseCall(post(foreign, "{}"));
    ASSERT_FALSE(call.ok()) << foreign;
    EXPECT_EQ(call.error().type, "UnknownOperationException") << foreign;
    EXPECT_NE(call.error().message.find(foreign), std::string::npos) << call.error().message;
  }
}

TEST(ParseCallTest, LeavesOperationNamesToTheRouter) {
  // Any name under the ECS prefix parses; whether ECS has it is the router's question.
  auto call = parseCall(post(target("NoSuchOperation"), "{}"));
  ASSERT_TRUE(call.ok()) << call.error().message;
  EXPECT_EQ(call->operation, "NoSuchOperation");
}

TEST(ParseCallTest, GetIsUnknownOperationEvenWithAValidTarget) {
  HttpRequest request = post(target("ListClusters"), "");
  request.method = "GET";
  auto call = parseCall(request);
  ASSERT_FALSE(call.ok());
  EXPECT_EQ(call.error().type, "UnknownOperationException");
}

TEST(ParseCallTest, NonJsonContentTypeIsSerializationException) {
  auto call = parseCall(post(target("ListClusters"), "{}", "text/plain"));
  ASSERT_FALSE(call.ok());
  EXPECT_EQ(call.error().type, "SerializationException");
  EXPECT_EQ(call.error().httpStatus, 400);
}

TEST(ParseCallTest, MalformedJsonIsSerializationException) {
  for (const char* body : {"{", "{\"a\":}", "not json", "{\"a\":1}}"}) {
    auto call = parseCall(post(target("ListClusters"), body));
    ASSERT_FALSE(call.ok()) << body;
    EXPECT_EQ(call.error().type, "SerializationException") << body;
  }
}

TEST(ParseCallTest, NonObjectBodyIsSerializationException) {
  for (const char* body : {"[]", "[{}]", "\"text\"", "42", "null", "true"}) {
    auto call = parseCall(post(target("ListClusters"), body));
    ASSERT_FALSE(call.ok()) << body;
    EXPECT_EQ(call.error().type, "SerializationException") << body;
  }
}

TEST(SuccessResponseTest, IsJson11WithRequestId) {
  const HttpResponse response = successResponse(json{{"clusterArns", {"a", "b"}}}, "req-1");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(headerOf(response, "x-amzn-RequestId"), "req-1");
  EXPECT_EQ(headerOf(response, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(json::parse(response.body), json({{"clusterArns", {"a", "b"}}}));
}

TEST(SuccessResponseTest, EmptyOutputIsAnEmptyObject) {
  const HttpResponse response = successResponse(json::object(), "req-2");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "{}");
}

TEST(SuccessResponseTest, InvalidUtf8IsReplacedNotThrown) {
  HttpResponse response;
  EXPECT_NO_THROW(response = successResponse(json{{"name", std::string("a\xff")}}, "req-3"));
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(json::accept(response.body)) << response.body;
}

TEST(ErrorResponseTest, CarriesTypeMessageAndStatus) {
  const HttpResponse response = errorResponse(errors::clusterNotFound("Cluster not found."), "r-4");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(headerOf(response, "x-amzn-RequestId"), "r-4");
  EXPECT_EQ(headerOf(response, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(json::parse(response.body),
            json({{"__type", "ClusterNotFoundException"}, {"message", "Cluster not found."}}));
}

TEST(ErrorResponseTest, UsesTheErrorsHttpStatus) {
  EXPECT_EQ(errorResponse(errors::server("boom"), "r").status, 500);
  EXPECT_EQ(errorResponse(errors::unrecognizedClient(), "r").status, 403);
  EXPECT_EQ(errorResponse(errors::requestTooLarge("big"), "r").status, 413);
  const json body = json::parse(errorResponse(errors::server("boom"), "r").body);
  EXPECT_EQ(body["__type"], "ServerException");
  EXPECT_EQ(body["message"], "boom");
}

TEST(ErrorResponseTest, MessageIsEscapedAsJson) {
  const HttpResponse response =
      errorResponse(errors::invalidParameter("quote \" and\nnewline \\"), "r");
  EXPECT_EQ(json::parse(response.body)["message"], "quote \" and\nnewline \\");
}

}  // namespace
}  // namespace ecsd::protocol
