// The resource types pxsim serves, and the discovery and OpenAPI documents built from them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxsim {

struct ResourceType {
    std::string group; // "" for the core group
    std::string version;
    std::string plural;
    std::string singular;
    std::string kind;
    bool namespaced = true;
    std::vector<std::string> short_names;
    bool has_status = true;     // a status subresource: writes to the main resource keep status
    bool has_generation = true; // metadata.generation, bumped on spec changes
    bool has_scale = false;
    bool returns_deleted_object = false; // DELETE answers the object rather than a Status

    // "v1" or "apps/v1".
    std::string api_version() const { return group.empty() ? version : group + "/" + version; }
    // "deployments.apps" or "persistentvolumeclaims", as Status details and messages name it.
    std::string qualified_plural() const { return group.empty() ? plural : plural + "." + group; }
    // The collection path ("/apis/apps/v1/namespaces/NS/deployments").
    std::string collection_path(const std::string& ns) const;
};

// Every resource type, in discovery order.
const std::vector<ResourceType>& resource_types();
// Finds by group and plural; nullptr when unknown.
const ResourceType* find_resource(const std::string& group, const std::string& version,
                                  const std::string& plural);
// Finds by apiVersion and kind (state files); nullptr when unknown.
const ResourceType* find_resource_by_kind(const std::string& api_version, const std::string& kind);

// Discovery documents; nullopt when the group/version is not served.
nlohmann::json discovery_api_versions(const std::string& server_address);
nlohmann::json discovery_api_groups();
std::optional<nlohmann::json> discovery_resources(const std::string& group,
                                                  const std::string& version);
// OpenAPI v3: the index, and one group/version's document (PATCH operations carrying the
// fieldValidation parameter, which is what kubectl checks before apply).
nlohmann::json openapi_v3_index();
std::optional<nlohmann::json> openapi_v3_document(const std::string& path);

} // namespace pxsim
