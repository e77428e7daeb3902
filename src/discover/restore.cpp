#include "pxclone/discover/restore.hpp"

#include "pxclone/discover/staging_sources.hpp"
#include "pxclone/error.hpp"
#include "pxclone/exec/catalog.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/plan/source_volumes.hpp"
#include "pxclone/profile/loader.hpp"
#include "pxclone/util/time.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

namespace pxclone::discover {

namespace {

using nlohmann::json;

// The profile and the run restore works for.
struct Loaded {
    const profile::Profile& profile;
    const profile::RunInfo& run;
};

using plan::annotation_of;
using plan::label_of;

// The labels every staging object of the run carries (managed-by, profile, run, role staging).
plan::Labels run_labels(const Loaded& loaded) {
    return plan::run_selector(loaded.profile.name, loaded.run.id, plan::Role::staging);
}

// The run's staging PVs (cluster-wide, by its labels), as the catalog finds labelled objects.
std::vector<json> run_pvs(const RestoreReaders& readers, const Loaded& loaded) {
    return exec::list_labelled(readers.kube, k8s::resource_of("PersistentVolume"),
                               run_labels(loaded));
}

// ---- in place ----------------------------------------------------------------------------------

// The PVCs asked for, each checked to be this run's staging PVC (exit 2 with every reason, exit
// 3 when one is missing).
std::vector<json> find_pvcs(const RestoreReaders& readers, const Loaded& loaded,
                            const InPlaceRequest& options, const std::string& ns) {
    const auto& pvcs = k8s::resource_of("PersistentVolumeClaim");
    const auto& profile = loaded.profile;
    std::vector<json> found;
    if (options.all) {
        k8s::ListOptions list;
        list.label_selector = k8s::label_selector(run_labels(loaded));
        found = readers.kube.list(pvcs, ns, list).items;
        if (found.empty()) {
            throw NotFoundError(
                fmt::format("run {} of profile {} has no staging PVC in namespace {}",
                            loaded.run.id, profile.name, ns),
                "`pxclone list` shows the environments and their namespaces");
        }
    } else {
        for (const auto& name : options.pvcs) {
            auto pvc = readers.kube.get(pvcs, ns, name);
            if (!pvc) {
                throw NotFoundError(fmt::format("persistentvolumeclaim {}/{} not found", ns, name),
                                    "give the staging namespace with -n");
            }
            found.push_back(std::move(*pvc));
        }
    }
    std::vector<std::string> refusals;
    for (const auto& pvc : found) {
        if (pvc.value(json::json_pointer("/metadata/namespace"), "").empty()) {
            continue;
        }
        const auto reason = plan::restore_refusal(pvc, profile.name, loaded.run.id,
                                                  profile.source.source_namespace);
        if (!reason.empty()) {
            refusals.push_back(fmt::format("persistentvolumeclaim {}/{}: {}", ns,
                                           pvc.value(json::json_pointer("/metadata/name"), ""),
                                           reason));
        }
    }
    if (!refusals.empty()) {
        throw UsageError(fmt::format("restore refused: only staging PVCs that pxclone made for "
                                     "run {} of profile {} can be restored",
                                     loaded.run.id, profile.name),
                         "", refusals);
    }
    return found;
}

// The set `id` of the profile; NotFoundError when there is none.
const exec::SnapshotSet& find_profile_set(const std::vector<exec::SnapshotSet>& sets,
                                          const std::string& id, const std::string& profile) {
    const auto* found = exec::find_set(sets, id);
    if (found == nullptr) {
        throw NotFoundError(fmt::format("snapshot set {} of profile {} not found", id, profile),
                            "`pxclone list` shows the sets there are");
    }
    return *found;
}

// The set's ready snapshot of `source` ("NAMESPACE/PVC"); NotFoundError naming `what` (after the
// source) when it has none, or none ready.
const exec::SetSnapshot& ready_snapshot(const exec::SnapshotSet& set, const std::string& source,
                                        const std::string& what) {
    const auto snapshot =
        std::find_if(set.snapshots.begin(), set.snapshots.end(),
                     [&source](const auto& entry) { return entry.source == source; });
    if (snapshot == set.snapshots.end() || !snapshot->ready) {
        throw NotFoundError(fmt::format("snapshot set {} has no {}snapshot of {}{}", set.id,
                                        snapshot == set.snapshots.end() ? "" : "ready ", source,
                                        what));
    }
    return *snapshot;
}

// The staging plan of one volume `staging_pvc` in `ns` from `snapshot` of `set`, generated as
// deploy-staging generates it; UsageError `failure` listing the problems when it cannot be.
plan::StagingPlan plan_one_volume(const k8s::Client& kube, const profile::Profile& profile,
                                  const std::string& ns, const exec::SnapshotSet& set,
                                  const exec::SetSnapshot& snapshot, const std::string& staging_pvc,
                                  const plan::Lineage& lineage,
                                  std::chrono::system_clock::time_point made_at,
                                  const std::string& failure) {
    const auto& source = snapshot.source;
    const auto one =
        plan::one_volume_profile(profile, ns, source.substr(source.find('/') + 1), staging_pvc);
    const auto& method = method::named(set.method);
    plan::SnapshotSet described{.id = set.id,
                                .method = method.kind(),
                                .volumes = {describe_source_volume(kube, profile, snapshot)}};
    auto planned = plan::plan_staging(method, one, lineage, described, {}, {}, made_at);
    if (!planned.plan) {
        throw UsageError(failure, "", profile::format_all(planned.problems));
    }
    return std::move(*planned.plan);
}

// "" for the "-" that stands for none in k_restore_replaces_key annotations.
std::string replaced(const std::string& value) {
    return value == "-" ? std::string() : value;
}

// What a swap needs besides the cluster's objects: the sets, the lineage of the run, the inputs.
struct SwapContext {
    const RestoreReaders& readers;
    const Loaded& loaded;
    const std::string& ns;
    std::vector<exec::SnapshotSet> sets;
    plan::Lineage lineage; // the run's: profile, run, git sha, build id, created-at
    std::chrono::system_clock::time_point made_at;

