// What `pxclone deploy-staging` will create, decided from the profile, the chosen snapshot set and
// the parsed manifests (docs/ARCHITECTURE.md, "The data flow of deploy-staging"). Pure: every
// Kubernetes object and Portworx request is built here as a value; the executor only sends them,
// phase by phase, and `--dry-run` prints them.
//
// The executor runs StagingPlan::steps in order:
//   create_namespace  -> the Namespace (refuse when it exists without this run's labels), then
//                        the RoleBinding of staging.role_binding (if any)
//   make_volumes      -> every StagingVolume in parallel: Portworx clone (portworx) then
//                        with_clone_id() and its objects, or its objects alone (csi)
//   wait_volumes      -> volume_waits (every staging PVC Bound); csi: then label each PVC's PV
//                        and its Portworx volume (StagingVolume::bound_*_labels)
//   run_mask          -> mask->objects (ConfigMap, Job), then mask->wait (Complete)
//   apply_config      -> stages[stage].config (server-side apply)
//   apply_workloads   -> stages[stage].workloads
//   wait_workloads    -> stages[stage].waits; present after a stage only when the mask runs
//                        right after it, and once at the end for every stage
#pragma once

#include "pxclone/k8s/resource.hpp"
#include "pxclone/plan/lineage.hpp"
#include "pxclone/plan/method_rules.hpp"
#include "pxclone/profile/diagnostic.hpp"
#include "pxclone/profile/manifests.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/px/types.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::plan {

// deploy-staging reads a set's source PVCs and their PVs with a GET each up to this many volumes,
// and lists them (a LIST per source namespace, one of the PVs) beyond: the permissions follow.
inline constexpr std::size_t k_source_gets_at_most = 8;

// ---- inputs ----------------------------------------------------------------------------------

// One snapshot of the chosen set, as listing found it.
struct SnapshotSetVolume {
    std::string source_pvc;  // the production PVC's name (in source.namespace)
    std::string snapshot_id; // the Portworx snapshot id; for csi also the snapshotHandle
    std::int64_t size_bytes = 0;
    std::string storage_class; // the source PVC's class ("" when none)
    std::vector<std::string> access_modes;
    std::string fs_type;                // "" when unknown
    std::string csi_snapshot_name;      // csi: the VolumeSnapshot in the source namespace
    std::string csi_snapshot_namespace; // csi
};

struct SnapshotSet {
    std::string id; // the run id that took it
    profile::SnapshotMethod method = profile::SnapshotMethod::portworx;
    std::vector<SnapshotSetVolume> volumes;
};

// ---- the plan --------------------------------------------------------------------------------

// A Kubernetes object to create or apply: where the API serves it and the complete object
// (apiVersion, kind, metadata.name/namespace/labels/annotations set).
struct PlannedObject {
    k8s::Resource resource; // version as the object's apiVersion says
    nlohmann::json object;

    const std::string& name() const;
    std::string object_namespace() const; // "" for cluster-scoped objects
    std::string label() const;            // "deployment/orders" for messages
};

// The object as `--dry-run` and logs may show it: a Secret's data and stringData values replaced
// by "<redacted>" (keys kept), everything else as is.
nlohmann::json printable(const PlannedObject& object);

// What "ready" means for a wait (k8s::readiness_rule gives the rule for the resource).
enum class Predicate { bound, rolled_out, complete, ready_to_use };
std::string_view predicate_name(Predicate predicate); // "Bound", "RolledOut", "Complete", ...

struct WaitFor {
    k8s::Resource resource;
    std::string wait_namespace;
    std::string name;
    Predicate predicate = Predicate::rolled_out;
};

