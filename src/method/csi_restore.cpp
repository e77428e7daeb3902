// method: csi — restore in place. A staging PVC is made from a VolumeSnapshot (dataSource) and has
// no baseline: it is always made again from the target set's VolumeSnapshot and masked again; a
// swap interrupted after deleting the PVC is found by the PVC's VolumeSnapshots.
#include "pxclone/error.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/plan/source_volumes.hpp"

#include <fmt/format.h>

#include "restore_hooks.hpp"

namespace pxclone::method::csi_restore {

using nlohmann::json;
using plan::annotation_of;
using plan::label_of;

namespace {

// The staging VolumeSnapshot `name` a csi PVC is made from, and its content: deleted once
// replaced, so they must be this run's (a production snapshot's content must never go).
plan::ReplacedVolume owned_snapshot(const RestoreSite& site, const std::string& pvc,
                                    const std::string& name, const json& snapshot) {
    plan::ReplacedVolume old{.snapshot = name};
    old.content = k8s::string_field(snapshot, "/spec/source/volumeSnapshotContentName");
    if (old.content.empty()) {
        old.content = k8s::string_field(snapshot, "/status/boundVolumeSnapshotContentName");
    }
    const auto content =
        old.content.empty()
            ? std::nullopt
            : site.kube().get(k8s::resource_of("VolumeSnapshotContent"), "", old.content);
    if (!k8s::has_labels(snapshot, site.ours()) ||
        (content && !k8s::has_labels(*content, site.ours()))) {
        throw UsageError(fmt::format("pvc/{} was made from volumesnapshot {} (content {}), "
                                     "which run {} did not make; it is not replaced",
                                     pvc, name, old.content, site.run_id()),
                         "deploy the environment again");
    }
    return old;
}

// The PV a csi PVC is bound to and the Portworx volume behind it, when that PV was provisioned
// for this very PVC (its claimRef has the PVC's uid): nothing else is ours to delete.
plan::ReplacedVolume provisioned_volume(RestoreSite& site, const json& pvc) {
    const auto& pv = site.pv_of(pvc);
    if (!pv || k8s::string_field(*pv, "/spec/claimRef/uid").empty() ||
        k8s::string_field(*pv, "/spec/claimRef/uid") != k8s::string_field(pvc, "/metadata/uid")) {
        return {};
    }
    return {.clone_id = plan::portworx_volume_id(*pv),
            .pv = k8s::string_field(*pv, "/metadata/name"),
            .snapshot = {},
            .content = {}};
}

// The PV (and its Portworx volume) of an earlier PVC `name` in the namespace that a swap
// interrupted after deleting it left: one of this run's staging PVs (labelled when it was
// provisioned) claimed by that name with another uid than `current_uid`.
plan::ReplacedVolume released_volume(RestoreSite& site, const std::string& name,
                                     const std::string& current_uid) {
    for (const auto& pv : site.run_pvs()) {
        if (k8s::string_field(pv, "/spec/claimRef/namespace") == site.ns() &&
            k8s::string_field(pv, "/spec/claimRef/name") == name &&
            k8s::string_field(pv, "/spec/claimRef/uid") != current_uid) {
            return {.clone_id = plan::portworx_volume_id(pv),
                    .pv = k8s::string_field(pv, "/metadata/name"),
                    .snapshot = {},
                    .content = {}};
        }
    }
    return {};
}

} // namespace

bool made(const json& pvc) {
    return !plan::csi_data_source(pvc).empty();
}

// This run's staging VolumeSnapshots in the namespace by the PVC they make (annotation
// k_staging_pvc_key, else their name: deploy-staging names them so).
PendingSwaps pending_swaps(RestoreSite& site, const std::set<std::string>& present,
                           const std::vector<std::string>& asked) {
    return plan::pending_csi_snapshots(site.list_run("VolumeSnapshot", site.ns()), site.ns(),
                                       present, asked);
}

// A PVC deleted by an interrupted restore: made again from the target set's VolumeSnapshot, the
// PVC's others deleted.
void resume_pending(RestoreSite& site, const std::string& name,
                    const std::vector<json>& snapshots) {
    if (site.target_set().empty()) {
        const auto only = plan::only_snapshot_set(snapshots);
        if (only.empty()) {
            throw UsageError(fmt::format("pvc/{} in {} is missing (an interrupted restore) "
                                         "and its VolumeSnapshots are of several sets",
                                         name, site.ns()),
                             "give the set to restore it from with --snapshot");
        }
        site.settle_set(name, only);
    }
    const json* chosen = nullptr;
    const json* other = nullptr;
    for (const auto& snapshot : snapshots) {
        auto& slot =
            label_of(snapshot, plan::k_snapshot_set_key) == site.target_set() ? chosen : other;
        if (slot == nullptr) {
            slot = &snapshot;
        }
    }
    const auto source =
        annotation_of(chosen != nullptr ? *chosen : snapshots.front(), plan::k_source_key);
    auto [target, lineage] = site.volume(site.target_set(), source, name, csi().name());
    auto old = released_volume(site, name, {});
    if (other != nullptr) {
        old.snapshot = k8s::string_field(*other, "/metadata/name");
        old.content = k8s::string_field(*other, "/spec/source/volumeSnapshotContentName");
    }
    site.swap(name, std::move(target), lineage, old, false, false,
              chosen != nullptr ? k8s::string_field(*chosen, "/metadata/name") : std::string());
}

// A PVC annotated with what it replaces is a swap's, unfinished; it never chooses the set.
PvcSet pvc_set(const json& pvc) {
    if (annotation_of(pvc, plan::k_restore_replaces_key).empty()) {
        return {};
    }
    return {.unfinished = label_of(pvc, plan::k_snapshot_set_key), .chooses = false};
}

// No baseline: the PVC is made again from the set's VolumeSnapshot (its own when it is of the
// target set), and masked again.
void restore_pvc(RestoreSite& site, const json& pvc) {
    const auto name = k8s::string_field(pvc, "/metadata/name");
    const auto current = plan::csi_data_source(pvc);
    // The sets before the PVC's VolumeSnapshot: a missing set is refused before it is read.
    site.read_sets();
    const auto replaces = annotation_of(pvc, plan::k_restore_replaces_key);
    const auto snapshot =
        site.kube().get(k8s::resource_of("VolumeSnapshot"), site.ns(), current).value_or(json());
    const bool reuse =
        !replaces.empty() || label_of(snapshot, plan::k_snapshot_set_key) == site.target_set();
    auto [target, lineage] =
        site.volume(site.target_set(), annotation_of(pvc, plan::k_source_key), name, csi().name());
    plan::ReplacedVolume old;
    if (!replaces.empty()) {
        old.snapshot = replaced_name(replaces);
        old.content = replaced_name(annotation_of(pvc, plan::k_restore_replaces_object_key));
    } else if (!reuse) {
        old = owned_snapshot(site, name, current, snapshot);
    }
    // The volume provisioned for it goes with it, whatever the storage class's reclaim policy: a
    // Retain PV would stay Released, with its Portworx volume, until teardown.
    const auto volume = replaces.empty()
                            ? provisioned_volume(site, pvc)
                            : released_volume(site, name, k8s::string_field(pvc, "/metadata/uid"));
    old.pv = volume.pv;
    old.clone_id = volume.clone_id;
    site.swap(name, std::move(target), lineage, old, true, !replaces.empty(),
              reuse ? current : std::string());
}

} // namespace pxclone::method::csi_restore