    const exec::SnapshotSet& set(const std::string& id) const {
        return find_profile_set(sets, id, loaded.profile.name);
    }

    // The staging volume plan_staging makes for `source` from set `id` as `staging_pvc` in ns,
    // and the lineage of its objects. The set must be of `method`, the PVC's own: a swap keeps
    // the method (a csi PVC has no baseline, a Portworx one no VolumeSnapshot).
    std::pair<plan::StagingVolume, plan::Lineage> volume(const std::string& id,
                                                         const std::string& source,
                                                         const std::string& staging_pvc,
                                                         std::string_view method) const {
        const auto& chosen = set(id);
        if (chosen.method != method) {
            throw UsageError(fmt::format("pvc/{} was made by the {} method and snapshot set {} "
                                         "is a {} set: a restore keeps the method",
                                         staging_pvc, method, id, chosen.method),
                             "deploy a new environment from that set");
        }
        const auto& snapshot =
            ready_snapshot(chosen, source, fmt::format(" (the source of pvc/{})", staging_pvc));
        auto planned = plan_one_volume(
            readers.kube, loaded.profile, ns, chosen, snapshot, staging_pvc, lineage, made_at,
            fmt::format("cannot make pvc/{} in {} again", staging_pvc, ns));
        return {std::move(planned.volumes.at(0)), planned.lineage};
    }
};

// The baselines of this run (one query), for matching by parent.
std::vector<px::Volume> run_baselines(const RestoreReaders& readers, const Loaded& loaded) {
    plan::Lineage lineage{.profile = loaded.profile.name, .run = loaded.run.id};
    const auto probe = plan::baseline_request(lineage, "", "");
    px::VolumeFilter filter;
    filter.labels = probe.selector;
    return readers.portworx().inspect_with_filters(filter);
}

std::vector<std::string> baselines_of(const std::vector<px::Volume>& baselines,
                                      const std::string& clone) {
    std::vector<std::string> ids;
    for (const auto& volume : baselines) {
        if (!clone.empty() && volume.parent == clone) {
            ids.push_back(volume.id);
        }
    }
    return ids;
}

// This run's PVs in ns left by a Portworx swap interrupted while their PVC was deleted: by PVC
// name (claimRef), those whose PVC is missing (and, with --pvc, asked for).
std::map<std::string, json> pending_pvs(const RestoreReaders& readers, const Loaded& loaded,
                                        const std::string& ns, const std::set<std::string>& present,
                                        const std::vector<std::string>& asked) {
    return plan::pending_swap_pvs(run_pvs(readers, loaded), ns, present, asked);
}

// csi: this run's staging VolumeSnapshots in ns by the PVC they make (annotation
// k_staging_pvc_key, else their name: deploy-staging names them so), for the PVCs missing (a swap
// interrupted after deleting its PVC) and, with --pvc, asked for.
std::map<std::string, std::vector<json>> csi_pending(const RestoreReaders& readers,
                                                     const Loaded& loaded, const std::string& ns,
                                                     const std::set<std::string>& present,
                                                     const std::vector<std::string>& asked) {
    return plan::pending_csi_snapshots(exec::list_labelled_in(readers.kube,
                                                              k8s::resource_of("VolumeSnapshot"),
                                                              run_labels(loaded), {ns}),
                                       ns, present, asked);
}

// The masking to run again after a swap, and the workloads to bring back before it (mask.after's
// manifests), from the profile's full staging plan for the set; only for the environment
// deploy-staging made in the profile's staging namespace.
std::pair<std::optional<plan::MaskPlan>, std::set<std::string>>
mask_for(const SwapContext& context, const std::string& set_id) {
    const auto& profile = context.loaded.profile;
    if (!profile.staging.mask || context.ns != profile.staging.staging_namespace) {
        return {};
    }
    const auto inputs =
        read_staging_inputs(profile, context.loaded.run, context.readers.environment);
    const auto described =
        describe_set(context.readers.kube, context.readers.pool, profile, context.set(set_id));
    auto planned =
        plan::plan_staging(method::of(described.method), profile, context.lineage, described,
                           inputs.manifests, inputs.mask_files, context.made_at);
    if (!planned.plan || !planned.plan->mask) {
        throw UsageError(fmt::format("cannot plan the masking of {} again", context.ns), "",
                         profile::format_all(planned.problems));
    }
    return {*planned.plan->mask, plan::workloads_before_mask(*planned.plan)};
}

// What an in-place restore works on: the PVCs asked for (each checked to be the run's), and by
// PVC name the swaps an interrupted restore left without their PVC (portworx: the new PV; csi:
// the PVC's VolumeSnapshots).
struct InPlaceTargets {
    std::vector<json> pvcs;
    std::map<std::string, json> pending;
    std::map<std::string, std::vector<json>> pending_csi;
};

InPlaceTargets find_in_place(const RestoreReaders& readers, const Loaded& loaded,
                             const InPlaceRequest& options, const std::string& ns) {
    InPlaceTargets found;
    // With --pvc, a missing PVC may be a swap's, interrupted.
    auto asked = options;
    std::vector<std::string> missing;
    if (!options.all) {
        asked.pvcs.clear();
        for (const auto& name : options.pvcs) {
            if (readers.kube.get(k8s::resource_of("PersistentVolumeClaim"), ns, name)) {
                asked.pvcs.push_back(name);
            } else {
                missing.push_back(name);
            }
        }
    }
    if (options.all || !asked.pvcs.empty()) {
        try {
            found.pvcs = find_pvcs(readers, loaded, asked, ns);
        } catch (const NotFoundError&) {
            if (!options.all) {
                throw;
            }
        }
    }
    std::set<std::string> present;
    for (const auto& pvc : found.pvcs) {
        present.insert(k8s::string_field(pvc, "/metadata/name"));
    }
    if (options.all || !missing.empty()) {
        found.pending = pending_pvs(readers, loaded, ns, present, missing);
        for (const auto& [name, pv] : found.pending) {
            present.insert(name);
        }
        // A profile whose method keeps no VolumeSnapshots has none to look for (nor perhaps the
        // permission).
        const auto kinds = method::of(loaded.profile.snapshot.method).kept_kinds();
        if (std::find(kinds.begin(), kinds.end(), "VolumeSnapshot") != kinds.end()) {
            found.pending_csi = csi_pending(readers, loaded, ns, present, missing);
        }
    }
    for (const auto& name : missing) {
        if (!found.pending.contains(name) && !found.pending_csi.contains(name)) {
            throw NotFoundError(fmt::format("persistentvolumeclaim {}/{} not found", ns, name),
                                "give the staging namespace with -n");
        }
    }
    if (found.pvcs.empty() && found.pending.empty() && found.pending_csi.empty()) {
        throw NotFoundError(fmt::format("run {} of profile {} has no staging PVC in namespace {}",
                                        loaded.run.id, loaded.profile.name, ns),
                            "`pxclone list` shows the environments and their namespaces");
    }
    return found;
}

// What a swap replaces, deleted once it is done ("" for none).
using Replaced = plan::ReplacedVolume;

// The plan of an in-place restore from what find_in_place found, one PVC at a time by its
// snapshot method: a Portworx PVC already on the target set is rolled back to its baseline,
// any other PVC is swapped to a volume made from the target set's snapshot. The sets and the
// run's baselines are read once, when first needed.
class InPlaceDiscovery {
public:
    // `all`: every staging PVC of the run in ns is asked for (--all). `planned`: a set a dry run
    // would have taken, listed with the profile's.
    InPlaceDiscovery(const RestoreReaders& readers, const Loaded& loaded, const std::string& ns,
                     std::string target_set, bool all, std::optional<exec::SnapshotSet> planned)
        : m_readers(readers), m_loaded(loaded), m_ns(ns), m_target_set(std::move(target_set)),
          m_all(all), m_planned(std::move(planned)), m_context{.readers = readers,
                                                               .loaded = loaded,
                                                               .ns = ns,
                                                               .sets = {},
                                                               .lineage = {},
                                                               .made_at = readers.clock.now()} {
        m_context.lineage = plan::run_lineage(loaded.profile.name, loaded.run,
                                              util::format_rfc3339(m_context.made_at));
        m_ours = run_labels(loaded);
    }

