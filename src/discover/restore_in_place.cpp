// restore's in-place discovery (discover_in_place): which of the run's staging PVCs (and swaps an
// interrupted restore left without their PVC) are restored, to which set, and how. Method-neutral:
// each PVC's method (method::made) decides through its hooks (method::Method, "restore in place"),
// reading and adding to the plan through the method::RestoreSite this file implements.
#include "pxclone/discover/restore.hpp"
#include "pxclone/discover/staging_sources.hpp"
#include "pxclone/error.hpp"
#include "pxclone/exec/catalog.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/profile/loader.hpp"
#include "pxclone/util/time.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "restore_support.hpp"

namespace pxclone::discover {

namespace {

using nlohmann::json;
using plan::annotation_of;
using plan::label_of;
using restore_detail::find_profile_set;
using restore_detail::InPlaceTargets;
using restore_detail::Loaded;
using restore_detail::plan_one_volume;
using restore_detail::ready_snapshot;
using restore_detail::run_labels;

// What a swap needs besides the cluster's objects: the sets, the lineage of the run, the inputs.
struct SwapContext {
    const RestoreReaders& readers;
    const Loaded& loaded;
    const std::string& ns;
    std::vector<exec::SnapshotSet> sets;
    plan::Lineage lineage; // the run's: profile, run, git sha, build id, created-at
    std::chrono::system_clock::time_point made_at;
    // The ids the set source was asked for (one that lists by set is asked again for another).
    std::set<std::string> asked = {};

    // Reads the sets: once, or once per id from a source that lists by set.
    void read(const std::string& id) {
        if (!asked.empty() && (!readers.sets.lists_by_set() || asked.contains(""))) {
            return;
        }
        if (!asked.insert(id).second) {
            return;
        }
        for (auto& set : readers.sets.sets(loaded.profile, id)) {
            if (exec::find_set(sets, set.id) == nullptr) {
                sets.push_back(std::move(set));
            }
        }
    }

    const exec::SnapshotSet& set(const std::string& id) {
        if (exec::find_set(sets, id) == nullptr) {
            read(id);
        }
        return find_profile_set(sets, id, loaded.profile.name);
    }

