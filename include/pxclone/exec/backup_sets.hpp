// A transfer's snapshot sets as the staging cluster sees them (profile `transfer: {method:
// cloudsnap}`): each set's cloud backups, found with metadata_filter on pxclone's set labels in
// the object store both clusters share, and described as the catalog describes a set of
// snapshots, so that deploy-staging and restore plan it as today (each snapshot's id is its
// backup's id). Reads only (the staging cluster's Portworx; the source cluster is never asked):
// discover/ uses it as it uses the catalog; exec/cloud_restore.hpp restores what it finds.
#pragma once

#include "pxclone/exec/catalog.hpp"
#include "pxclone/plan/backup_set.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/px/cloud_backup.hpp"

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

} // namespace pxclone::exec
