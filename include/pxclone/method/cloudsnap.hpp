// transfer: cloudsnap — the snapshot side of a transfer to another cluster: each snapshot of a set
// is also backed up to the object store (a Portworx cloud backup carrying the snapshot's lineage as
// metadata), and a snapshot counts as taken only once its backup is Done. Not a snapshot method of
// its own: it wraps the backend of the profile's snapshot.method (portworx, or csi, whose
// VolumeSnapshots are Portworx snapshots too), so its rules (labels, staging volumes) stay theirs.
#pragma once

#include "pxclone/exec/snapshot_backend.hpp"
#include "pxclone/plan/transfer_plan.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/px/cloud_backup.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace pxclone::method {

struct CloudsnapOptions {
    std::string profile;                      // the profile's name (the set's backups' selector)
    plan::TransferCredentials credentials;    // resolved (resolve_transfer_credentials)
    std::chrono::milliseconds backup_timeout; // transfer.backup_timeout, per backup
    std::string cluster = "source cluster";   // names the cluster in messages
    // The backups start at once on this pool (the session's fan-out pool); nullptr: one after
    // another, in the order of the snapshots.
    util::WorkerPool* pool = nullptr;
};

// The uuids of the credentials `transfer` names, each resolved on its own cluster
// (px::CloudBackupClient::resolve_credential: an ambiguous or missing name throws, naming the
// cluster).
plan::TransferCredentials resolve_transfer_credentials(const profile::Transfer& transfer,
                                                       const px::CloudBackupClient& source,
                                                       const px::CloudBackupClient& staging);

// `snapshots` (the snapshot method's backend) with the backups added:
// - find_existing: the snapshots' own, and (kept for take) the set's backups in the object store;
// - take: the snapshot only (the wrapped backend's take);
// - await_ready: the wrapped backend's readiness, then the backup of each snapshot it reports
//   ready (an earlier attempt's done or running backup is followed, not started again), all
//   polled together (one status request a round for those it started), waiting until each is Done
//   for at most backup_timeout (exit 4 after it; a Failed, Aborted or Stopped backup is exit 1 with
//   the server's reason); a snapshot that is not ready is not backed up;
// - remove: the snapshot's backups (those with pxclone's metadata for this profile and set), then
//   the snapshot;
// - the dry-run lines: the snapshot's request, then the backup's.
// `portworx` (the source cluster's) and `snapshots` are used from take()'s worker threads.
// Progress: the wrapped backend's snapshot step, then "backup/<pvc>" for each snapshot ready.
std::unique_ptr<exec::SnapshotBackend>
make_cloudsnap_backend(std::unique_ptr<exec::SnapshotBackend> snapshots, const px::Client& portworx,
                       exec::BackendContext context, CloudsnapOptions options);

} // namespace pxclone::method