    plan::RestorePlan plan(const InPlaceTargets& found) {
        if (!found.pvcs.empty()) {
            adopt_lineage(found.pvcs.front());
        } else if (!found.pending.empty()) {
            adopt_lineage(found.pending.begin()->second);
        } else {
            adopt_lineage(found.pending_csi.begin()->second.front());
        }
        // The target set: an unfinished swap's (pending ones first), else the first PVC's.
        for (const auto& [name, pv] : found.pending) {
            portworx_pending(name, pv);
        }
        const json* first = nullptr;
        for (const auto& pvc : found.pvcs) {
            const auto name = k8s::string_field(pvc, "/metadata/name");
            if (!plan::csi_data_source(pvc).empty()) {
                if (annotation_of(pvc, plan::k_restore_replaces_key).empty()) {
                    first = first != nullptr ? first : &pvc;
                } else {
                    settle_set(name, label_of(pvc, plan::k_snapshot_set_key));
                }
                continue;
            }
            if (const auto& pv = pv_of(pvc);
                pv && !annotation_of(*pv, plan::k_restore_replaces_key).empty()) {
                settle_set(name, label_of(*pv, plan::k_snapshot_set_key));
            }
            first = first != nullptr ? first : &pvc;
        }
        if (m_target_set.empty() && first != nullptr) {
            m_target_set = label_of(*first, plan::k_snapshot_set_key);
        }
        for (const auto& [name, snapshots] : found.pending_csi) {
            csi_pending(name, snapshots);
        }
        for (const auto& pvc : found.pvcs) {
            if (plan::csi_data_source(pvc).empty()) {
                portworx_pvc(pvc);
            } else {
                csi_pvc(pvc);
            }
        }
        find_baselines();

        std::set<std::string> names;
        for (const auto& swap : m_swaps) {
            names.insert(swap.pvc);
        }
        for (const auto& volume : m_volumes) {
            names.insert(volume.pvc);
        }
        const auto& kube = m_readers.kube;
        auto workloads =
            plan::workloads_mounting(kube.list(k8s::resource_of("Deployment"), m_ns).items,
                                     kube.list(k8s::resource_of("StatefulSet"), m_ns).items, names);
        for (auto& workload : workloads) {
            if (workload.ns.empty()) {
                workload.ns = m_ns;
            }
        }
        const bool relabel = relabels_namespace(names);
        plan::RestorePlan planned;
        if (m_swaps.empty()) {
            planned = plan::plan_restore_in_place(m_ns, m_loaded.run.id, m_target_set,
                                                  std::move(m_volumes), std::move(workloads));
        } else {
            auto [mask, before_mask] = mask_for(m_context, m_target_set);
            auto lineage = m_context.lineage;
            lineage.role = plan::Role::staging;
            lineage.snapshot_set = m_target_set;
            planned =
                plan::plan_restore_swap(m_ns, lineage, std::move(m_volumes), std::move(m_swaps),
                                        std::move(workloads), std::move(mask), before_mask, !m_csi);
        }
        return relabel ? plan::with_namespace_relabel(std::move(planned)) : planned;
    }

private:
    // ---- portworx ------------------------------------------------------------------------------

