// Taking a snapshot set, shared by `pxclone snapshot` and `pxclone deploy-staging --fresh`.
#pragma once

#include "pxclone/commands/global_options.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/output/records.hpp"

#include <ostream>

namespace pxclone::cmd {

// Takes (or completes) the snapshot set of run loaded.run.id, as `pxclone snapshot` does:
// discover the source volumes (read-only), reuse what an earlier attempt of the run left, run the
// pre-hooks (unless `skip_hooks`, or nothing is to be created), snapshot every volume, run the
// post-hooks, and apply retention (snapshot.keep). With globals.dry_run every planned request is
// written to `out` and nothing is sent that writes. Returns the set's record (a dry run's
// snapshots to create have no snapshotId).
// Throws Error: exit 3 for a missing source PVC, exit 1 for a failed set (rolled back; exit 5
// when the roll-back left something), 130 when interrupted.
output::SnapshotSetRecord take_snapshot_set(Session& session, const GlobalOptions& globals,
                                            const LoadedProfile& loaded, bool skip_hooks,
                                            std::ostream& out);

} // namespace pxclone::cmd
