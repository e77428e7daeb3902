// What `pxclone restore` does, decided from what discovery found (the PVCs, their PVs, the
// workloads of the namespace, the baselines). Pure: every patch and Portworx request is built here;
// the executor (exec/restore_runner.hpp) only sends them, and `--dry-run` prints them.
//
// Rolling a staging volume back in place needs a snapshot whose source.parent is the volume
// itself (the SDK restore refuses anything else), and it must not bring back unmasked production
// data. So deploy-staging takes a *baseline* of every staging clone once its data is final
// (after the masking Job, or once the volumes are Bound when there is no masking), and restore
// rolls the clone back to that baseline.
//
// In place, the executor runs RestorePlan::steps in order:
//   record_replicas  -> annotate each workload with its replica count (k_restore_replicas_key),
//                       so that an interrupted restore resumes with the right count
//   scale_down       -> each workload to 0 through the scale subresource
//   wait_pods_gone   -> no pod of the namespace mounts a restored PVC any more
//   wait_detached    -> each clone no longer attached (Portworx inspect)
//   restore_volume   -> SDK restore of each clone to its baseline (verified first)
//   scale_up         -> each workload back to its recorded count
//   wait_ready       -> each workload ready (readiness as kubectl judges it)
//   clear_record     -> the annotation removed
//
// To another snapshot set (portworx), or for a CSI volume (made again from a VolumeSnapshot, as
// there is no baseline), the volume is swapped instead of restored (plan_restore_swap):
//   wait_old_detached -> the Portworx volume the PVC is on now no longer attached
//   make_volume       -> the target's Portworx clone and PV (portworx), or VolumeSnapshotContent
//                        and VolumeSnapshot (csi) when no staging VolumeSnapshot of the set exists
//   delete_pvc        -> the PVC deleted, and gone
//   create_pvc        -> the PVC again, same name, bound to the new volume; until Bound
//   label_volume      -> csi: the PV provisioned for it and its Portworx volume labelled as
//                        deploy-staging labels them (a provisioner copies no PVC label)
//   delete_old        -> what the old PVC was made from: baselines, PV (until gone), then its
//                        Portworx volume (portworx: the clone; csi: the provisioned one), the
//                        VolumeSnapshot, the content (404 is fine: a PV's reclaim may have done it)
//   run_mask          -> the profile's masking Job again (the old Job deleted first), before the
//                        workloads come back (with mask.after: after that manifest's workloads)
//   take_baseline     -> portworx: the new clone's baseline
//   clear_swap        -> the k_restore_replaces_key annotations removed: the swap is done
// The swap's new PV (portworx) or PVC (csi) carries k_restore_replaces_key until clear_swap: a
// restore that finds it resumes the swap (re-mask, baseline) instead of starting another.
#pragma once

#include "pxclone/k8s/resource.hpp"
#include "pxclone/plan/lineage.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/px/types.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::plan {

// On a workload while a restore runs: its replica count before the restore scaled it to 0.
inline constexpr std::string_view k_restore_replicas_key = "pxclone.io/restore-replicas";
// On a baseline: the staging PVC whose clone it is a snapshot of (the run names the namespace);
// on a csi swap's VolumeSnapshot: the PVC it makes.
inline constexpr std::string_view k_staging_pvc_key = "pxclone.io/staging-pvc";
// On a swap's new PV (portworx) or PVC (csi) until the swap is finished: the Portworx volume id
// (portworx) or staging VolumeSnapshot name (csi) it replaces, "-" for none.
inline constexpr std::string_view k_restore_replaces_key = "pxclone.io/restore-replaces";
// Beside it: the PV (portworx) or VolumeSnapshotContent (csi) it replaces, "-" for none.
inline constexpr std::string_view k_restore_replaces_object_key =
    "pxclone.io/restore-replaces-object";

// ---- baselines -------------------------------------------------------------------------------

struct BaselineRequest {
    std::string staging_pvc;
    px::SnapshotCreateRequest request; // volume_id: the clone; labels: lineage + role baseline
    Labels selector; // ownership labels (role baseline): with parent == clone, finds it again
};

// The baseline of `clone_id` (the Portworx clone behind `staging_pvc`): named
// object_name(profile, run, "baseline-" + staging_pvc), labelled with the staging lineage's
// Portworx labels, role baseline and k_staging_pvc_key. `staging_lineage` is the staging run's
// (profile, run, snapshot set, source, ...); its role is replaced.
BaselineRequest baseline_request(Lineage staging_lineage, const std::string& staging_pvc,
                                 const std::string& clone_id);

// Which of `candidates` (Portworx volumes found by `selector`) is this request's baseline: the
// one carrying every selector label whose parent is the clone. nullptr when none.
const px::Volume* find_baseline(const BaselineRequest& baseline,
                                const std::vector<px::Volume>& candidates);

// ---- what restore accepts ----------------------------------------------------------------------

