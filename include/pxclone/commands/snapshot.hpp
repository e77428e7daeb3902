// `pxclone snapshot`, and taking a snapshot set, which `pxclone deploy-staging --fresh` shares.
#pragma once

#include "pxclone/commands/global_options.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/output/records.hpp"

#include <ostream>

namespace pxclone::cmd {

// What take_snapshot_set came to: the set's record, and whether its writes were sent (false:
// the session's dry-run runner printed them instead).
struct TakenSet {
    output::SnapshotSetRecord record;
    bool sent = true;
};

// Takes (or completes) the snapshot set of run loaded.run.id, as `pxclone snapshot` does:
// discover the source volumes (read-only), reuse what an earlier attempt of the run left, run the
// pre-hooks (unless `skip_hooks`, or nothing is to be created), snapshot every volume, run the
// post-hooks, and apply retention (snapshot.keep), through the session's snapshot_runner: under
// --dry-run its twin writes every planned request to `out` and nothing is sent that writes (a dry
// run's snapshots to create have no snapshotId in the record).
// Throws Error: exit 3 for a missing source PVC, exit 1 for a failed set (rolled back; exit 5
// when the roll-back left something), 130 when interrupted.
TakenSet take_snapshot_set(Session& session, const GlobalOptions& globals,
                           const LoadedProfile& loaded, bool skip_hooks, std::ostream& out);

// `pxclone snapshot` on a ready session: take_snapshot_set, then the set on streams.out in
// globals.output (a dry run prints only its requests), and the --record file.
void snapshot(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
              bool skip_hooks, Streams streams);

} // namespace pxclone::cmd
