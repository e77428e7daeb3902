// Pure builders for Kubernetes API paths and query strings. No I/O; tested on strings.
#pragma once

#include "pxclone/k8s/resource.hpp"

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pxclone::k8s {

// Percent-encodes everything but RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), as a query
// value must be: "app.kubernetes.io/managed-by=pxclone" ->
// "app.kubernetes.io%2Fmanaged-by%3Dpxclone".
std::string percent_encode(std::string_view text);

// "/api/v1" or "/apis/apps/v1".
std::string group_version_path(const Resource& resource);

// The collection: "/api/v1/namespaces/NS/persistentvolumeclaims". For a namespaced resource an
// empty namespace means all namespaces ("/api/v1/persistentvolumeclaims"); for a cluster-scoped
// one the namespace is ignored.
std::string collection_path(const Resource& resource, std::string_view ns);

// One object: collection_path + "/NAME". Throws std::invalid_argument for an empty name, or an
// empty namespace on a namespaced resource (a programming error, not a user one).
std::string item_path(const Resource& resource, std::string_view ns, std::string_view name);

// A subresource of one object: item_path + "/scale" (or "/status", ...).
std::string subresource_path(const Resource& resource, std::string_view ns, std::string_view name,
                             std::string_view subresource);

// "k1=v1,k2=v2" in key order: an equality-based label selector from a map of labels.
std::string label_selector(const std::map<std::string, std::string>& labels);

// An ordered query string. Keys and values are percent-encoded when rendered; empty values are
// kept (`?dryRun=`) only when added explicitly, so callers add what they mean.
class Query {
public:
    Query& add(std::string key, std::string value);
    // Adds the pair only when value is not empty.
    Query& add_if(std::string key, std::string value);
    bool empty() const { return m_params.empty(); }
    // "" when empty, otherwise "?k=v&k2=v2".
    std::string str() const;

private:
    std::vector<std::pair<std::string, std::string>> m_params;
};

} // namespace pxclone::k8s