// Why this PVC must not be restored for profile/run, or "" when it may: it must carry pxclone's
// labels (managed-by, this profile, this run, role staging) and not live in the source
// namespace. The reason names the missing label ("it is not labelled
// app.kubernetes.io/managed-by=pxclone: pxclone did not create it").
std::string restore_refusal(const nlohmann::json& pvc, const std::string& profile,
                            const std::string& run, const std::string& source_namespace);

// A PVC made by CSI restore (spec.dataSource kind VolumeSnapshot): the snapshot's name, else "".
std::string csi_data_source(const nlohmann::json& pvc);

// ---- workloads -------------------------------------------------------------------------------

struct Workload {
    k8s::Resource resource; // Deployment or StatefulSet
    std::string ns;
    std::string name;
    int replicas = 1;              // to scale back to: the recorded annotation, else spec.replicas
    bool recorded = false;         // the annotation was there (an interrupted restore resumes)
    std::vector<std::string> pvcs; // which of the restored PVCs its pods mount, sorted

    std::string label() const; // "statefulset/mongo"
};

// The Deployments and StatefulSets (items of a list, any order) whose pod template mounts one of
// `pvcs`: spec.template.spec.volumes[].persistentVolumeClaim.claimName, or for a StatefulSet a
// volumeClaimTemplate whose claims <template>-<set>-<ordinal> (ordinal below its replicas, or the
// recorded count while a restore has it stopped) include it. Sorted by kind, name.
// A recorded k_restore_replicas_key that is not a count is ignored (spec.replicas is used).
std::vector<Workload> workloads_mounting(const std::vector<nlohmann::json>& deployments,
                                         const std::vector<nlohmann::json>& statefulsets,
                                         const std::set<std::string>& pvcs);

// Merge patches: record the count, and remove it again.
nlohmann::json record_replicas_patch(int replicas);
nlohmann::json clear_record_patch();

// ---- what restore's discovery decides (pure; discover/restore.hpp reads, these judge) ----------

// The profile a restore plans one staging volume with: `profile` with `ns` as its staging
// namespace and the one volume source_pvc -> staging_pvc, without manifests, images or masking
// (the namespace and the workloads are there already, or the user's).
profile::Profile one_volume_profile(profile::Profile profile, const std::string& ns,
                                    const std::string& source_pvc, const std::string& staging_pvc);

// New objects of an existing staging environment keep its lineage (and so its expiry): git sha,
// build id and created-at from `object`'s annotations; `made_at` becomes created-at when it
// parses, else both stay as given.
struct AdoptedLineage {
    Lineage lineage;
    std::chrono::system_clock::time_point made_at;
};
AdoptedLineage adopt_lineage(Lineage lineage, const nlohmann::json& object,
                             std::chrono::system_clock::time_point made_at);

// Whether an existing PVC is pxclone's `restore --new-pvc` copy of `source` ("NAMESPACE/PVC")
// from `set` for `profile` (of any run, role staging): a re-run adopts it, anything else is
// refused.
bool is_new_pvc_copy(const nlohmann::json& pvc, const std::string& profile, const std::string& set,
                     const std::string& source);

// PVs of the run (items of a list) that a Portworx swap interrupted after deleting its PVC left,
// by PVC name (claimRef): claimed in `ns`, annotated k_restore_replaces_key, their PVC not in
// `present` and, when `asked` is not empty, asked for.
std::map<std::string, nlohmann::json> pending_swap_pvs(std::vector<nlohmann::json> pvs,
                                                       const std::string& ns,
                                                       const std::set<std::string>& present,
                                                       const std::vector<std::string>& asked);

// csi: the run's staging VolumeSnapshots (items of a list, all namespaces) in `ns` by the PVC
// they make (k_staging_pvc_key, else their name: deploy-staging names them so), for the PVCs not
// in `present` and, when `asked` is not empty, asked for.
std::map<std::string, std::vector<nlohmann::json>>
pending_csi_snapshots(std::vector<nlohmann::json> snapshots, const std::string& ns,
                      const std::set<std::string>& present, const std::vector<std::string>& asked);

// The one snapshot set `snapshots` are of; "" when they are of several (or none).
std::string only_snapshot_set(const std::vector<nlohmann::json>& snapshots);

// The workloads (labels) of the stages before the mask: mask.after's manifests, brought back and
// ready before the masking Job runs again. Empty without a mask.
std::set<std::string> workloads_before_mask(const StagingPlan& plan);

// Whether every one of `labels` is in `have` with the same value.
bool carries_labels(const std::map<std::string, std::string>& have, const Labels& labels);

// Whether a namespace's set label must follow `target_set` after the swap of `planned` PVCs:
// every staging PVC of the run in it (`pvcs`, the others as they are) is then on the target set.
bool all_on_set(const std::vector<nlohmann::json>& pvcs, const std::set<std::string>& planned,
                const std::string& target_set);

// ---- the plan --------------------------------------------------------------------------------

