// What discover/restore.cpp (--new-pvc) and discover/restore_in_place.cpp share: the profile and
// run restored for, and how one staging volume is planned from a set's snapshot as
// deploy-staging plans it.
#pragma once

#include "pxclone/discover/restore.hpp"
#include "pxclone/exec/catalog.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/plan/lineage.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/profile/run_info.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace pxclone::discover::restore_detail {

// The profile and the run restore works for.
struct Loaded {
    const profile::Profile& profile;
    const profile::RunInfo& run;
};

// The labels every staging object of the run carries (managed-by, profile, run, role staging).
plan::Labels run_labels(const Loaded& loaded);

// The set `id` of the profile; NotFoundError when there is none.
const exec::SnapshotSet& find_profile_set(const std::vector<exec::SnapshotSet>& sets,
                                          const std::string& id, const std::string& profile);

// The set's ready snapshot of `source` ("NAMESPACE/PVC"); NotFoundError naming `what` (after the
// source) when it has none, or none ready.
const exec::SetSnapshot& ready_snapshot(const exec::SnapshotSet& set, const std::string& source,
                                        const std::string& what);

// The staging plan of one volume `staging_pvc` in `ns` from `snapshot` of `set`, generated as
// deploy-staging generates it (the snapshot described by `sets`); UsageError `failure` listing the
// problems when it cannot be.
plan::StagingPlan plan_one_volume(const SetSource& sets, const profile::Profile& profile,
                                  const std::string& ns, const exec::SnapshotSet& set,
                                  const exec::SetSnapshot& snapshot, const std::string& staging_pvc,
                                  const plan::Lineage& lineage,
                                  std::chrono::system_clock::time_point made_at,
                                  const std::string& failure);

// What an in-place restore works on: the PVCs asked for (each checked to be the run's), and each
// method's swaps an interrupted restore left without their PVC (in method::every()'s order).
struct InPlaceTargets {
    std::vector<nlohmann::json> pvcs;
    std::vector<std::pair<const method::Method*, method::PendingSwaps>> pending;

    // Whether some method found a pending swap of pvc/`name`.
    bool has_pending(const std::string& name) const {
        return std::any_of(pending.begin(), pending.end(),
                           [&name](const auto& entry) { return entry.second.contains(name); });
    }
    // The first object of the first pending swap (the environment's lineage); nullptr for none.
    const nlohmann::json* first_pending() const {
        for (const auto& entry : pending) {
            if (!entry.second.empty()) {
                return &entry.second.begin()->second.front();
            }
        }
        return nullptr;
    }
};

// The PVCs `options` asks for in site.ns(), each checked to be the run's staging PVC (UsageError
// listing every reason), and the swaps each method finds left without their PVC. NotFoundError: a
// PVC asked for is neither there nor a pending swap's; the run has nothing in the namespace.
InPlaceTargets find_in_place(method::RestoreSite& site, const RestoreReaders& readers,
                             const Loaded& loaded, const InPlaceRequest& options);

} // namespace pxclone::discover::restore_detail
