#include "k8s_resources.hpp"

#include <set>

namespace pxsim {

using Json = nlohmann::json;

std::string ResourceType::collection_path(const std::string& ns) const {
    std::string path = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
    if (namespaced) {
        path += "/namespaces/" + ns;
    }
    return path + "/" + plural;
}

const std::vector<ResourceType>& resource_types() {
    static const std::vector<ResourceType> k_types = [] {
        std::vector<ResourceType> types;
        const auto add = [&](std::string group, std::string plural, std::string singular,
                             std::string kind, bool namespaced, std::vector<std::string> shorts,
                             bool status, bool generation, bool scale, bool returns_object) {
            ResourceType type;
            type.group = std::move(group);
            type.version = "v1";
            type.plural = std::move(plural);
            type.singular = std::move(singular);
            type.kind = std::move(kind);
            type.namespaced = namespaced;
            type.short_names = std::move(shorts);
            type.has_status = status;
            type.has_generation = generation;
            type.has_scale = scale;
            type.returns_deleted_object = returns_object;
            types.push_back(std::move(type));
        };
        // Core group: no metadata.generation; configmaps, secrets and events have no status.
        add("", "configmaps", "configmap", "ConfigMap", true, {"cm"}, false, false, false, false);
        add("", "events", "event", "Event", true, {"ev"}, false, false, false, false);
        add("", "namespaces", "namespace", "Namespace", false, {"ns"}, true, false, false, false);
        add("", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true,
            {"pvc"}, true, false, false, false);
        add("", "persistentvolumes", "persistentvolume", "PersistentVolume", false, {"pv"}, true,
            false, false, false);
        add("", "pods", "pod", "Pod", true, {"po"}, true, false, false, true);
        add("", "secrets", "secret", "Secret", true, {}, false, false, false, false);
        add("", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"}, false, false,
            false, false);
        add("", "services", "service", "Service", true, {"svc"}, true, false, false, false);
        add("apps", "deployments", "deployment", "Deployment", true, {"deploy"}, true, true, true,
            false);
        add("apps", "replicasets", "replicaset", "ReplicaSet", true, {"rs"}, true, true, true,
            false);
        add("apps", "statefulsets", "statefulset", "StatefulSet", true, {"sts"}, true, true, true,
            false);
        add("batch", "jobs", "job", "Job", true, {}, true, true, false, false);
        add("batch", "cronjobs", "cronjob", "CronJob", true, {"cj"}, true, true, false, false);
        // RBAC (authz.hpp evaluates them for --service-account-token identities); DELETE
        // answers a Status, as for built-in kinds.
        add("rbac.authorization.k8s.io", "clusterroles", "clusterrole", "ClusterRole", false, {},
            false, false, false, false);
        add("rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding",
            "ClusterRoleBinding", false, {}, false, false, false, false);
        add("rbac.authorization.k8s.io", "roles", "role", "Role", true, {}, false, false, false,
            false);
        add("rbac.authorization.k8s.io", "rolebindings", "rolebinding", "RoleBinding", true, {},
            false, false, false, false);
        // `pxclone rbac --admission-policy`'s objects, stored for kubectl to apply and read back
        // (pxsim evaluates no CEL: it admits every request).
        add("admissionregistration.k8s.io", "validatingadmissionpolicies",
            "validatingadmissionpolicy", "ValidatingAdmissionPolicy", false, {}, true, true, false,
            false);
        add("admissionregistration.k8s.io", "validatingadmissionpolicybindings",
            "validatingadmissionpolicybinding", "ValidatingAdmissionPolicyBinding", false, {},
            false, true, false, false);
        add("storage.k8s.io", "storageclasses", "storageclass", "StorageClass", false, {"sc"},
            false, false, false, false);
        // Custom resources: generation always; DELETE answers the object.
        add("snapshot.storage.k8s.io", "volumesnapshotclasses", "volumesnapshotclass",
            "VolumeSnapshotClass", false, {"vsclass", "vsclasses"}, false, true, false, true);
        add("snapshot.storage.k8s.io", "volumesnapshotcontents", "volumesnapshotcontent",
            "VolumeSnapshotContent", false, {"vsc", "vscs"}, true, true, false, true);
        add("snapshot.storage.k8s.io", "volumesnapshots", "volumesnapshot", "VolumeSnapshot", true,
            {"vs"}, true, true, false, true);
        return types;
    }();
    return k_types;
}

const ResourceType* find_resource(const std::string& group, const std::string& version,
                                  const std::string& plural) {
    for (const ResourceType& type : resource_types()) {
        if (type.group == group && type.version == version && type.plural == plural) {
            return &type;
        }
    }
    return nullptr;
}

const ResourceType* find_resource_by_kind(const std::string& api_version, const std::string& kind) {
    for (const ResourceType& type : resource_types()) {
        if (type.api_version() == api_version && type.kind == kind) {
            return &type;
        }
    }
    return nullptr;
}

namespace {

std::vector<std::pair<std::string, std::string>> group_versions() {
    std::vector<std::pair<std::string, std::string>> result;
    std::set<std::pair<std::string, std::string>> seen;
    for (const ResourceType& type : resource_types()) {
        if (!type.group.empty() && seen.insert({type.group, type.version}).second) {
            result.emplace_back(type.group, type.version);
        }
    }
    return result;
}

Json verbs() {
    return Json::array(
        {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"});
}

} // namespace

Json discovery_api_versions(const std::string& server_address) {
    return {{"kind", "APIVersions"},
            {"versions", Json::array({"v1"})},
            {"serverAddressByClientCIDRs",
             Json::array({{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}})}};
}

Json discovery_api_groups() {
    Json groups = Json::array();
    for (const auto& [group, version] : group_versions()) {
        const Json group_version = {{"groupVersion", group + "/" + version}, {"version", version}};
        groups.push_back({{"name", group},
                          {"versions", Json::array({group_version})},
                          {"preferredVersion", group_version}});
    }
    return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::optional<Json> discovery_resources(const std::string& group, const std::string& version) {
    Json resources = Json::array();
    for (const ResourceType& type : resource_types()) {
        if (type.group != group || type.version != version) {
            continue;
        }
        Json resource = {{"name", type.plural},
                         {"singularName", type.singular},
                         {"namespaced", type.namespaced},
                         {"kind", type.kind},
                         {"verbs", verbs()}};
        if (!type.short_names.empty()) {
            resource["shortNames"] = type.short_names;
        }
        if (type.kind == "Deployment" || type.kind == "StatefulSet" || type.kind == "Pod" ||
            type.kind == "Service" || type.kind == "Job" || type.kind == "ReplicaSet" ||
            type.kind == "PersistentVolumeClaim" || type.kind == "ConfigMap" ||
            type.kind == "Secret") {
            resource["categories"] = Json::array({"all"});
        }
        resources.push_back(resource);
        if (type.has_status) {
            resources.push_back({{"name", type.plural + "/status"},
                                 {"singularName", ""},
                                 {"namespaced", type.namespaced},
                                 {"kind", type.kind},
                                 {"verbs", Json::array({"get", "patch", "update"})}});
        }
        if (type.has_scale) {
            resources.push_back({{"name", type.plural + "/scale"},
                                 {"singularName", ""},
                                 {"namespaced", type.namespaced},
                                 {"group", "autoscaling"},
                                 {"version", "v1"},
                                 {"kind", "Scale"},
                                 {"verbs", Json::array({"get", "patch", "update"})}});
        }
    }
    if (resources.empty()) {
        return std::nullopt;
    }
    return Json{{"kind", "APIResourceList"},
                {"apiVersion", "v1"},
                {"groupVersion", group.empty() ? version : group + "/" + version},
                {"resources", resources}};
}

Json openapi_v3_index() {
    Json paths = Json::object();
    paths["api/v1"] = {{"serverRelativeURL", "/openapi/v3/api/v1?hash=pxsim"}};
    for (const auto& [group, version] : group_versions()) {
        const std::string key = "apis/" + group + "/" + version;
        paths[key] = {{"serverRelativeURL", "/openapi/v3/" + key + "?hash=pxsim"}};
    }
    return {{"paths", paths}};
}

std::optional<Json> openapi_v3_document(const std::string& path) {
    Json paths = Json::object();
    for (const ResourceType& type : resource_types()) {
        const std::string prefix =
            type.group.empty() ? "api/" + type.version : "apis/" + type.group + "/" + type.version;
        if (prefix != path) {
            continue;
        }
        const Json gvk = {{"group", type.group}, {"version", type.version}, {"kind", type.kind}};
        const Json parameters = Json::array(
            {{{"name", "dryRun"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
             {{"name", "fieldManager"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
             {{"name", "fieldValidation"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
             {{"name", "force"}, {"in", "query"}, {"schema", {{"type", "boolean"}}}}});
        const Json operation = {{"operationId", "patch" + type.kind},
                                {"parameters", parameters},
                                {"responses", {{"200", {{"description", "OK"}}}}},
                                {"x-kubernetes-action", "patch"},
                                {"x-kubernetes-group-version-kind", gvk}};
        const std::string item_path =
            "/" + type.collection_path("{namespace}").substr(1) + "/{name}";
        paths[item_path] = {{"patch", operation}};
    }
    if (paths.empty()) {
        return std::nullopt;
    }
    return Json{{"openapi", "3.0.0"},
                {"info", {{"title", "Kubernetes"}, {"version", "v1.26.1"}}},
                {"paths", paths},
                {"components", Json::object()}};
}

} // namespace pxsim