    // A swap interrupted after its PVC was deleted: made again from its new PV.
    void portworx_pending(const std::string& name, const json& pv) {
        const auto set = label_of(pv, plan::k_snapshot_set_key);
        settle_set(name, set);
        auto [target, lineage] =
            context().volume(set, annotation_of(pv, plan::k_source_key), name, "portworx");
        add_swap(name, std::move(target), lineage,
                 {.clone_id = replaced(annotation_of(pv, plan::k_restore_replaces_key)),
                  .pv = replaced(annotation_of(pv, plan::k_restore_replaces_object_key))},
                 false, false);
    }

    void portworx_pvc(const json& pvc) {
        const auto name = k8s::string_field(pvc, "/metadata/name");
        const auto source = annotation_of(pvc, plan::k_source_key);
        const auto& pv = pv_of(pvc);
        const auto clone = pv ? plan::portworx_volume_id(*pv) : std::string();
        if (clone.empty()) {
            throw NotFoundError(
                fmt::format("pvc/{} in {} is not bound to a Portworx volume", name, m_ns));
        }
        if (const auto replaces = annotation_of(*pv, plan::k_restore_replaces_key);
            !replaces.empty()) {
            // A swap that got as far as the new PVC: mask, baseline, clear are left.
            auto [target, lineage] =
                context().volume(label_of(pvc, plan::k_snapshot_set_key), source, name, "portworx");
            add_swap(name, plan::with_clone_id(std::move(target), clone), lineage,
                     {.clone_id = replaced(replaces),
                      .pv = replaced(annotation_of(*pv, plan::k_restore_replaces_object_key))},
                     true, true);
            m_swaps.back().target.clone_id = clone;
            return;
        }
        if (label_of(pvc, plan::k_snapshot_set_key) == m_target_set) {
            m_volumes.push_back({.pvc = name, .clone_id = clone, .baseline_id = {}});
            return;
        }
        // Another set: a new clone of that set's snapshot under the same PVC name. The PV and
        // clone are deleted once replaced: they must be this run's.
        const auto pv_name = k8s::string_field(pvc, "/spec/volumeName");
        const auto old_volume = m_readers.portworx().inspect(clone);
        if (!k8s::has_labels(*pv, m_ours) || !old_volume ||
            !plan::carries_labels(old_volume->labels, m_ours)) {
            throw UsageError(fmt::format("pvc/{} is bound to persistentvolume {} (Portworx volume "
                                         "{}), which run {} did not make; it is not replaced",
                                         name, pv_name, clone, m_loaded.run.id),
                             "deploy the environment again");
        }
        auto [target, lineage] = context().volume(m_target_set, source, name, "portworx");
        add_swap(name, std::move(target), lineage, {.clone_id = clone, .pv = pv_name}, true, false);
    }

