// Helpers shared by pxsim's controllers: the resource types they touch, reading fields of stored
// objects, and writing objects back (directly to the store, or through the API as an internal
// request, which is never a production-guard violation).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "k8s_api.hpp"
#include "k8s_resources.hpp"
#include "k8s_store.hpp"
#include "k8s_util.hpp"

namespace pxsim {

const ResourceType& rt(const std::string& group, const std::string& plural);
const ResourceType& k_namespaces();
const ResourceType& k_pvcs();
const ResourceType& k_pvs();
const ResourceType& k_pods();
const ResourceType& k_deployments();
const ResourceType& k_replicasets();
const ResourceType& k_statefulsets();
const ResourceType& k_jobs();
const ResourceType& k_storageclasses();
const ResourceType& k_snapshots();
const ResourceType& k_snapshot_classes();
const ResourceType& k_snapshot_contents();

inline const std::string k_portworx = "pxd.portworx.com";
inline const std::string k_node = "pxsim-node-1";
// The external-snapshotter's finalizers (utils.Volume*Finalizer).
inline const std::string k_as_source_finalizer =
    "snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection";
inline const std::string k_bound_finalizer =
    "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection";
inline const std::string k_content_finalizer =
    "snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection";

std::string ns_of(const Json& object);
std::string name_of(const Json& object);
std::string uid_of(const Json& object);
bool deleting(const Json& object);
// The value at `pointer`, or `fallback` when absent or null.
Json at(const Json& object, const std::string& pointer, const Json& fallback = Json());
// The value at `pointer`, in place; nullptr when absent or null (at() without the copy).
const Json* find(const Json& object, const std::string& pointer);
bool owned_by(const Json& object, const std::string& uid);
Json owner_reference(const ResourceType& type, const Json& owner);
bool pod_ready(const Json& pod);
std::vector<std::string> claims_of(const Json& pod);
// The Portworx volume id of a PV (CSI or in-tree), "" for none.
std::string volume_handle(const Json& pv);
// Sets (or refreshes) a condition, keeping lastTransitionTime when the status is unchanged.
void set_condition(Json& status, Json condition, const std::string& now);
bool has_finalizer(const Json& object, const std::string& finalizer);
// Nanoseconds since the epoch of an RFC 3339 "YYYY-MM-DDTHH:MM:SS..." UTC timestamp (a
// Portworx ctime), as VolumeSnapshotContent.status.creationTime holds it; nullopt if malformed.
std::optional<std::int64_t> unix_nanos(const std::string& text);
// The claims in `ns` still waiting to be provisioned from VolumeSnapshot `name`.
bool restoring_from(Store& store, const std::string& ns, const std::string& name);
// Drops zero counters, as the real status JSON omits them.
void omit_zero(Json& status, const std::vector<std::string>& fields);
// A Pod of a workload's template, in `ns` (the caller names it and sets its owner).
Json pod_from_template(const Json& pod_template, const std::string& ns);

// Reads, changes and writes one object in one transaction; `change` returns false for no write.
// Erases an object whose deletion was waiting only on finalizers that `change` removed.
bool mutate(Store& store, const ResourceType& type, const std::string& ns, const std::string& name,
            const std::function<bool(Json&)>& change);
void remove_finalizer(Store& store, const ResourceType& type, const Json& object,
                      const std::string& finalizer);
// DELETE and POST through the API, as internal requests (never guard violations).
void api_delete(K8sApi& api, const ResourceType& type, const Json& object,
                const std::string& policy = "Background");
// The created object, or nullopt when the API refused it.
std::optional<Json> api_create(K8sApi& api, const ResourceType& type, const Json& object);

} // namespace pxsim
