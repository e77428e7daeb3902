// What pxclone has in the cluster, found by its labels on both APIs (Portworx volume labels and
// Kubernetes labels), so that any machine can list, reuse or clean up what another one made.
// The grouping and judging functions are pure (tested on JSON); Catalog does the listing.
#pragma once

#include "pxclone/k8s/client.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/px/client.hpp"
#include "pxclone/px/types.hpp"
#include "pxclone/util/worker_pool.hpp"

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
    std::string pool;         // staging.pool: the pool its namespace was claimed from, else ""
    std::string snapshot_set; // the set it is on: its namespace's label ("" when unknown)
    // Every set its objects were made from: more than snapshot_set after `restore --snapshot`
    // swapped some of its PVCs only (it uses all of them).
    std::set<std::string> snapshot_sets;
    std::string created_at; // RFC 3339 UTC; "" when unknown
    std::string expires_at; // RFC 3339 UTC; "" when no TTL is recorded or pinned
    bool pinned = false;    // `extend --ttl never`: it never expires
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

// Whether expires_at is set and before `now` (an unparsable time counts as not expired); never
// for a pinned environment.
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
    std::vector<nlohmann::json> pvcs;       // in labelled_scope() of the namespaces and PVs
    std::vector<nlohmann::json> pvs;
    std::vector<nlohmann::json> volume_snapshots; // csi staging: in the same namespaces
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

// What a Catalog reads, and where.
struct CatalogScope {
    // The Kubernetes kinds the profile's snapshot method keeps (plan::MethodRules::kept_kinds;
    // VolumeSnapshot and VolumeSnapshotContent for csi): only those of them are listed.
    std::vector<std::string> method_kinds;
    // Where the profile's VolumeSnapshots of sets are (its source.namespace); "" reads them in
    // every namespace (list --all-profiles, whose profiles have different sources).
    std::string source_namespace;
    // staging.role_binding: pxclone's identity may read staging objects only inside the staging
    // namespaces, so namespaced kinds are listed there, one namespace at a time (found by the
    // labels of the namespaces and of the PVs' claims). Without it the identity holds the same
    // rights in every namespace and one list across the cluster reads the lot.
    bool staging_only = false;
    // false: the staging cluster of a profile with staging.cluster, which holds no snapshot set
    // and no source namespace (both are production's): nothing is read in the source namespace
    // there (snapshot_sets finds no set; find_run_objects looks for no set of the run).
    bool holds_sets = true;
};

// The scope of a profile's catalog: `method_kinds` its method's, the rest from the profile.
CatalogScope catalog_scope(const profile::Profile& profile, std::vector<std::string> method_kinds);

// catalog_scope for the staging side (the environments): with staging.cluster, holds_sets false.
CatalogScope staging_scope(const profile::Profile& profile, std::vector<std::string> method_kinds);

// Lists by labels. Every call is read-only; errors from either API propagate (ApiError, SdkError).
class Catalog {
public:
    // Both clients must outlive the catalog. A portworx profile reads no snapshot.storage.k8s.io
    // resource, so it needs no permission on them. With a pool, a query's independent listings are
    // sent at once on it (never call a Catalog from a task of that pool: it waits for its own
    // tasks).
    Catalog(const k8s::Client& kube, const px::Client& portworx, CatalogScope scope,
            util::WorkerPool* pool = nullptr);

    // Snapshot sets of `profile` ("" for every profile): Portworx snapshots (inspectwithfilters
    // managed-by, profile, role=snapshot) and VolumeSnapshots in the source namespace with the
    // same selector (and the VolumeSnapshotContents they are bound to). None, and nothing read,
    // where the scope holds no set (!CatalogScope::holds_sets).
    std::vector<SnapshotSet> snapshot_sets(const std::string& profile) const;

    // Staging environments of `profile` ("" for every profile).
    std::vector<Environment> environments(const std::string& profile) const;

    // The snapshot sets that live staging objects of `profile` were made from: no set in here
    // may be deleted.
    std::set<std::string> sets_in_use(const std::string& profile) const;

    // The raw staging objects behind environments() and sets_in_use(): the labelled namespaces
    // and PVs (cluster-scoped, one LIST each), then the PVCs (and csi VolumeSnapshots) inside
    // labelled_scope() of them only, so that no namespaced kind is listed across the cluster.
    StagingObjects staging_objects(const std::string& profile) const;

    // The pool the listings run on (nullptr: one after another).
    util::WorkerPool* pool() const { return m_pool; }

private:
    bool keeps(std::string_view kind) const;

    const k8s::Client& m_kube;
    const px::Client& m_px;
    CatalogScope m_scope;
    util::WorkerPool* m_pool;
};

// Where pxclone's namespaced objects found by some labels can be, given the Namespaces and the
// PersistentVolumes carrying those labels: the namespaces themselves (deploy-staging's), and the
// namespaces of the PVCs those PVs are bound to (spec.claimRef: `restore --new-pvc -n NS` puts a
// run's PVC into a namespace it does not own). Each once, sorted.
std::set<std::string> labelled_scope(const std::vector<nlohmann::json>& namespaces,
                                     const std::vector<nlohmann::json>& pvs);

// Where pxclone's namespaced objects can be read under staging.role_binding: labelled_scope() less
// `skip` (namespaces being deleted take what is in them along). A namespace that only a PV's claim
// names is kept only when a list by name shows it exists: a staging namespace that is gone took
// its RoleBinding along, so a read there would be forbidden, and nothing is left in it. The
// checks go at once on `pool` (nullptr: one after another).
std::set<std::string> readable_scope(const k8s::Client& kube,
                                     const std::vector<nlohmann::json>& namespaces,
                                     const std::vector<nlohmann::json>& pvs,
                                     const std::set<std::string>& skip, util::WorkerPool* pool);

// The objects of `resource` in every namespace carrying all of `labels` (selected on the server,
// checked again here). A snapshot.storage.k8s.io resource the server does not serve (no CSI
// snapshot CRDs: 404 without a Status) is an empty list; any other error throws ApiError.
std::vector<nlohmann::json> list_labelled(const k8s::Client& kube, const k8s::Resource& resource,
                                          const std::map<std::string, std::string>& labels);

// list_labelled inside each of `namespaces` (one LIST each, in order), for a namespaced
// `resource`: what least privilege can grant (a Role in those namespaces), where a list across
// all namespaces needs a ClusterRole that reads production as well.
std::vector<nlohmann::json> list_labelled_in(const k8s::Client& kube, const k8s::Resource& resource,
                                             const std::map<std::string, std::string>& labels,
                                             const std::set<std::string>& namespaces);

// The labels every catalog query selects on: managed-by, the role, and the profile when given.
std::map<std::string, std::string> catalog_selector(const std::string& profile,
                                                    std::string_view role);

} // namespace pxclone::exec
