// The Kubernetes kinds pxclone touches and where the API server serves them.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace pxclone::k8s {

// One resource type: enough to build its paths and to name it in messages. Any group/version/
// resource can be described; the table below holds the ones pxclone uses.
struct Resource {
    std::string group;   // "" for the core group
    std::string version; // "v1"
    std::string plural;  // "persistentvolumeclaims"
    std::string kind;    // "PersistentVolumeClaim"
    bool namespaced = true;

    // "v1" for the core group, "apps/v1" otherwise: the apiVersion objects carry.
    std::string api_version() const;
    // How kubectl and the API server name the type in messages: "persistentvolumeclaims",
    // "deployments.apps".
    std::string qualified_plural() const;
    // The short form for progress lines: "deployment", "persistentvolumeclaim".
    std::string singular() const;
};

// Every kind pxclone touches: Namespace, PersistentVolumeClaim, PersistentVolume, Pod, Service,
// ConfigMap, Secret, Event, Deployment, StatefulSet, Job, StorageClass, VolumeSnapshot,
// VolumeSnapshotClass, VolumeSnapshotContent.
std::span<const Resource> known_resources();

// Looks a resource up by kind ("PersistentVolumeClaim"), plural, singular or kubectl short name
// ("pvc", "deploy", "sts", "ns", "vs"), case-insensitively; nullptr when pxclone does not know it.
const Resource* find_resource(std::string_view name);

// Like find_resource, for names fixed in the code: throws std::invalid_argument when unknown.
const Resource& resource_of(std::string_view kind);

} // namespace pxclone::k8s
