// The staging side of a transfer (profile `transfer: {method: cloudsnap}`): a staging run in
// another cluster makes its volumes from a set's cloud backups instead of cloning local snapshots.
// It reads the staging cluster's Portworx only (the object store is shared; the source cluster is
// never asked):
// - finding and describing the set's backups: exec/backup_sets.hpp (reads only);
// - make_cloud_restore_runner: a StagingRunner whose clone() restores the backup the planned
//   clone names as its parent (plan::StagingVolume::clone: name, parent_id = backup id, labels)
//   as a new Portworx volume of the clone's name and labels, and waits until it is Done; every
//   other step is the wrapped runner's, so the static PV + PVC, manifests, masking, baselines,
//   waits, teardown and list work unchanged.
#pragma once

#include "pxclone/exec/backup_sets.hpp"
#include "pxclone/exec/staging_runner.hpp"
#include "pxclone/px/client.hpp"
#include "pxclone/px/cloud_backup.hpp"

#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace pxclone::exec {

struct CloudRestoreOptions {
    std::string credential_id;                 // the staging credential's uuid (resolved)
    std::chrono::milliseconds restore_timeout; // transfer.restore_timeout, per volume
    std::string cluster = "staging cluster";   // names the cluster in messages
};

// `inner` (the staging cluster's runner: make_staging_runner with its clients) with clone()
// replaced by a restore from the backup volume.clone->parent_id:
// - a Portworx volume of the clone's name that carries the clone's identity labels (an earlier
//   attempt's) is adopted: followed while its restore runs, kept when Done, deleted and restored
//   again when its restore failed; one of that name without pxclone's labels is adopted (and
//   labelled) only when the server shows a restore into it, else it is refused (exit 1: not this
//   run's);
// - else the backup is restored as a volume of that name (locator labels sent too), labelled at
//   once with the clone's labels (so that teardown finds it even if this run dies now), and polled
//   until Done: the runner's restores share one status request per round (exec/restore_poller.hpp:
//   by its volume id when it is the only one waiting, else one request answering all);
// - a restore that fails (Failed, Aborted, Stopped; exit 1 with the server's reason) or outlasts
//   restore_timeout (exit 4) deletes the volume it restored into, and only that one; an
//   interruption leaves it (labelled) for the next run or teardown.
// Progress on "volume/<staging pvc>", as a clone's. Used from the fan-out pool's threads: every
// volume restores at once.
std::unique_ptr<StagingRunner> make_cloud_restore_runner(std::unique_ptr<StagingRunner> inner,
                                                         const px::Client& staging,
                                                         StagingContext context,
                                                         CloudRestoreOptions options);

// The dry-run twin (make_dry_run_staging_runner), printing for each volume the restore's
// request and the label update instead of the clone's request.
std::unique_ptr<StagingRunner> make_dry_run_cloud_restore_runner(std::ostream& out,
                                                                 CloudRestoreOptions options);

} // namespace pxclone::exec
