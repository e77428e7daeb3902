// What `pxclone restore` reads before it plans: the run's staging PVCs (and what an interrupted
// swap left without one), their PVs and clones, the profile's snapshot sets, the baselines and the
// workloads mounting them. Reads only; every write is the plan's (plan/restore_plan.hpp), sent by
// exec/restore_runner.hpp. Reads are made in the order the decisions need them, and only those
// (the sets and baselines when first needed), so that a refusal sends as little as possible.
//
// A layer of its own, between commands/ and the clients: it is read-only (exec/ holds the runners
// that write), depends on clients, catalog and planners, and nothing but commands/ calls it.
#pragma once

#include "pxclone/discover/set_source.hpp"
#include "pxclone/exec/catalog.hpp"
#include "pxclone/k8s/client.hpp"
#include "pxclone/plan/restore_plan.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/profile/run_info.hpp"
#include "pxclone/px/client.hpp"
#include "pxclone/util/clock.hpp"
#include "pxclone/util/environment.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pxclone::discover {

// What discovery reads with. All must outlive the call.
struct RestoreReaders {
    const k8s::Client& kube;
    // The Portworx client, made on first use (its token may be read from a Secret).
    std::function<const px::Client&()> portworx;
    util::WorkerPool& pool; // describes a set's source volumes in parallel
    // Where the sets are found and described (this cluster's snapshots, or the cloud backups a
    // staging cluster of its own restores from: commands/staging_data.hpp chooses).
    const SetSource& sets;
    const util::Clock& clock;
    const util::Environment& environment;         // substitutions of the staging manifests
    std::function<void(const std::string&)> note; // a progress line (stderr)
};

// --pvc NAME... | --all in namespace `ns`, to the PVCs' own set or `snapshot_set`.
struct InPlaceRequest {
    std::string ns;
    std::vector<std::string> pvcs;
    bool all = false;
    std::string snapshot_set; // "" for the PVCs' own set
    // A set a dry run would have taken (it exists only in its record, planned_set()): the swaps
    // are planned to it as if it were listed.
    std::optional<exec::SnapshotSet> planned_set;
};

// The plan of an in-place restore: roll-backs to baselines (PVCs already on the target set,
// Portworx: the baseline is the clone's snapshot deploy-staging took once the data was masked, so
// no unmasked production data comes back) and swaps (another set, csi, or an interrupted swap
// resumed: the PVC made again from the set's snapshot as deploy-staging makes it, masked again).
// Throws UsageError (exit 2): `ns` is the source namespace; a PVC is not this run's staging PVC
// (every reason listed); an unfinished swap to another set; a PVC or volume the run did not make
// would be replaced; the set's method is not the PVC's. NotFoundError (exit 3): a PVC asked for is
// missing, the run has no staging PVC in `ns`, the set or its snapshot of a PVC's source is
// missing, a volume has no baseline. Errors of the reads propagate.
plan::RestorePlan discover_in_place(const RestoreReaders& readers, const profile::Profile& profile,
                                    const profile::RunInfo& run, const InPlaceRequest& request);

// --new-pvc NAME -n NS --from SOURCE_PVC --snapshot SET.
struct NewPvcRequest {
    std::string ns;
    std::string pvc;
    std::string from;
    std::string snapshot_set;
};

struct NewPvc {
    // The one volume and its wait (the namespace is the user's); its lineage's run is this run,
    // or an existing copy's (a re-run).
    plan::StagingPlan plan;
    std::chrono::system_clock::time_point start; // when discovery began: the wait counts from it
};

// The plan of a new PVC from the set's snapshot of the source PVC, generated as deploy-staging
// does (Portworx clone + static PV + PVC, or a CSI PVC with dataSource), labelled as a one-volume
// staging environment of the run (role staging), so that `list` shows it and `teardown --run`
// removes it; the runner then takes its baseline, so that it can itself be restored in place. An
// existing PVC of that name that is pxclone's copy of the same source and set is adopted under its
// own run (noted); anything else is refused (UsageError). NotFoundError: the namespace, the set or
// its ready snapshot of the source is missing.
NewPvc discover_new_pvc(const RestoreReaders& readers, const profile::Profile& profile,
                        const profile::RunInfo& run, const NewPvcRequest& request);

} // namespace pxclone::discover
