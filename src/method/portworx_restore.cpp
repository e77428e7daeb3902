// method: portworx — restore in place. A staging PVC is bound to a static PV of a Portworx clone:
// on its own set it is rolled back to its baseline, else swapped to a new clone of the target
// set's snapshot; a swap interrupted after deleting the PVC is found by its new PV.
#include "pxclone/error.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/plan/source_volumes.hpp"

#include <fmt/format.h>

#include "restore_hooks.hpp"

namespace pxclone::method::portworx_restore {

using nlohmann::json;
using plan::annotation_of;
using plan::label_of;

bool made(const json& pvc) {
    return plan::csi_data_source(pvc).empty();
}

PendingSwaps pending_swaps(RestoreSite& site, const std::set<std::string>& present,
                           const std::vector<std::string>& asked) {
    PendingSwaps pending;
    for (auto& [name, pv] :
         plan::pending_swap_pvs(site.list_run("PersistentVolume", ""), site.ns(), present, asked)) {
        pending[name].push_back(std::move(pv));
    }
    return pending;
}

std::string pending_set(const std::vector<json>& objects) {
    return label_of(objects.front(), plan::k_snapshot_set_key);
}

// A swap interrupted after its PVC was deleted: made again from its new PV.
void resume_pending(RestoreSite& site, const std::string& name, const std::vector<json>& objects) {
    const auto& pv = objects.front();
    const auto set = label_of(pv, plan::k_snapshot_set_key);
    site.settle_set(name, set);
    auto [target, lineage] =
        site.volume(set, annotation_of(pv, plan::k_source_key), name, portworx().name());
    site.swap(name, std::move(target), lineage,
              {.clone_id = replaced_name(annotation_of(pv, plan::k_restore_replaces_key)),
               .pv = replaced_name(annotation_of(pv, plan::k_restore_replaces_object_key))},
              false, false);
}

// A PVC whose PV was made by a swap (annotated with what it replaces) is that swap's, unfinished.
PvcSet pvc_set(RestoreSite& site, const json& pvc) {
    PvcSet bearing;
    if (const auto& pv = site.pv_of(pvc);
        pv && !annotation_of(*pv, plan::k_restore_replaces_key).empty()) {
        bearing.unfinished = label_of(*pv, plan::k_snapshot_set_key);
    }
    return bearing;
}

void restore_pvc(RestoreSite& site, const json& pvc) {
    const auto name = k8s::string_field(pvc, "/metadata/name");
    const auto source = annotation_of(pvc, plan::k_source_key);
    const auto& pv = site.pv_of(pvc);
    const auto clone = pv ? plan::portworx_volume_id(*pv) : std::string();
    if (clone.empty()) {
        throw NotFoundError(
            fmt::format("pvc/{} in {} is not bound to a Portworx volume", name, site.ns()));
    }
    if (const auto replaces = annotation_of(*pv, plan::k_restore_replaces_key); !replaces.empty()) {
        // A swap that got as far as the new PVC: mask, baseline, clear are left.
        auto [target, lineage] =
            site.volume(label_of(pvc, plan::k_snapshot_set_key), source, name, portworx().name());
        auto& swap = site.swap(
            name, plan::with_clone_id(std::move(target), clone), lineage,
            {.clone_id = replaced_name(replaces),
             .pv = replaced_name(annotation_of(*pv, plan::k_restore_replaces_object_key))},
            true, true);
        swap.target.clone_id = clone;
        return;
    }
    if (label_of(pvc, plan::k_snapshot_set_key) == site.target_set()) {
        site.roll_back({.pvc = name, .clone_id = clone, .baseline_id = {}});
        return;
    }
    // Another set: a new clone of that set's snapshot under the same PVC name. The PV and clone
    // are deleted once replaced: they must be this run's.
    const auto pv_name = k8s::string_field(pvc, "/spec/volumeName");
    const auto old_volume = site.portworx().inspect(clone);
    if (!k8s::has_labels(*pv, site.ours()) || !old_volume ||
        !plan::carries_labels(old_volume->labels, site.ours())) {
        throw UsageError(fmt::format("pvc/{} is bound to persistentvolume {} (Portworx volume "
                                     "{}), which run {} did not make; it is not replaced",
                                     name, pv_name, clone, site.run_id()),
                         "deploy the environment again");
    }
    auto [target, lineage] = site.volume(site.target_set(), source, name, portworx().name());
    site.swap(name, std::move(target), lineage, {.clone_id = clone, .pv = pv_name}, true, false);
}

} // namespace pxclone::method::portworx_restore
