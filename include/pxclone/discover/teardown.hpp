// What a teardown deletes: which runs and snapshot sets are chosen (--run, --expired, --all,
// --snapshots) from what the catalog shows, and which sets stay because another environment uses
// them. Reads only.
#pragma once

#include "pxclone/exec/catalog.hpp"
#include "pxclone/plan/teardown_plan.hpp"
#include "pxclone/profile/profile.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pxclone::discover {

// How the runs are chosen: exactly one of `run`, `expired`, `all`.
struct TeardownRequest {
    std::optional<std::string> run; // --run ID
    bool expired = false;           // --expired: every environment whose TTL has passed
    bool all = false;               // --all: every environment of the profile
    bool snapshots = false;         // --snapshots: also the sets these runs used or took
};

// The runs and sets chosen, and the sets kept because another environment uses them.
struct TeardownSelection {
    plan::TeardownTarget target;
    std::map<std::string, std::vector<std::string>> kept_sets; // set -> runs still using it
};

// The selection from what exists (pure): the runs of `request`; with `snapshots`, the sets those
// runs used and a set a run took itself (deploy-staging --fresh: the set's id is the run id),
// except the sets an environment outside the selection still uses (kept_sets names its runs).
TeardownSelection select_teardown(const profile::Profile& profile, const TeardownRequest& request,
                                  const exec::StagingObjects& staging,
                                  const std::vector<exec::SnapshotSet>& sets,
                                  std::chrono::system_clock::time_point now);

// Reads the staging objects (and, with `snapshots`, the sets) through `catalog`, then
// select_teardown. Throws ApiError/SdkError when a listing fails.
TeardownSelection discover_teardown(const exec::Catalog& catalog, const profile::Profile& profile,
                                    const TeardownRequest& request,
                                    std::chrono::system_clock::time_point now);

// The snapshot sets the plan found but did not select because --snapshots was not given (for the
// note "snapshot set S kept (add --snapshots to delete it)"); empty with `snapshots`.
std::set<std::string> sets_not_asked(const plan::TeardownPlan& plan, bool snapshots);

} // namespace pxclone::discover
