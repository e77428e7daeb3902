#include "pxclone/k8s/resource.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

namespace pxclone::k8s {

namespace {

struct KindEntry {
    Resource resource;
    std::array<std::string_view, 3> short_names;
};

const std::array<KindEntry, 17>& table() {
    static const std::array<KindEntry, 17> k_table{{
        {{"", "v1", "namespaces", "Namespace", false}, {"ns"}},
        {{"", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true}, {"pvc"}},
        {{"", "v1", "persistentvolumes", "PersistentVolume", false}, {"pv"}},
        {{"", "v1", "pods", "Pod", true}, {"po"}},
        {{"", "v1", "services", "Service", true}, {"svc"}},
        {{"", "v1", "configmaps", "ConfigMap", true}, {"cm"}},
        {{"", "v1", "secrets", "Secret", true}, {}},
        {{"", "v1", "events", "Event", true}, {"ev"}},
        {{"apps", "v1", "deployments", "Deployment", true}, {"deploy"}},
        {{"apps", "v1", "statefulsets", "StatefulSet", true}, {"sts"}},
        {{"batch", "v1", "jobs", "Job", true}, {}},
        {{"storage.k8s.io", "v1", "storageclasses", "StorageClass", false}, {"sc"}},
        {{"snapshot.storage.k8s.io", "v1", "volumesnapshots", "VolumeSnapshot", true},
         {"vs", "volsnap"}},
        {{"snapshot.storage.k8s.io", "v1", "volumesnapshotclasses", "VolumeSnapshotClass", false},
         {"vsclass", "vsclasses"}},
        {{"snapshot.storage.k8s.io", "v1", "volumesnapshotcontents", "VolumeSnapshotContent",
          false},
         {"vsc", "vscs"}},
        // staging.role_binding: the RoleBinding deploy-staging makes, and `bind` on the
        // ClusterRole it refers to.
        {{"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true}, {}},
        {{"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false}, {}},
    }};
    return k_table;
}

bool same_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

} // namespace

std::string Resource::api_version() const {
    return group.empty() ? version : group + "/" + version;
}

std::string Resource::qualified_plural() const {
    return group.empty() ? plural : plural + "." + group;
}

std::string Resource::singular() const {
    return lower(kind);
}

std::span<const Resource> known_resources() {
    // The table holds Entries; hand out the Resources through a parallel static array so callers
    // see a contiguous span.
    static const auto k_resources = [] {
        std::array<Resource, 17> out;
        std::transform(table().begin(), table().end(), out.begin(),
                       [](const KindEntry& entry) { return entry.resource; });
        return out;
    }();
    return k_resources;
}

const Resource* find_resource(std::string_view name) {
    const auto resources = known_resources();
    for (std::size_t i = 0; i < resources.size(); ++i) {
        const auto& resource = resources[i];
        const auto& entry = table()[i];
        if (same_ignoring_case(name, resource.kind) || same_ignoring_case(name, resource.plural)) {
            return &resource;
        }
        const auto is_short = [name](std::string_view short_name) {
            return !short_name.empty() && same_ignoring_case(name, short_name);
        };
        if (std::any_of(entry.short_names.begin(), entry.short_names.end(), is_short)) {
            return &resource;
        }
    }
    return nullptr;
}

const Resource& resource_of(std::string_view kind) {
    const auto* resource = find_resource(kind);
    if (resource == nullptr) {
        throw std::invalid_argument("unknown Kubernetes kind: " + std::string(kind));
    }
    return *resource;
}

} // namespace pxclone::k8s