// One staging volume: its Portworx clone (portworx) and Kubernetes objects in creation order
// (portworx: PV, PVC; csi: VolumeSnapshotContent, VolumeSnapshot, PVC).
struct StagingVolume {
    std::string source_pvc;
    std::string source; // "namespace/pvc"
    std::string staging_pvc;
    std::string snapshot_id;
    profile::SnapshotMethod method = profile::SnapshotMethod::portworx;
    std::optional<px::CloneRequest> clone; // portworx only
    std::string clone_id;                  // set by with_clone_id
    std::vector<PlannedObject> objects;
    // csi: the labels of the PV provisioned for the PVC (the PVC's) and of the Portworx volume
    // behind it (as a clone's), set once the PVC is Bound so that teardown finds both whatever
    // the storage class's reclaimPolicy. Empty for portworx (pxclone makes its PV and clone).
    Labels bound_pv_labels;
    px::Labels bound_volume_labels;
};

// The clone's volume id in the PV (spec.csi.volumeHandle), which holds k_clone_id_placeholder
// until the clone exists. Returns the volume with the PV completed and clone_id set.
inline constexpr std::string_view k_clone_id_placeholder = "<portworx-clone-id>";
StagingVolume with_clone_id(StagingVolume volume, const std::string& clone_id);

// The staging volumes of the two methods (MethodRules::staging_volume of method/portworx and
// method/csi): a Portworx clone of the snapshot with a static PV bound to the PVC; or a
// VolumeSnapshotContent (Retain) of the snapshot's handle, its VolumeSnapshot named like the PVC,
// and the PVC with that VolumeSnapshot as its dataSource.
StagingVolume portworx_staging_volume(const profile::Profile& profile, const Lineage& lineage,
                                      const std::string& staging_namespace, StagingVolume volume,
                                      const SnapshotSetVolume& source);
StagingVolume csi_staging_volume(const profile::Profile& profile, const Lineage& lineage,
                                 const std::string& staging_namespace, StagingVolume volume,
                                 const SnapshotSetVolume& source);

// The objects of one manifest file: config (everything but workloads) is applied first, then the
// workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod), each in file
// order; waits are the workloads that have a readiness rule (Deployment, StatefulSet, Job).
struct ManifestStage {
    std::string file;
    std::vector<PlannedObject> config;
    std::vector<PlannedObject> workloads;
    std::vector<WaitFor> waits;
};

// staging.mask. Runs before stages[before_stage] is applied: 0 when `after` is empty (PVCs
// mounted read-write at /data/<staging pvc>, before any manifest), i + 1 when `after` names
// stages[i] (no PVC mounted; after that stage's workloads are ready, before the next).
struct MaskPlan {
    std::string after;
    std::size_t before_stage = 0;
    std::vector<PlannedObject> objects; // the ConfigMap of mask.files (if any), then the Job
    WaitFor wait;                       // the Job, Complete
    std::chrono::milliseconds timeout{};
};

enum class StepKind {
    create_namespace,
    make_volumes,
    wait_volumes,
    run_mask,
    apply_config,
    apply_workloads,
    wait_workloads,
    mark_ready, // the namespace's k_ready_at_key annotation: `list` shows the environment ready
};
std::string_view step_name(StepKind kind); // "create-namespace", ...

// The merge patch that marks a staging namespace ready at `at` (RFC 3339).
nlohmann::json ready_patch(std::string_view at);

struct Step {
    StepKind kind;
    std::size_t stage = 0; // apply_* / wait_workloads: the index into stages
};

// The report / `-o env` data model (-o json|yaml: output::StagingEnvironmentRecord), filled from
// the plan; the executor adds clone ids, readiness
// and load-balancer hostnames as it learns them.
struct ServicePort {
    std::string name; // "" when unnamed
    std::int64_t port = 0;
    std::string protocol = "TCP";
};
struct ServiceReport {
    std::string name;
    std::vector<ServicePort> ports;
    std::string load_balancer_hostname; // "" unless the executor saw one
};
struct VolumeReport {
    std::string source; // "namespace/pvc"
    std::string staging_pvc;
    std::string clone_id; // Portworx clone id (portworx), VolumeSnapshot name (csi)
};
struct StagingReport {
    std::string staging_namespace;
    std::string run;
    std::string snapshot_set;
    std::string expires_at;
    std::vector<VolumeReport> volumes;
    std::vector<ServiceReport> services;
};