    // The PV a PVC is bound to (read once); nullopt when unbound or gone.
    const std::optional<json>& pv_of(const json& pvc) {
        const auto name = k8s::string_field(pvc, "/spec/volumeName");
        const auto found = m_pvs.find(name);
        if (found != m_pvs.end()) {
            return found->second;
        }
        auto pv = name.empty() ? std::nullopt
                               : m_readers.kube.get(k8s::resource_of("PersistentVolume"), "", name);
        return m_pvs.emplace(name, std::move(pv)).first->second;
    }

    // The baseline of every volume rolled back in place; exit 3 naming those that have none.
    void find_baselines() {
        std::vector<std::string> missing;
        const plan::Lineage lineage{.profile = m_loaded.profile.name, .run = m_loaded.run.id};
        for (auto& volume : m_volumes) {
            const auto request = plan::baseline_request(lineage, volume.pvc, volume.clone_id);
            if (const auto* baseline = plan::find_baseline(request, baselines())) {
                volume.baseline_id = baseline->id;
            } else {
                missing.push_back(
                    fmt::format("pvc/{} (Portworx volume {})", volume.pvc, volume.clone_id));
            }
        }
        if (!missing.empty()) {
            throw NotFoundError(fmt::format("no baseline snapshot for {}: nothing to roll back to",
                                            fmt::join(missing, ", ")),
                                "deploy-staging takes it once the data is masked; an environment "
                                "deployed before baselines existed must be deployed again");
        }
    }

