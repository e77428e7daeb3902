// Portworx cloud backups (cloudsnaps) and the credentials they are made with: the OpenStorage SDK
// calls that move a snapshot to an object store and restore it as a new volume in another
// cluster (API.md §1b, reference/osd-cloudbackup.txt): CloudBackupClient, over a px::Client. The
// requests and replies are in px/cloud_backup_types.hpp.
//
// What the real server taught (and the calls below honour): credential names are not unique and
// only uuids work everywhere; `credential_id` is always sent (in DELETE's query string); backups
// and restores are asynchronous; `statuses` is keyed by task id and may hold other tasks; a restore
// answers no task id (its status is found by the restored volume's id); deleting a missing backup
// is an error (500), not a no-op; backup ids may contain a slash, which no path can carry.
#pragma once

#include "pxclone/px/client.hpp"
#include "pxclone/px/cloud_backup_types.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::px {

// The DELETE path of a backup: an id with a slash travels as its last part in the path and the
// rest as `?bucket=` (the gateway cannot route a slash, not even as %2F); credential_id is always
// in the query string (a DELETE body is ignored). Everything percent-encoded.
std::string delete_backup_path(const std::string& backup_id, const std::string& credential_id);

// The calls. `cluster` names the cluster in every message ("source cluster", "staging cluster
// (context stg-eks)"), since pxclone may talk to two Portworx clusters in one run. Stateless; the
// client outlives it.
class CloudBackupClient {
public:
    CloudBackupClient(const Client& client, std::string cluster);

    // Credentials: their uuids, and one of them (nullopt when it does not exist: 404).
    std::vector<std::string> credential_ids() const;
    std::optional<Credential> inspect_credential(const std::string& credential_id) const;

    // The credential `name_or_id` names: the one whose uuid it is, else the only one of that
    // name (found by listing and inspecting each, never by inspecting the name). Throws
    // NotFoundError (exit 3) when none matches and Error (exit 1) when several share the name,
    // naming the cluster and the candidates' ids.
    Credential resolve_credential(const std::string& name_or_id) const;

    // Starts a backup; returns the task id to poll.
    std::string create_backup(const CloudBackupCreateRequest& request) const;

    // The statuses of backup tasks `task_ids` in one request: by task_id when there is one, else
    // with neither task_id nor volume_id (the server answers all its tasks); only these keys are
    // kept, whatever else the reply holds. A task without an entry is absent from the result (not
    // started yet as far as this caller may see: with PX-Security the server drops entries whose
    // snapshot the caller cannot read or that no longer exists, so after Done ask enumerate, not
    // status).
    std::map<std::string, CloudBackupStatus>
    backup_statuses(const std::vector<std::string>& task_ids) const;

    // Every backup matching `filter`, all pages (continuation_token). The filter is applied again
    // here: a server that ignores a filter (the reference's fake driver ignores metadata_filter)
    // must never hand pxclone someone else's backups to delete.
    std::vector<CloudBackupInfo> enumerate_backups(const CloudBackupFilter& filter) const;

    // The backup `backup_id` in the store of `credential_id`; nullopt when it is not there.
    std::optional<CloudBackupInfo> find_backup(const std::string& credential_id,
                                               const std::string& backup_id) const;

    enum class Deleted { deleted, already_gone };
    // Deletes a backup. The server's delete is not idempotent (a missing backup is 500 "Failed to
    // find backup"), so the backup is looked up first and an absent one is already_gone; a
    // failed DELETE counts as already_gone only when a second lookup no longer finds it, else its
    // error is thrown.
    Deleted delete_backup(const std::string& backup_id, const std::string& credential_id) const;
    // delete_backup without the look-up before the DELETE, for a backup the caller has just
    // listed (enumerate_backups): only a failed DELETE is followed by a look-up, as there.
    Deleted delete_listed_backup(const std::string& backup_id,
                                 const std::string& credential_id) const;

    // Starts a restore of a backup as a new volume.
    CloudRestoreStarted restore(const CloudRestoreRequest& request) const;

    // The status of the restore that made `restore_volume_id`: statuses[task_id] when the restore
    // answered a task id, else the restore entry whose src_volume_id is that volume (asked with
    // volume_id, as the proto says). nullopt when there is none.
    std::optional<CloudBackupStatus> restore_status(const std::string& restore_volume_id,
                                                    const std::string& task_id = {}) const;

    // The statuses of the restores into `restore_volume_ids` in one request: restore_status's
    // when there is one, else with neither task_id nor volume_id (the server answers all its
    // tasks, restores included) and per volume its restore entry (the latest) kept. A volume
    // without one is absent from the result (as restore_status's nullopt).
    std::map<std::string, CloudBackupStatus>
    restore_statuses(const std::vector<std::string>& restore_volume_ids) const;

private:
    nlohmann::json status_reply(const nlohmann::json& body, const std::string& what) const;

    const Client& m_client;
    std::string m_cluster;
};

} // namespace pxclone::px
