// The transfer of a snapshot set to another cluster through Portworx cloud backups (profile
// `transfer: {method: cloudsnap}`), decided without I/O: which backups to start (or which this
// set already has), which backup states count as done, failed or still running, when the set is
// complete, and which backups retention and teardown may delete. The requests are made elsewhere
// (px::CloudBackupClient); these functions only look at what was found.
#pragma once

#include "pxclone/plan/lineage.hpp"
#include "pxclone/px/cloud_backup_types.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pxclone::plan {

// On a backup (its metadata): the Portworx snapshot it was made of, so that a re-run can tell which
// of the set's snapshots is backed up already.
inline constexpr std::string_view k_snapshot_id_key = "pxclone.io/snapshot-id";
// On a backup (its metadata): the size in bytes of the snapshot it was made of, which the staging
// side's PV and PVC ask for (a backup listing has no size, and the staging cluster may not read
// the source volume).
inline constexpr std::string_view k_size_key = "pxclone.io/size";

// One snapshot of a set, as the transfer sees it.
struct TransferSnapshot {
    std::string source;      // "namespace/pvc"
    std::string snapshot_id; // the Portworx snapshot (for csi: the one behind the VolumeSnapshot)
    Labels labels;           // its lineage labels (plan::portworx_labels), copied to the backup
    std::int64_t size_bytes = 0; // the snapshot's size (k_size_key); 0 when unknown
};

// The credentials the profile names, resolved to uuids on each side
// (px::CloudBackupClient::resolve_credential).
struct TransferCredentials {
    std::string source_id;
    std::string staging_id;
};

struct PlannedBackup {
    std::string source;
    std::string snapshot_id;
    // The create to send; empty volume_id when `existing` is followed instead.
    px::CloudBackupCreateRequest request;
    // This set's backup of that snapshot that is done or still running (an earlier attempt):
    // followed, never started twice. "" to start one.
    std::string existing;
};

struct TransferPlan {
    std::string set_id;
    std::vector<PlannedBackup> backups; // in the order of the set's snapshots

    // How many backups must still be started.
    std::size_t to_start() const;
};

// How a backup or restore is doing, as the commands wait on it.
enum class TransferPhase { in_progress, done, failed };

// Done is done; Failed, Aborted, Stopped and Invalid are failed (none of them resumes by itself);
// everything else (NotStarted, Queued, Active, Paused, a state this build does not know) is still
// in progress, bounded by transfer.backup_timeout / restore_timeout.
TransferPhase phase_of(px::CloudBackupState state);

// Which of two backups of one snapshot is the one to go by: the higher rank, done (2) over in
// progress (1) over failed (0).
int progress_rank(px::CloudBackupState state);

// The value of `key` in a backup's metadata; "" when absent.
std::string metadata_value(const px::CloudBackupInfo& backup, std::string_view key);

// The metadata of a snapshot's backup: its lineage labels, k_snapshot_id_key and, when known,
// k_size_key.
Labels backup_metadata(const TransferSnapshot& snapshot);

// The metadata that finds a set's backups again (metadata_filter): managed-by, profile and set.
Labels set_backup_selector(const std::string& profile, const std::string& set_id);

// The backups to start for `snapshots` with the source credential. `existing`: the set's backups
// found in the object store (enumerate with set_backup_selector); only those with pxclone's
// ownership metadata for the snapshot's profile count. A snapshot whose backup is done
// or in progress is followed, not backed up again; one whose backups all failed gets a new one,
// with a task id of its own (`pxclone-<snapshot id>`, then `-2`, `-3`, ... per failed attempt: the
// server refuses a task id twice).
TransferPlan plan_transfer(const std::string& set_id,
                           const std::vector<TransferSnapshot>& snapshots,
                           const TransferCredentials& credentials,
                           const std::vector<px::CloudBackupInfo>& existing);

// One backup's state as the last poll saw it; nullopt when the server showed none (yet).
struct BackupProgress {
    std::string source;
    std::optional<px::CloudBackupState> state;
    std::vector<std::string> info; // the server's reasons, for a failed one
};

struct TransferVerdict {
    TransferPhase phase = TransferPhase::in_progress;
    std::vector<std::string> failed;  // "namespace/pvc: Failed (reason)" per failed backup
    std::vector<std::string> waiting; // the sources still in progress
};

// A set is transferred only when every one of its `expected` backups is Done; failed as soon as
// one failed (the others are not waited for); else in progress. Fewer entries than `expected`
// count as in progress (not started or not visible yet).
TransferVerdict judge_transfer(const std::vector<BackupProgress>& backups, std::size_t expected);

// What `list` shows of one snapshot's transfer: the state of its backup among `found` (those
// with pxclone's metadata of `profile`, `set_id` and the snapshot `snapshot_id`), the most
// advanced when an earlier attempt left others (Done over still running over failed): "Done",
// "Active", "Failed", ... as the SDK names them; "missing" when it has none.
std::string transfer_state(const std::vector<px::CloudBackupInfo>& found,
                           const std::string& profile, const std::string& set_id,
                           const std::string& snapshot_id);

// A backup to delete, with why it may be.
struct BackupDeletion {
    std::string backup_id;
    std::string set_id;
    std::string source; // "namespace/pvc", "" when its metadata has none
};

// The backups of `profile` in `found` that belong to a set in `sets` (retention's sets to prune,
// or teardown --snapshots' set): never one without pxclone's ownership metadata for that profile
// (a server that ignored metadata_filter must not make pxclone delete others' backups), and never
// one in `in_use` (a live staging environment was restored from it).
std::vector<BackupDeletion> backups_to_delete(const std::vector<px::CloudBackupInfo>& found,
                                              const std::string& profile,
                                              const std::set<std::string>& sets,
                                              const std::set<std::string>& in_use);

} // namespace pxclone::plan
