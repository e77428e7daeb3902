// restore's discovery for --new-pvc, and what the in-place discovery (restore_in_place.cpp)
// shares with it (restore_support.hpp).
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

#include <fmt/format.h>

#include "restore_support.hpp"

namespace pxclone::discover {

namespace restore_detail {

plan::Labels run_labels(const Loaded& loaded) {
    return plan::run_selector(loaded.profile.name, loaded.run.id, plan::Role::staging);
}

const exec::SnapshotSet& find_profile_set(const std::vector<exec::SnapshotSet>& sets,
                                          const std::string& id, const std::string& profile) {
    const auto* found = exec::find_set(sets, id);
    if (found == nullptr) {
        throw NotFoundError(fmt::format("snapshot set {} of profile {} not found", id, profile),
                            "`pxclone list` shows the sets there are");
    }
    return *found;
}

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

plan::StagingPlan plan_one_volume(const SetSource& sets, const profile::Profile& profile,
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
                                .volumes = {sets.describe_volume(profile, set, snapshot)}};
    auto planned = plan::plan_staging(method, one, lineage, described, {}, {}, made_at);
    if (!planned.plan) {
        throw UsageError(failure, "", profile::format_all(planned.problems));
    }
    return std::move(*planned.plan);
}

} // namespace restore_detail

using plan::label_of;
using restore_detail::find_profile_set;
using restore_detail::plan_one_volume;
using restore_detail::ready_snapshot;

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
    const auto sets = readers.sets.sets(profile, request.snapshot_set);
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
        plan_one_volume(readers.sets, profile, ns, set, snapshot, request.pvc, adopted.lineage,
                        adopted.made_at, fmt::format("cannot make pvc/{} in {}", request.pvc, ns));
    // The namespace is the user's: only the volume, its wait and its baseline.
    planned.steps = {{plan::StepKind::make_volumes, 0}, {plan::StepKind::wait_volumes, 0}};
    return {.plan = std::move(planned), .start = start};
}
} // namespace pxclone::discover
