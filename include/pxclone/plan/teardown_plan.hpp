// What `pxclone teardown` deletes, and in which order, decided from the objects found by labels.
// Pure. The planner is the last line of defence: it refuses any object that does not prove, by
// every ownership label, that pxclone made it for one of the runs being torn down.
#pragma once

#include "pxclone/plan/lineage.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pxclone::plan {

// The kinds teardown deletes (the order of deletion is Deletion::stage).
enum class TeardownKind {
    deployment,
    statefulset,
    job,
    pvc,
    volume_snapshot,
    pv,
    volume_snapshot_content,
    portworx_volume, // a Portworx clone (role staging) or snapshot (role snapshot)
    ns,
};

// "Deployment", "StatefulSet", "Job", "PersistentVolumeClaim", "VolumeSnapshot",
// "PersistentVolume", "VolumeSnapshotContent", "PortworxVolume", "Namespace".
std::string_view teardown_kind_name(TeardownKind kind);

// An object found by labels on either API.
struct FoundObject {
    TeardownKind kind = TeardownKind::deployment;
    std::string ns;   // namespaced kinds only
    std::string name; // Kubernetes name, or the Portworx volume's locator name
    std::string id;   // Portworx volume id (portworx_volume only)
    Labels labels;
    bool deleting = false; // Kubernetes: metadata.deletionTimestamp is set
    // The objects this one points at (their key()): a PVC its PV, a PV its Portworx volume, a
    // VolumeSnapshot its content, a content its Portworx snapshot. While this object stays, they
    // must stay too: deleting them would leave a reference to something gone.
    std::vector<std::string> refers_to;

    // "deployment/app in orders-stg-42", "persistentvolume/pv-1", "portworx volume 123 (name)".
    std::string describe() const;
    // Its identity for refers_to: object_key(kind, ns, name), or for a Portworx volume its id.
    std::string key() const;
};

// The key() of the object of `kind` named `name` in `ns` ("" when cluster-scoped); for
// portworx_volume, `name` is the volume id.
std::string object_key(TeardownKind kind, std::string_view ns, std::string_view name);

// What to tear down: staging environments by run, and snapshot sets by id.
struct TeardownTarget {
    std::string profile;
    std::string source_namespace;        // never deleted, nor anything but snapshots in it
    std::set<std::string> runs;          // staging runs (objects with role=staging or baseline)
    std::set<std::string> snapshot_sets; // sets to delete (objects with role=snapshot)
    // The Kubernetes kinds the profile's snapshot method keeps (MethodRules::kept_kinds): of the
    // kinds only a method keeps (VolumeSnapshots and their contents), only these are looked for
    // (a portworx profile reads no snapshot.storage.k8s.io resource); nullopt: every kind.
    std::optional<std::vector<std::string>> method_kinds;
    // staging.role_binding: the identity may read staging objects only inside the staging
    // namespaces, so a run's namespaced kinds are looked for there (and where its PVs' claims
    // are), not across the cluster (exec::find_target_objects).
    bool staging_only = false;
};

struct Deletion {
    FoundObject object;
    // 0 namespaces (taking what is in them along), 1 workloads & jobs, 2 PVCs, 3 VolumeSnapshots
    // (1-3: only those outside a namespace being deleted), 4 PVs, contents and the Portworx
    // baselines nothing found refers to, 5 the other baselines, 6 Portworx clones (once the
    // namespaces and PVCs are gone: no pod mounts them), 7 Portworx snapshots (after the clones
    // made from them). A stage's deletions do not depend on each other: they are sent at once.
    int stage = 0;
};

struct Refusal {
    FoundObject object;
    std::string reason; // "no pxclone.io/run label", "the source namespace", ...
    // Only "not selected": pxclone's own object of another run, or of a set not being deleted
    // (expected, e.g. a run's snapshot set without --snapshots); false for objects that fail
    // the ownership checks or are protected (worth a warning).
    bool not_selected = false;
};

struct TeardownPlan {
    std::vector<Deletion> deletions; // in order
    std::vector<Refusal> refused;
    // Pool namespaces (staging.pool: labelled pxclone.io/pool) claimed by a run being torn down:
    // never deleted. What the run made in them is deleted one by one (stages 1-3), then each is
    // released (its pxclone labels and annotations removed) for the next run to claim.
    std::vector<FoundObject> releases;
    bool empty() const { return deletions.empty() && releases.empty(); }
};

// Whether `object` is a pool namespace (it carries k_pool_key): released, never deleted.
bool pooled(const FoundObject& object);

// Orders the deletions (Deletion::stage); an object found twice (same kind and identity) is
// deleted once; an object in a namespace being deleted is left to the namespace. A pool
// namespace that may be deleted is released instead (TeardownPlan::releases). Refused,
// never deleted: an object lacking any ownership label (managed-by=pxclone, the target profile,
// a run, a role); a staging object whose run is not in `runs`; a snapshot object whose run is not
// in `snapshot_sets` or whose pxclone.io/snapshot-set differs from its run; the source namespace;
// and in the source namespace anything but a snapshot object (production objects live there).
TeardownPlan plan_teardown(const TeardownTarget& target, const std::vector<FoundObject>& found);

// Why `object` may not be deleted for `target`, or "" when it may.
std::string refusal_reason(const TeardownTarget& target, const FoundObject& object);

} // namespace pxclone::plan
