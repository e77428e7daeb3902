// The staging side of a transfer (profile `transfer: {method: cloudsnap}`): a staging run in
// another cluster makes its volumes from a set's cloud backups instead of cloning local snapshots.
// It reads the staging cluster's Portworx only (the object store is shared; the source cluster is
// never asked):
// - find_backup_set: the set's backups (enumerate with metadata_filter on pxclone's set labels),
//   described as the catalog describes a set of snapshots, so that deploy-staging and restore
//   plan it as today (each snapshot's id is its backup's id);
// - make_cloud_restore_runner: a StagingRunner whose clone() restores the backup the planned
//   clone names as its parent (plan::StagingVolume::clone: name, parent_id = backup id, labels)
//   as a new Portworx volume of the clone's name and labels, and waits until it is Done; every
//   other step is the wrapped runner's, so the static PV + PVC, manifests, masking, baselines,
//   waits, teardown and list work unchanged.
#pragma once

#include "pxclone/exec/catalog.hpp"
#include "pxclone/exec/staging_runner.hpp"
#include "pxclone/plan/backup_set.hpp"
#include "pxclone/px/client.hpp"
#include "pxclone/px/cloud_backup.hpp"

#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace pxclone::exec {

// The sets of `profile` in the object store of `credential_id` (a uuid), as the staging
// cluster sees them: every cluster's backups (`all`), selected by pxclone's metadata, and only
// set `set_id`'s when it is given (a store of many sets lists one set's backups). Newest first
// (plan::backup_sets).
std::vector<plan::BackupSet> list_backup_sets(const px::CloudBackupClient& backups,
                                              const std::string& credential_id,
                                              const std::string& profile,
                                              const std::string& set_id = "");

// The set `set_id` ("": the newest set every backup of which is Done) as SnapshotSet:
// method "portworx" (a restored volume is a Portworx volume whatever the source's method), each
// snapshot's id and portworx_id its backup's id, its size from the backup's metadata, ready and
// the set complete. `sources` ("namespace/pvc"): the volumes it must have (empty: those its
// backups show, as many as its set-size says).
// Throws Error exit 3 (as a missing snapshot set) naming the set and every volume whose backup
// is missing or not Done; or, for "", saying that no set of the profile
// is complete in that object store.
SnapshotSet find_backup_set(const px::CloudBackupClient& backups, const std::string& credential_id,
                            const std::string& profile, const std::string& set_id,
                            const std::vector<std::string>& sources = {});

// SnapshotSet of a plan::BackupSet (what find_backup_set returns; also for list).
SnapshotSet snapshot_set_of(const plan::BackupSet& set);

// What plan_staging needs of a set found by find_backup_set, without reading the source cluster
// (discover::describe_set would read the source PVCs there): method portworx (a restored volume
// gets a static PV, whatever the source's method), each volume's snapshot_id its backup's id
// (the planned clone's parent_id, which the runner below restores), its size from the backup,
// staging.storage_class and ReadWriteOnce. Pure.
plan::SnapshotSet describe_backup_set(const profile::Profile& profile, const SnapshotSet& set);

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
//   by its volume id until Done;
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
