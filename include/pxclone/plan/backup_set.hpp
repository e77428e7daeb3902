// The staging side of a transfer (profile `transfer: {method: cloudsnap}`), decided without I/O:
// which snapshot sets the staging cluster can restore from the cloud backups it sees, and whether
// a set is whole. The backups were made by the source cluster's `snapshot` (plan/transfer_plan.hpp)
// and carry the snapshot's lineage as metadata; the staging cluster never reads the source
// cluster, so everything a staging run needs of a set comes from that metadata.
#pragma once

#include "pxclone/plan/transfer_plan.hpp"
#include "pxclone/px/cloud_backup_types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pxclone::plan {

// One volume of a set as its backups show it: the backup to restore it from.
struct SetBackup {
    std::string source;      // "namespace/pvc" (pxclone.io/source)
    std::string backup_id;   // may contain '/'
    std::string snapshot_id; // the source cluster's snapshot (pxclone.io/snapshot-id)
    px::CloudBackupState state = px::CloudBackupState::unknown;
    std::int64_t size_bytes = 0; // k_size_key; 0 when absent or not a number
    std::string timestamp;       // RFC 3339, as listed
};

// A snapshot set as the object store holds it.
struct BackupSet {
    std::string id; // pxclone.io/snapshot-set
    std::string profile;
    std::string created_at; // pxclone.io/created-at of its backups ("" when absent)
    std::string source_namespace;
    std::string git_sha;
    std::string build_id;
    std::optional<std::size_t> expected; // pxclone.io/set-size, when its backups carry it
    std::vector<SetBackup> backups;      // one per source, sorted by source
};

// The sets of `profile` in `found` (an enumerate with metadata_filter on managed-by and
// profile), newest first (by created_at, then id). Only backups with pxclone's ownership metadata
// for `profile`, a set and a source count (a server that ignored the filter must not hand over
// someone else's backup). Per source a Done backup wins over one still running, which wins over a
// failed one; among equals the latest timestamp.
std::vector<BackupSet> backup_sets(const std::vector<px::CloudBackupInfo>& found,
                                   const std::string& profile);

// Why `set` cannot be restored from, one line per volume ("prod/data: no backup",
// "prod/logs: backup Active", "prod/db: backup carries no pxclone.io/size"); empty when it can.
// `sources`: the volumes the set must have ("namespace/pvc"; empty: those its backups show, and
// as many as pxclone.io/set-size says, when it says).
std::vector<std::string> backup_set_problems(const BackupSet& set,
                                             const std::vector<std::string>& sources = {});

} // namespace pxclone::plan
