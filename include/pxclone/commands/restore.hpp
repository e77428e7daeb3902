// `pxclone restore`, callable on a ready Session (the CLI builds one on the real cluster; unit
// tests on strict fake transports).
#pragma once

#include "pxclone/commands/global_options.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/commands/staging_data.hpp"
#include "pxclone/discover/restore.hpp"
#include "pxclone/plan/restore_plan.hpp"
#include "pxclone/util/environment.hpp"

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace pxclone::cmd {

struct RestoreOptions {
    std::string snapshot_set;      // --snapshot
    std::vector<std::string> pvcs; // --pvc
    bool all = false;              // --all
    std::string ns;                // -n
    std::string new_pvc;           // --new-pvc
    std::string from;              // --from
};

// Validate: one mode (in place: --run and --pvc... | --all; or --new-pvc with --snapshot, -n and
// --from, never into the source namespace), -o text, json or yaml. Throws UsageError.
void validate_restore(const GlobalOptions& globals, const RestoreOptions& options,
                      const profile::Profile& profile);

// Run: discover (reads only; refuses PVCs pxclone did not make for this profile and run) → plan
// → the session's restore and staging runners (under --dry-run they print every write instead)
// → report on streams.out.
void restore(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
             const RestoreOptions& options, const util::Environment& environment, Streams streams);

// An in-place restore that ran: its plan, the new volume of each swap (plan order), and whether
// the runners sent (false under --dry-run: they printed every write to `dry_out` instead).
struct InPlaceResult {
    plan::RestorePlan plan;
    std::vector<std::string> ids;
    bool sent = true;
};

// The in-place restore of restore(), for the commands that compose it (refresh): discover (reads
// only) -> plan -> the session's restore and staging runners; the sets and the volumes of swaps
// come from `data` (this cluster's snapshots, or a staging cluster's cloud backups). `before_run`
// sees the plan and whether the runners send before they run (a dry run's summary precedes its
// requests). `finish_command`: the command an interrupted restore names to finish it. Throws as
// restore().
InPlaceResult
restore_in_place(Session& session, const StagingData& data, const LoadedProfile& loaded,
                 const discover::InPlaceRequest& request, const util::Environment& environment,
                 std::ostream& dry_out, const std::string& finish_command,
                 const std::function<void(const plan::RestorePlan&, bool sends)>& before_run = {});

} // namespace pxclone::cmd