// PXCLONE_NAMESPACE, PXCLONE_RUN, PXCLONE_SNAPSHOT_SET, then PXCLONE_SERVICE_<NAME>=host:port per
// service (NAME upper-cased, other characters '_'; host: the load balancer, else
// <name>.<namespace>.svc; port: the first).
std::vector<std::pair<std::string, std::string>> env_variables(const StagingReport& report);

struct StagingPlan {
    std::string staging_namespace;
    std::string expires_at;
    Lineage lineage; // role staging, snapshot set set, expires-at set, source empty
    PlannedObject namespace_object;
    // staging.pool: the namespace was claimed from the pool before the plan ran (its labels are
    // namespace_object's): create_namespace only checks that it is still this run's.
    bool pooled = false;
    // staging.role_binding: the RoleBinding made right after the namespace (in create_namespace),
    // binding ClusterRole staging_role_name() to pxclone's ServiceAccount there.
    std::optional<PlannedObject> role_binding;
    std::vector<StagingVolume> volumes; // in snapshot-set order
    std::vector<WaitFor> volume_waits;  // every staging PVC Bound
    std::vector<ManifestStage> stages;  // in staging.manifests order
    std::optional<MaskPlan> mask;
    std::vector<Step> steps;
    StagingReport report;

    // Every object the plan creates, in step order (PVs with the clone id placeholder), for
    // `--dry-run` and for checks over all of them.
    std::vector<PlannedObject> all_objects() const;
};

struct StagingPlanResult {
    std::optional<StagingPlan> plan;           // set exactly when problems is empty
    std::vector<profile::Diagnostic> problems; // every problem; manifest ones with file:line:col
};

// The checks every manifest object passes wherever the manifests are read (`validate`, also
// offline; deploy-staging and restore through plan_staging): metadata a mapping with string
// labels and annotations, a name, no namespace but the staging namespace, and a kind pxclone knows
// to be namespaced, served by the group its apiVersion names. `resources`: the distinct resources
// the objects are applied as (first seen first), also of objects with other problems.
struct ManifestCheck {
    std::vector<k8s::Resource> resources;
    std::vector<profile::Diagnostic> problems; // every problem, each with file:line:column
};
ManifestCheck check_manifests(const profile::Profile& profile,
                              const std::vector<profile::ManifestFile>& manifests);

// `lineage` carries profile, run, git sha, build id and created-at; role, snapshot set and
// expires-at (now + staging.ttl) are filled in. `manifests` are the parsed staging.manifests
// in order (ManifestFile::file as the profile writes it). `mask_files` maps each mask.files
// entry (as written) to the file's content, read by the caller.
//
// Problems (all reported, nothing half-planned): the staging namespace equals the source
// namespace; two source PVCs mapped to one staging PVC; a manifest object without a name, in
// another namespace, of a cluster-scoped kind, or of a kind pxclone does not know (it cannot
// tell whether an unknown kind, e.g. a custom resource, is namespaced, so it refuses rather than
// create something teardown cannot find); an apiVersion whose group does not serve the kind;
// the same kind/name twice; a PVC or mask object name that collides with pxclone's own; a
// workload claim not among the staging PVCs (or PVCs the manifests define); a StatefulSet
// volumeClaimTemplate whose claims (<template>-<set>-<ordinal>) are not all staging PVCs (the
// StatefulSet would provision empty volumes); an image override naming no container;
// mask.after naming no manifest; a mask file missing, badly named or too large. `method` is the
// set's (method::of(snapshot_set.method)): it makes each staging volume.
StagingPlanResult plan_staging(const MethodRules& method, const profile::Profile& profile,
                               Lineage lineage, const SnapshotSet& snapshot_set,
                               const std::vector<profile::ManifestFile>& manifests,
                               const std::map<std::string, std::string>& mask_files,
                               std::chrono::system_clock::time_point now);

} // namespace pxclone::plan