// One staging PVC swapped to a volume made from a snapshot (another set's, or for csi the same).
struct SwapVolume {
    std::string pvc;
    StagingVolume target; // from MethodRules::swap_target(): what to create (the PVC last)
    // What the target replaces, as reports name it: the old Portworx clone, or (csi) the old
    // staging VolumeSnapshot; "" when none.
    std::string replaces;
    // What the PVC is made from now, deleted once it is replaced ("" when gone or none).
    std::string old_clone_id; // the Portworx volume: the clone, or (csi) the provisioned one
    std::vector<std::string> old_baselines; // portworx: the old clone's baselines
    std::string old_pv;                     // the PV of the old PVC
    std::string old_snapshot;               // csi: staging VolumeSnapshot (not the target's)
    std::string old_content;                // csi: its VolumeSnapshotContent
    bool pvc_exists = true; // the PVC is there (not yet the target's, unless swapped)
    bool swapped = false;   // resume: the PVC already is the target's; mask, baseline, clear left
};

// The target of a swap from `planned`, the volume plan_staging makes for the requested set (the
// run's lineage). Names must not collide with what exists until delete_old: portworx, the clone
// object_name(profile, run, "clone-<pvc>-<set>") and PV object_name(profile, run, "<pvc>-<set>")
// (the PVC's volumeName follows) annotated with what it replaces; csi, with `reuse_snapshot`
// (the set's staging VolumeSnapshot already there) only the PVC from it, else the content and
// VolumeSnapshot named object_name(profile, run, "<pvc>-<set>") (the VolumeSnapshot annotated
// k_staging_pvc_key=<pvc>) and the PVC from them, the PVC annotated. `replaces`/`replaces_object`:
// the k_restore_replaces_key values ("" becomes "-").
// The method's MethodRules::swap_target is one of these two.
StagingVolume portworx_swap_target(StagingVolume planned, const Lineage& lineage,
                                   const std::string& replaces, const std::string& replaces_object);
StagingVolume csi_swap_target(StagingVolume planned, const Lineage& lineage,
                              const std::string& replaces, const std::string& replaces_object,
                              const std::string& reuse_snapshot = {});

// The merge patch that removes both k_restore_replaces_key annotations.
nlohmann::json clear_swap_patch();

struct RestoreVolume {
    std::string pvc;
    std::string clone_id;    // the Portworx clone behind its PV
    std::string baseline_id; // its baseline (verified: a snapshot whose parent is clone_id)
};

enum class RestoreStepKind {
    record_replicas,
    scale_down,
    wait_pods_gone,
    wait_detached,
    restore_volume,
    scale_up,
    wait_ready,
    clear_record,
    wait_old_detached,
    make_volume,
    delete_pvc,
    create_pvc,
    delete_old,
    run_mask,
    take_baseline,
    clear_swap,
    relabel_namespace,
    label_volume,
};
std::string_view restore_step_name(RestoreStepKind kind); // "record-replicas", ...

struct RestoreStep {
    RestoreStepKind kind;
    std::size_t index = 0; // into workloads (record/scale/wait_ready/clear), volumes or swaps
};

struct RestorePlan {
    std::string ns;
    std::string run;
    std::string snapshot_set;
    std::vector<RestoreVolume> volumes;
    std::vector<Workload> workloads;
    std::vector<RestoreStep> steps;
    // Swaps (plan_restore_swap): the volumes, the masking to run again, and the lineage of the
    // new objects (role staging, the target set; source empty) for their baselines.
    std::vector<SwapVolume> swaps;
    std::optional<MaskPlan> mask;
    Lineage lineage;
    bool baselines = false; // portworx: take the new clones' baselines
};

// The steps for rolling `volumes` back in `ns` while `workloads` are stopped: record (only the
// workloads not recorded yet), scale down, wait, restore, scale up, wait ready, clear.
RestorePlan plan_restore_in_place(std::string ns, std::string run, std::string snapshot_set,
                                  std::vector<RestoreVolume> volumes,
                                  std::vector<Workload> workloads);

// The namespace's k_snapshot_set_key label set to plan.snapshot_set as the last step: once every
// staging PVC of the environment is on that set, the environment is (`list` and retention read
// the label). After a swap of some PVCs only, the label stays: the environment uses both sets,
// and every object of it says which one it was made from.
RestorePlan with_namespace_relabel(RestorePlan plan);

// The merge patch that sets a namespace's k_snapshot_set_key label to `set`.
nlohmann::json namespace_set_patch(const std::string& set);

// Swapping `swaps` (and rolling `volumes` back to their baselines, PVCs already on the set)
// while `workloads` are stopped: record, scale down, wait; per volume restore; per swap the
// steps above (swaps sorted by PVC); the mask (when given) with the workloads in `before_mask`
// (labels, mask.after's manifests) brought back and ready before it, the others after; baselines
// when `baselines`.
RestorePlan plan_restore_swap(std::string ns, Lineage lineage, std::vector<RestoreVolume> volumes,
                              std::vector<SwapVolume> swaps, std::vector<Workload> workloads,
                              std::optional<MaskPlan> mask,
                              const std::set<std::string>& before_mask, bool baselines);

// The plan as the command prints it with -o json/yaml.
nlohmann::ordered_json to_json(const RestorePlan& plan);

} // namespace pxclone::plan
