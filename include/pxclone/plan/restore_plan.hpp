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
#pragma once

#include "pxclone/k8s/resource.hpp"
#include "pxclone/plan/lineage.hpp"
#include "pxclone/px/types.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::plan {

// On a workload while a restore runs: its replica count before the restore scaled it to 0.
inline constexpr std::string_view k_restore_replicas_key = "pxclone.io/restore-replicas";
// On a baseline: the staging PVC whose clone it is a snapshot of (the run names the namespace).
inline constexpr std::string_view k_staging_pvc_key = "pxclone.io/staging-pvc";

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

// ---- the plan --------------------------------------------------------------------------------

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
};
std::string_view restore_step_name(RestoreStepKind kind); // "record-replicas", ...

struct RestoreStep {
    RestoreStepKind kind;
    std::size_t index = 0; // into workloads (record/scale/wait_ready/clear) or volumes
};

struct RestorePlan {
    std::string ns;
    std::string run;
    std::string snapshot_set;
    std::vector<RestoreVolume> volumes;
    std::vector<Workload> workloads;
    std::vector<RestoreStep> steps;
};

// The steps for rolling `volumes` back in `ns` while `workloads` are stopped: record (only the
// workloads not recorded yet), scale down, wait, restore, scale up, wait ready, clear.
RestorePlan plan_restore_in_place(std::string ns, std::string run, std::string snapshot_set,
                                  std::vector<RestoreVolume> volumes,
                                  std::vector<Workload> workloads);

// The plan as the command prints it with -o json/yaml.
nlohmann::ordered_json to_json(const RestorePlan& plan);

} // namespace pxclone::plan
