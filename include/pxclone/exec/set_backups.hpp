// The cloud backups of snapshot sets (a profile's `transfer`), as retention and `teardown
// --snapshots` delete them with the sets' snapshots, in the source cluster's object store: found
// by pxclone's metadata (plan::set_backup_selector, and plan::backups_to_delete's ownership
// checks), deleted before the snapshots. A set whose backups could not all be deleted keeps its
// snapshots, so that the next run still finds the set and tries again.
#pragma once

#include "pxclone/plan/transfer_plan.hpp"
#include "pxclone/px/cloud_backup.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <functional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace pxclone::exec {

struct SetBackups {
    std::string credential_id;                   // the source side's transfer credential (uuid)
    std::vector<plan::BackupDeletion> deletions; // in the order of the sets, then as listed
};

// Reads only: the backups of `profile`'s `sets` in the store of `credential_id` (one enumerate
// per set), never one without pxclone's ownership metadata for that profile and set.
SetBackups find_set_backups(const px::CloudBackupClient& backups, const std::string& credential_id,
                            const std::string& profile, const std::set<std::string>& sets);

// "DELETE /v1/cloudbackups/backup/...?...credential_id=..." for one of `found`.
std::string backup_delete_request(const SetBackups& found, const plan::BackupDeletion& deletion);

struct BackupRemoval {
    std::vector<plan::BackupDeletion> deleted; // deleted, or already gone
    std::vector<std::string> failed;           // "backup ID (set S): why"
    std::set<std::string> failed_sets;         // the sets of the failed ones: keep their snapshots
};

// Deletes each of `found` without looking it up again (find_set_backups has just listed it: a
// failed DELETE is followed by a look-up, and a backup gone by then is no failure, as
// px::CloudBackupClient::delete_listed_backup says). At once on `pool`, else one after another. A
// failure is recorded and the others are still tried; throws InterruptedError when `cancelled`
// says so before a deletion starts (once every started one has ended).
BackupRemoval delete_set_backups(const px::CloudBackupClient& backups, const SetBackups& found,
                                 const std::function<bool()>& cancelled,
                                 util::WorkerPool* pool = nullptr);

// The dry run's twin: prints each DELETE (`prefix` before each line) to `out`; reports them as
// deleted, sends nothing.
BackupRemoval print_set_backups(const SetBackups& found, std::ostream& out,
                                const std::string& prefix = {});

} // namespace pxclone::exec
