// IAM's shapes as XML, the way IAM writes them inside <XResult>.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ecsd/domain/iam_identity.h"
#include "identity/query_input.h"

namespace ecsd::identity {

// <name>escaped value</name>
std::string element(std::string_view name, std::string_view value);
std::string userXml(const IamUser& user, bool withTags = false);
std::string groupXml(const IamGroup& group);
std::string accessKeyMetadataXml(const IamAccessKey& key);
std::string tagsXml(const Tags& tags);  // <member><Key/><Value/></member>...
// A policy document as IAM returns it: URL-encoded (RFC 3986).
std::string policyDocumentXml(std::string_view document);

// One page of a list: <listName><member>item</member>...</listName>
// <IsTruncated>...</IsTruncated> and, when truncated, <Marker> for the next
// page. Items are already XML (each member's inside). Marker and MaxItems
// come from the input; a marker this did not give is InvalidInput.
std::string pagedXml(std::string_view listName, const std::vector<std::string>& items,
                     const QueryInput& in);

}  // namespace ecsd::identity
