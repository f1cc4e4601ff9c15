#include "identity/iam_xml.h"

#include "identity/identity.h"
#include "protocol/percent_encoding.h"
#include "protocol/query_protocol.h"
#include "protocol/request_reader.h"

namespace ecsd::identity {

// append() throughout: GCC 12's -Wrestrict misreads "<" + std::string(...).
std::string element(std::string_view name, std::string_view value) {
  std::string out;
  out.append("<").append(name).append(">");
  out.append(protocol::xmlEscape(value));
  out.append("</").append(name).append(">");
  return out;
}

std::string tagsXml(const Tags& tags) {
  std::string out;
  for (const auto& tag : tags) {
    out += "<member>" + element("Key", tag.key) + element("Value", tag.value) + "</member>";
  }
  return out;
}

std::string userXml(const IamUser& user, bool withTags) {
  std::string out = element("Path", user.path) + element("UserName", user.name) +
                    element("UserId", user.id) + element("Arn", user.arn) +
                    element("CreateDate", iso8601(user.createDate));
  if (withTags && !user.tags.empty()) out += "<Tags>" + tagsXml(user.tags) + "</Tags>";
  return out;
}

std::string groupXml(const IamGroup& group) {
  return element("Path", group.path) + element("GroupName", group.name) +
         element("GroupId", group.id) + element("Arn", group.arn) +
         element("CreateDate", iso8601(group.createDate));
}

std::string accessKeyMetadataXml(const IamAccessKey& key) {
  return element("UserName", key.userName) + element("AccessKeyId", key.id) +
         element("Status", key.status) + element("CreateDate", iso8601(key.createDate));
}

std::string policyDocumentXml(std::string_view document) {
  return element("PolicyDocument", protocol::percentEncode(document));
}

std::string pagedXml(std::string_view listName, const std::vector<std::string>& items,
                     const QueryInput& in) {
  std::size_t start = 0;
  if (const auto marker = in.marker()) {
    bool digits = !marker->empty() && marker->size() < 10;
    for (char c : *marker) digits = digits && c >= '0' && c <= '9';
    if (!digits || std::stoul(*marker) > items.size()) {
      throw protocol::ApiError(iam_errors::invalidInput("Invalid Marker."));
    }
    start = std::stoul(*marker);
  }
  const std::size_t end = std::min(items.size(), start + in.maxItems());
  std::string out;
  out.append("<").append(listName).append(">");
  for (std::size_t i = start; i < end; ++i) out.append("<member>").append(items[i]).append("</member>");
  out.append("</").append(listName).append(">");
  const bool truncated = end < items.size();
  out += element("IsTruncated", truncated ? "true" : "false");
  if (truncated) out += element("Marker", std::to_string(end));
  return out;
}

}  // namespace ecsd::identity