    // The staging volume plan_staging makes for `source` from set `id` as `staging_pvc` in ns,
    // and the lineage of its objects. The set must be of `method`, the PVC's own: a swap keeps
    // the method (what one method's volume is made from, another's has not).
    std::pair<plan::StagingVolume, plan::Lineage> volume(const std::string& id,
                                                         const std::string& source,
                                                         const std::string& staging_pvc,
                                                         std::string_view method) {
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
            readers.sets, loaded.profile, ns, chosen, snapshot, staging_pvc, lineage, made_at,
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

// The masking to run again after a swap, and the workloads to bring back before it (mask.after's
// manifests), from the profile's full staging plan for the set; only for the environment
// deploy-staging made in the profile's staging namespace.
std::pair<std::optional<plan::MaskPlan>, std::set<std::string>>
mask_for(SwapContext& context, const std::string& set_id) {
    const auto& profile = context.loaded.profile;
    if (!profile.staging.mask || context.ns != profile.staging.staging_namespace) {
        return {};
    }
    const auto inputs =
        read_staging_inputs(profile, context.loaded.run, context.readers.environment);
    const auto described = context.readers.sets.describe(profile, context.set(set_id));
    auto planned =
        plan::plan_staging(method::of(described.method), profile, context.lineage, described,
                           inputs.manifests, inputs.mask_files, context.made_at);
    if (!planned.plan || !planned.plan->mask) {
        throw UsageError(fmt::format("cannot plan the masking of {} again", context.ns), "",
                         profile::format_all(planned.problems));
    }
    return {*planned.plan->mask, plan::workloads_before_mask(*planned.plan)};
}

// The plan of an in-place restore, one PVC at a time by the method that made it: a PVC already on
// the target set that has a baseline is rolled back to it, any other PVC is swapped to a volume
// made from the target set's snapshot. The sets and the run's baselines are read once, when first
// needed.
class InPlaceDiscovery final : public method::RestoreSite {
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
        adopt_lineage(!found.pvcs.empty() ? found.pvcs.front() : *found.first_pending());
        // The target set: an unfinished swap's (pending ones that name theirs first), else the
        // first PVC's that may choose it.
        for (const auto& [method, swaps] : found.pending) {
            for (const auto& [name, objects] : swaps) {
                if (method->pending_set(objects)) {
                    method->resume_pending(*this, name, objects);
                }
            }
        }
        const json* first = nullptr;
        for (const auto& pvc : found.pvcs) {
            const auto bearing = method::made(pvc).pvc_set(*this, pvc);
            if (bearing.unfinished) {
                settle_set(k8s::string_field(pvc, "/metadata/name"), *bearing.unfinished);
            }
            if (bearing.chooses && first == nullptr) {
                first = &pvc;
            }
        }
        if (m_target_set.empty() && first != nullptr) {
            m_target_set = label_of(*first, plan::k_snapshot_set_key);
        }
        for (const auto& [method, swaps] : found.pending) {
            for (const auto& [name, objects] : swaps) {
                if (!method->pending_set(objects)) {
                    method->resume_pending(*this, name, objects);
                }
            }
        }
        for (const auto& pvc : found.pvcs) {
            method::made(pvc).restore_pvc(*this, pvc);
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
            planned = plan::plan_restore_swap(m_ns, lineage, std::move(m_volumes),
                                              std::move(m_swaps), std::move(workloads),
                                              std::move(mask), before_mask, !m_without_baselines);
        }
        return relabel ? plan::with_namespace_relabel(std::move(planned)) : planned;
    }

    // ---- method::RestoreSite -------------------------------------------------------------------

    const k8s::Client& kube() const override { return m_readers.kube; }
    const px::Client& portworx() const override { return m_readers.portworx(); }
    const std::string& ns() const override { return m_ns; }
    const std::string& run_id() const override { return m_loaded.run.id; }
    const plan::Labels& ours() const override { return m_ours; }

    std::vector<json> list_run(const std::string& kind, const std::string& ns) const override {
        const auto& resource = k8s::resource_of(kind);
        return ns.empty() ? exec::list_labelled(m_readers.kube, resource, m_ours)
                          : exec::list_labelled_in(m_readers.kube, resource, m_ours, {ns});
    }

    const std::vector<json>& run_pvs() override {
        if (!m_run_pvs) {
            m_run_pvs = list_run("PersistentVolume", "");
        }
        return *m_run_pvs;
    }

    // The PV a PVC is bound to (read once); nullopt when unbound or gone.
    const std::optional<json>& pv_of(const json& pvc) override {
        const auto name = k8s::string_field(pvc, "/spec/volumeName");
        const auto found = m_pvs.find(name);
        if (found != m_pvs.end()) {
            return found->second;
        }
        auto pv = name.empty() ? std::nullopt
                               : m_readers.kube.get(k8s::resource_of("PersistentVolume"), "", name);
        return m_pvs.emplace(name, std::move(pv)).first->second;
    }

    const std::string& target_set() const override { return m_target_set; }

    void settle_set(const std::string& name, const std::string& set) override {
        if (m_target_set.empty()) {
            m_target_set = set;
        } else if (m_target_set != set) {
            throw UsageError(fmt::format("pvc/{}: a restore to snapshot set {} is unfinished; "
                                         "finish it before restoring to {}",
                                         name, set, m_target_set),
                             fmt::format("run the same restore with --snapshot {} first", set));
        }
    }

    void read_sets() override { context(); }

    std::pair<plan::StagingVolume, plan::Lineage> volume(const std::string& set,
                                                         const std::string& source,
                                                         const std::string& staging_pvc,
                                                         std::string_view method) override {
        return context().volume(set, source, staging_pvc, method);
    }

    void roll_back(plan::RestoreVolume volume) override { m_volumes.push_back(std::move(volume)); }

    // The one way a swap is made: to `target`, replacing `old` (and, for a method that has them,
    // the old clone's baselines).
    plan::SwapVolume& swap(const std::string& pvc, plan::StagingVolume target,
                           const plan::Lineage& lineage, const plan::ReplacedVolume& old,
                           bool pvc_exists, bool swapped,
                           const std::string& reuse_snapshot) override {
        const auto& method = method::of(target.method);
        if (!method.has_baselines()) {
            m_without_baselines = true;
        }
        const auto [replaces, replaces_object] = method.swap_replaces(old);
        return m_swaps.emplace_back(plan::SwapVolume{
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

private:
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

    // The swap context, with the profile's sets read (those of the target set, for a source
    // that lists by set).
    SwapContext& context() {
        if (!m_sets_loaded) {
            if (m_planned) {
                m_context.sets.insert(m_context.sets.begin(), *m_planned);
            }
            m_context.read(m_target_set);
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
    bool m_without_baselines = false; // a swap's method has no baselines: none are taken
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
    InPlaceDiscovery discovery(readers, loaded, request.ns, request.snapshot_set, request.all,
                               request.planned_set);
    const auto found = restore_detail::find_in_place(discovery, readers, loaded, request);
    return discovery.plan(found);
}

} // namespace pxclone::discover