    // ---- csi -----------------------------------------------------------------------------------

    // A PVC deleted by an interrupted restore: made again from the target set's VolumeSnapshot,
    // the PVC's others deleted.
    void csi_pending(const std::string& name, const std::vector<json>& snapshots) {
        m_csi = true;
        if (m_target_set.empty()) {
            m_target_set = plan::only_snapshot_set(snapshots);
            if (m_target_set.empty()) {
                throw UsageError(fmt::format("pvc/{} in {} is missing (an interrupted restore) "
                                             "and its VolumeSnapshots are of several sets",
                                             name, m_ns),
                                 "give the set to restore it from with --snapshot");
            }
        }
        const json* chosen = nullptr;
        const json* other = nullptr;
        for (const auto& snapshot : snapshots) {
            auto& slot =
                label_of(snapshot, plan::k_snapshot_set_key) == m_target_set ? chosen : other;
            if (slot == nullptr) {
                slot = &snapshot;
            }
        }
        const auto& sets = context();
        const auto source =
            annotation_of(chosen != nullptr ? *chosen : snapshots.front(), plan::k_source_key);
        auto [target, lineage] = sets.volume(m_target_set, source, name, "csi");
        Replaced old = released_volume(name, {});
        if (other != nullptr) {
            old.snapshot = k8s::string_field(*other, "/metadata/name");
            old.content = k8s::string_field(*other, "/spec/source/volumeSnapshotContentName");
        }
        add_swap(name, std::move(target), lineage, old, false, false,
                 chosen != nullptr ? k8s::string_field(*chosen, "/metadata/name") : std::string());
    }

    // No baseline: the PVC is made again from the set's VolumeSnapshot (its own when it is of the
    // target set), and masked again.
    void csi_pvc(const json& pvc) {
        m_csi = true;
        const auto name = k8s::string_field(pvc, "/metadata/name");
        const auto current = plan::csi_data_source(pvc);
        const auto& sets = context();
        const auto replaces = annotation_of(pvc, plan::k_restore_replaces_key);
        const auto snapshot =
            m_readers.kube.get(k8s::resource_of("VolumeSnapshot"), m_ns, current).value_or(json());
        const bool reuse =
            !replaces.empty() || label_of(snapshot, plan::k_snapshot_set_key) == m_target_set;
        auto [target, lineage] =
            sets.volume(m_target_set, annotation_of(pvc, plan::k_source_key), name, "csi");
        Replaced old;
        if (!replaces.empty()) {
            old.snapshot = replaced(replaces);
            old.content = replaced(annotation_of(pvc, plan::k_restore_replaces_object_key));
        } else if (!reuse) {
            old = owned_snapshot(name, current, snapshot);
        }
        // The volume provisioned for it goes with it, whatever the storage class's reclaim
        // policy: a Retain PV would stay Released, with its Portworx volume, until teardown.
        const auto volume = replaces.empty()
                                ? provisioned_volume(pvc)
                                : released_volume(name, k8s::string_field(pvc, "/metadata/uid"));
        old.pv = volume.pv;
        old.clone_id = volume.clone_id;
        add_swap(name, std::move(target), lineage, old, true, !replaces.empty(),
                 reuse ? current : std::string());
    }

    // The staging VolumeSnapshot `name` a csi PVC is made from, and its content: deleted once
    // replaced, so they must be this run's (a production snapshot's content must never go).
    Replaced owned_snapshot(const std::string& pvc, const std::string& name,
                            const json& snapshot) const {
        Replaced old{.snapshot = name};
        old.content = k8s::string_field(snapshot, "/spec/source/volumeSnapshotContentName");
        if (old.content.empty()) {
            old.content = k8s::string_field(snapshot, "/status/boundVolumeSnapshotContentName");
        }
        const auto content =
            old.content.empty()
                ? std::nullopt
                : m_readers.kube.get(k8s::resource_of("VolumeSnapshotContent"), "", old.content);
        if (!k8s::has_labels(snapshot, m_ours) || (content && !k8s::has_labels(*content, m_ours))) {
            throw UsageError(fmt::format("pvc/{} was made from volumesnapshot {} (content {}), "
                                         "which run {} did not make; it is not replaced",
                                         pvc, name, old.content, m_loaded.run.id),
                             "deploy the environment again");
        }
        return old;
    }

