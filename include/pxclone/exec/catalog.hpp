// What pxclone has in the cluster, found by its labels on both APIs (Portworx volume labels and
// Kubernetes labels), so that any machine can list, reuse or clean up what another one made.
// The grouping and judging functions are pure (tested on JSON); Catalog does the listing.
#pragma once

#include "pxclone/k8s/client.hpp"
#include "pxclone/px/client.hpp"
#include "pxclone/px/types.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::exec {

// One snapshot of a set.
struct SetSnapshot {
    std::string source;      // pxclone.io/source: "namespace/pvc"
    std::string id;          // Portworx snapshot id (portworx) or "namespace/name" (csi)
    std::string portworx_id; // the Portworx snapshot id (csi: the content's snapshotHandle; may
                             // be "" while not bound)
    std::int64_t size = 0;   // bytes (portworx: spec.size; csi: status.restoreSize); 0 = unknown
    std::string name;        // Portworx locator name, or the VolumeSnapshot's name
    bool ready = false;      // usable: Portworx state not pending/error; csi readyToUse
};

enum class SetState { complete, partial };
std::string_view set_state_name(SetState state); // "complete" / "partial"

// The snapshots one run of `snapshot` took (a set's id is that run's id).
struct SnapshotSet {
    std::string id;
    std::string profile;
    std::string method;     // the method's name (profile::method_name): "portworx" or "csi"
    std::string created_at; // RFC 3339 UTC (pxclone.io/created-at); "" when absent
    std::string source_namespace;
    std::string git_sha;
    std::string build_id;
    std::vector<SetSnapshot> snapshots;  // sorted by source
    std::optional<std::size_t> expected; // pxclone.io/set-size, when the snapshots carry it
    // complete: every snapshot ready and, when `expected` is known, that many of them (from
    // distinct sources); partial otherwise.
    SetState state = SetState::partial;
};

// One staging environment: everything labelled role=staging for one run of a profile.
struct Environment {
    std::string run;
    std::string profile;
    std::string ns;           // the staging namespace ("" when only volumes are left)
    std::string snapshot_set; // the set it is on: its namespace's label ("" when unknown)
    // Every set its objects were made from: more than snapshot_set after `restore --snapshot`
    // swapped some of its PVCs only (it uses all of them).
    std::set<std::string> snapshot_sets;
    std::string created_at; // RFC 3339 UTC; "" when unknown
    std::string expires_at; // RFC 3339 UTC; "" when no TTL is recorded
    std::string ready_at;   // pxclone.io/ready-at on the namespace; "" while not ready
    std::string git_sha;    // the lineage of the run that made it; "" when unknown
    std::string build_id;
    // What it is: "namespace" (deploy-staging's, in its own namespace), "pvc" (`restore
    // --new-pvc`: PVCs of the run in a namespace it does not own) or "volumes" (only PVs,
    // Portworx clones and such are left).
    std::string kind;
    // namespace: "Active" or "Terminating" (the namespace's status.phase); pvc: "Bound" when
    // every PVC is, else "Pending"; volumes: "Orphaned".
    std::string phase;
    std::vector<std::string> pvcs; // kind pvc: the PVCs' names, sorted
    // Objects found per kind: "namespace", "persistentvolumeclaim", "persistentvolume",
    // "portworx-clone" (absent kinds are absent keys).
    std::map<std::string, std::size_t> counts;
};

enum class EnvironmentState { ready, partial, expired };
std::string_view environment_state_name(EnvironmentState state); // "ready"/"partial"/"expired"

// expired when expires_at has passed at `now`; else ready when its namespace is Active and carries
// ready-at, or (kind pvc) its PVCs are Bound; partial otherwise (being deployed, interrupted,
// terminating, orphaned volumes).
EnvironmentState judge_environment(const Environment& environment,
                                   std::chrono::system_clock::time_point now);

// Whether expires_at is set and before `now` (an unparsable time counts as not expired).
bool is_expired(const Environment& environment, std::chrono::system_clock::time_point now);