    // The PV a csi PVC is bound to and the Portworx volume behind it, when that PV was
    // provisioned for this very PVC (its claimRef has the PVC's uid): nothing else is ours to
    // delete.
    Replaced provisioned_volume(const json& pvc) {
        const auto& pv = pv_of(pvc);
        if (!pv || k8s::string_field(*pv, "/spec/claimRef/uid").empty() ||
            k8s::string_field(*pv, "/spec/claimRef/uid") !=
                k8s::string_field(pvc, "/metadata/uid")) {
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
    Replaced released_volume(const std::string& name, const std::string& current_uid) {
        if (!m_run_pvs) {
            m_run_pvs = run_pvs(m_readers, m_loaded);
        }
        for (const auto& pv : *m_run_pvs) {
            if (k8s::string_field(pv, "/spec/claimRef/namespace") == m_ns &&
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

    // ---- both ----------------------------------------------------------------------------------

    // Whether the namespace's set label must follow the target set: it is the run's staging
    // namespace, its label names another set, and once the plan is done every staging PVC of the
    // run in it (`planned`, the others as they are) is on the target set. Also true when a
    // finished swap was interrupted before the label.
    bool relabels_namespace(const std::set<std::string>& planned) const {
        const auto& kube = m_readers.kube;
        const auto ns = kube.get(k8s::resource_of("Namespace"), "", m_ns);
        if (!ns || !k8s::has_labels(*ns, m_ours) ||
            label_of(*ns, plan::k_snapshot_set_key) == m_target_set) {
            return false;
        }
        if (m_all) {
            return true;
        }
        k8s::ListOptions list;
        list.label_selector = k8s::label_selector(m_ours);
        const auto pvcs = kube.list(k8s::resource_of("PersistentVolumeClaim"), m_ns, list).items;
        return plan::all_on_set(pvcs, planned, m_target_set);
    }

    // The new objects keep the environment's lineage (and so its expiry).
    void adopt_lineage(const json& object) {
        auto adopted = plan::adopt_lineage(m_context.lineage, object, m_context.made_at);
        m_context.lineage = std::move(adopted.lineage);
        m_context.made_at = adopted.made_at;
    }

    void settle_set(const std::string& name, const std::string& set) {
        if (m_target_set.empty()) {
            m_target_set = set;
        } else if (m_target_set != set) {
            throw UsageError(fmt::format("pvc/{}: a restore to snapshot set {} is unfinished; "
                                         "finish it before restoring to {}",
                                         name, set, m_target_set),
                             fmt::format("run the same restore with --snapshot {} first", set));
        }
    }

    // The swap context, with the profile's sets read.
    const SwapContext& context() {
        if (!m_sets_loaded) {
            m_context.sets =
                exec::Catalog(
                    m_readers.kube, m_readers.portworx(),
                    exec::catalog_scope(m_loaded.profile,
                                        method::of(m_loaded.profile.snapshot.method).kept_kinds()))
                    .snapshot_sets(m_loaded.profile.name);
            if (m_planned) {
                m_context.sets.insert(m_context.sets.begin(), *m_planned);
            }
            m_sets_loaded = true;
        }
        return m_context;
    }

    const std::vector<px::Volume>& baselines() {
        if (!m_baselines) {
            m_baselines = run_baselines(m_readers, m_loaded);
        }
        return *m_baselines;
    }

    // The one way a swap is made: to `target`, replacing `old` (and, portworx, its baselines).
    void add_swap(const std::string& pvc, plan::StagingVolume target, const plan::Lineage& lineage,
                  const Replaced& old, bool pvc_exists, bool swapped,
                  const std::string& reuse_snapshot = {}) {
        const auto& method = method::of(target.method);
        const auto [replaces, replaces_object] = method.swap_replaces(old);
        m_swaps.push_back(plan::SwapVolume{
            .pvc = pvc,
            .target = method.swap_target(std::move(target), lineage, replaces, replaces_object,
                                         reuse_snapshot),
            .replaces = replaces,
            .old_clone_id = old.clone_id,
            .old_baselines = method.has_baselines() ? baselines_of(baselines(), old.clone_id)
                                                    : std::vector<std::string>{},
            .old_pv = old.pv,
            .old_snapshot = old.snapshot,
            .old_content = old.content,
            .pvc_exists = pvc_exists,
            .swapped = swapped});
    }

    const RestoreReaders& m_readers;
    const Loaded& m_loaded;
    const std::string& m_ns;
    std::string m_target_set;
    bool m_all = false;
    std::optional<exec::SnapshotSet> m_planned;
    SwapContext m_context;
    bool m_sets_loaded = false;
    std::optional<std::vector<px::Volume>> m_baselines;
    plan::Labels m_ours;
    std::map<std::string, std::optional<json>> m_pvs; // by name
    std::optional<std::vector<json>> m_run_pvs;       // this run's staging PVs, listed once
    std::vector<plan::RestoreVolume> m_volumes;       // rolled back to their baselines
    std::vector<plan::SwapVolume> m_swaps;
    bool m_csi = false;
};

} // namespace

plan::RestorePlan discover_in_place(const RestoreReaders& readers, const profile::Profile& profile,
                                    const profile::RunInfo& run, const InPlaceRequest& request) {
    if (request.ns == profile.source.source_namespace) {
        throw UsageError(fmt::format("restore refused: namespace {} is the source namespace; "
                                     "production volumes are never restored",
                                     request.ns),
                         "give the staging namespace with -n");
    }
    const Loaded loaded{.profile = profile, .run = run};
    const auto found = find_in_place(readers, loaded, request, request.ns);
    return InPlaceDiscovery(readers, loaded, request.ns, request.snapshot_set, request.all,
                            request.planned_set)
        .plan(found);
}

NewPvc discover_new_pvc(const RestoreReaders& readers, const profile::Profile& profile,
                        const profile::RunInfo& run, const NewPvcRequest& request) {
    const auto& ns = request.ns;
    const auto source = fmt::format("{}/{}", profile.source.source_namespace, request.from);
    const auto& kube = readers.kube;

    // The namespace, the set and its snapshot of the source PVC.
    if (!kube.get(k8s::resource_of("Namespace"), "", ns)) {
        throw NotFoundError(fmt::format("namespace {} not found", ns),
                            "create it first; pxclone does not own it");
    }
    const exec::Catalog catalog(
        kube, readers.portworx(),
        exec::catalog_scope(profile, method::of(profile.snapshot.method).kept_kinds()));
    const auto sets = catalog.snapshot_sets(profile.name);
    const auto& set = find_profile_set(sets, request.snapshot_set, profile.name);
    const auto& snapshot = ready_snapshot(set, source, "");

    // The PVC may exist: ours from this set and source (a re-run: adopt it under its own run),
    // or anything else (refused).
    const auto start = readers.clock.now();
    plan::AdoptedLineage adopted{.lineage = {.profile = profile.name,
                                             .run = run.id,
                                             .git_sha = run.git_sha.value_or(""),
                                             .build_id = run.build_id,
                                             .created_at = util::format_rfc3339(start)},
                                 .made_at = start}; // expires-at counts from here
    if (const auto existing =
            kube.get(k8s::resource_of("PersistentVolumeClaim"), ns, request.pvc)) {
        if (!plan::is_new_pvc_copy(*existing, profile.name, request.snapshot_set, source)) {
            throw UsageError(
                fmt::format("persistentvolumeclaim {}/{} exists and is not pxclone's copy of {} "
                            "from snapshot set {}",
                            ns, request.pvc, source, request.snapshot_set),
                "choose another --new-pvc name");
        }
        // Its own lineage, so that the clone, PV and baseline it has are recognised as its.
        adopted.lineage.run = label_of(*existing, plan::k_run_key);
        adopted = plan::adopt_lineage(std::move(adopted.lineage), *existing, adopted.made_at);
        readers.note(
            fmt::format("pvc/{} exists (run {}): checking it", request.pvc, adopted.lineage.run));
    }

    // The staging generation for one volume in `ns`, nothing else.
    auto planned =
        plan_one_volume(kube, profile, ns, set, snapshot, request.pvc, adopted.lineage,
                        adopted.made_at, fmt::format("cannot make pvc/{} in {}", request.pvc, ns));
    // The namespace is the user's: only the volume, its wait and its baseline.
    planned.steps = {{plan::StepKind::make_volumes, 0}, {plan::StepKind::wait_volumes, 0}};
    return {.plan = std::move(planned), .start = start};
}
} // namespace pxclone::discover