// Pure grouping: Portworx snapshots (volumes labelled role=snapshot) and CSI VolumeSnapshots
// (items of a list, all namespaces) into sets by pxclone.io/snapshot-set; `contents` are
// VolumeSnapshotContents by name, to read the Portworx snapshot id (status.snapshotHandle).
// Objects without a snapshot-set label are ignored. Sets are sorted newest first (created_at,
// then id).
std::vector<SnapshotSet> group_snapshot_sets(const std::vector<px::Volume>& portworx_snapshots,
                                             const std::vector<nlohmann::json>& volume_snapshots,
                                             const std::map<std::string, nlohmann::json>& contents);

// What Catalog::environments lists, as raw objects.
struct StagingObjects {
    std::vector<nlohmann::json> namespaces; // labelled role=staging
    std::vector<nlohmann::json> pvcs;       // all namespaces
    std::vector<nlohmann::json> pvs;
    std::vector<nlohmann::json> volume_snapshots; // csi staging: all namespaces
    std::vector<nlohmann::json> contents;         // csi staging: pre-provisioned contents
    std::vector<px::Volume> clones;               // Portworx volumes labelled role=staging
};

// Pure grouping of staging objects by (profile, run). Namespace facts win (expiry, set, phase);
// without a namespace the PVs' and clones' labels/annotations are used. Sorted newest first.
std::vector<Environment> group_environments(const StagingObjects& objects);

// The snapshot-set values of every staging object given, for retention and `teardown --snapshots`,
// leaving out objects of the runs in `except` (the environments being torn down).
std::set<std::string> snapshot_sets_used(const StagingObjects& objects,
                                         const std::set<std::string>& except = {});

// The newest complete set (sets as group_snapshot_sets returns them); nullptr when none.
const SnapshotSet* newest_complete(const std::vector<SnapshotSet>& sets);

// The set with this id; nullptr when absent.
const SnapshotSet* find_set(const std::vector<SnapshotSet>& sets, const std::string& id);

// Lists by labels. Every call is read-only; errors from either API propagate (ApiError, SdkError).
class Catalog {
public:
    // Both clients must outlive the catalog. `method_kinds`: the Kubernetes kinds the profile's
    // snapshot method keeps (plan::MethodRules::kept_kinds; VolumeSnapshot and
    // VolumeSnapshotContent for csi): only those of them are listed (a portworx profile reads no
    // snapshot.storage.k8s.io resource, so it needs no permission on them).
    Catalog(const k8s::Client& kube, const px::Client& portworx,
            std::vector<std::string> method_kinds);

    // Snapshot sets of `profile` ("" for every profile): Portworx snapshots (inspectwithfilters
    // managed-by, profile, role=snapshot) and VolumeSnapshots across namespaces with the same
    // selector (and the VolumeSnapshotContents they are bound to).
    std::vector<SnapshotSet> snapshot_sets(const std::string& profile) const;

    // Staging environments of `profile` ("" for every profile).
    std::vector<Environment> environments(const std::string& profile) const;

    // The snapshot sets that live staging objects of `profile` were made from: no set in here
    // may be deleted.
    std::set<std::string> sets_in_use(const std::string& profile) const;

    // The raw staging objects behind environments() and sets_in_use().
    StagingObjects staging_objects(const std::string& profile) const;

private:
    bool keeps(std::string_view kind) const;

    const k8s::Client& m_kube;
    const px::Client& m_px;
    std::vector<std::string> m_kinds;
};

// The objects of `resource` in every namespace carrying all of `labels` (selected on the server,
// checked again here). A snapshot.storage.k8s.io resource the server does not serve (no CSI
// snapshot CRDs: 404 without a Status) is an empty list; any other error throws ApiError.
std::vector<nlohmann::json> list_labelled(const k8s::Client& kube, const k8s::Resource& resource,
                                          const std::map<std::string, std::string>& labels);

// The labels every catalog query selects on: managed-by, the role, and the profile when given.
std::map<std::string, std::string> catalog_selector(const std::string& profile,
                                                    std::string_view role);

} // namespace pxclone::exec
