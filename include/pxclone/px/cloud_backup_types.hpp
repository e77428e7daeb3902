// Portworx cloud backups (cloudsnaps) and their credentials as plain values: the requests and
// replies of the OpenStorage SDK (api.proto) and their JSON. Pure; the planners use the states,
// and px/cloud_backup.hpp makes the calls.
#pragma once

#include "pxclone/px/types.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::px {

// `GET /v1/credentials/inspect/{id}`. The server never returns the secret parts (secret_key,
// account_key, json_key), and pxclone keeps none of the rest but what identifies it.
struct Credential {
    std::string id;     // credential_id: a uuid (inspect by name echoes the name: never do that)
    std::string name;   // not unique
    std::string bucket; // "" when the credential names none
    std::string type;   // "aws", "azure", "google", "nfs"; "" when none is given
    std::string owner;  // ownership.owner; "" without PX-Security
};

// SdkCloudBackupStatusType, without its prefix. `unknown` for a name this build does not know.
enum class CloudBackupState {
    not_started,
    queued,
    active,
    paused,
    stopped,
    done,
    failed,
    aborted,
    invalid,
    unknown,
};

// "SdkCloudBackupStatusTypeDone" -> done; an absent status (the SDK omits the zero value,
// NotStarted) -> not_started; anything else -> unknown.
CloudBackupState parse_cloud_backup_state(std::string_view name);
// done -> "Done" (as pxctl and the SDK name it, for messages and records).
std::string_view cloud_backup_state_name(CloudBackupState state);

// `POST /v1/cloudbackups`.
struct CloudBackupCreateRequest {
    std::string volume_id;     // the snapshot (or volume) to back up: an id, not a name
    std::string credential_id; // a uuid (CloudBackupClient::resolve_credential)
    // pxclone's own task id: the real server makes it the task's key and refuses a second backup
    // with it (409), which makes a retried create safe; the reply's task_id is the one to poll.
    std::string task_id;
    Labels labels;     // stored as the backup's `metadata`, which enumerate filters on
    bool full = false; // a full backup rather than an incremental one
};

// One entry of `POST /v1/cloudbackups/status`: a backup or a restore task.
struct CloudBackupStatus {
    std::string task_id;   // its key in `statuses`
    std::string backup_id; // the backup made (for a restore: see CloudBackupClient::restore_status)
    bool restore = false;  // optype SdkCloudBackupOpTypeRestoreOp
    CloudBackupState state = CloudBackupState::unknown;
    std::string status; // as received ("SdkCloudBackupStatusTypeDone")
    std::int64_t bytes_done = 0;
    std::int64_t bytes_total = 0;
    std::string start_time;     // RFC 3339
    std::string completed_time; // RFC 3339; "" while it runs
    std::string src_volume_id;  // a backup's snapshot; a restore's restored volume
    std::string credential_id;
    std::vector<std::string> info; // the server's messages (why it failed)
};

// `POST /v1/cloudbackups/enumerate/filters`. Every set field must match.
struct CloudBackupFilter {
    std::string credential_id; // required: which object store (bucket) to list
    std::string src_volume_id; // an id; a name matches nothing
    Labels metadata;           // metadata_filter: the labels given at create
    std::string backup_id;     // cloud_backup_id
    bool all = false;          // also backups of other clusters (cross-cluster: staging sees
                               // the source cluster's backups only with it)
};

// One backup in the object store.
struct CloudBackupInfo {
    std::string id; // may contain '/' ("<cluster uuid or bucket>/<volume id>-<snapshot id>")
    std::string src_volume_id;
    std::string src_volume_name;
    std::string timestamp; // RFC 3339
    Labels metadata;
    CloudBackupState state = CloudBackupState::unknown;
    std::string status; // as received
};

// `POST /v1/cloudbackups/restore`.
struct CloudRestoreRequest {
    std::string backup_id;
    std::string restore_volume_name; // the server does not check it: pick a unique one
    std::string credential_id;
    std::string task_id; // optional, as for a backup
    // Sent as locator.volume_labels; a server may ignore them (the reference's fake driver does):
    // label the restored volume with Client::update_labels once it exists.
    Labels labels;
};

struct CloudRestoreStarted {
    std::string restore_volume_id;
    std::string task_id; // "" when the server answered none (then poll by restore_volume_id)
};

// Encoders (zero values omitted) and decoders (lenient about absent fields; a field of a wrong
// type throws std::invalid_argument naming it).
nlohmann::json to_json(const CloudBackupCreateRequest& request);
nlohmann::json to_json(const CloudBackupFilter& filter);
nlohmann::json to_json(const CloudRestoreRequest& request);
Credential parse_credential(const nlohmann::json& reply);
CloudBackupStatus parse_cloud_backup_status(const std::string& task_id,
                                            const nlohmann::json& entry);
CloudBackupInfo parse_cloud_backup_info(const nlohmann::json& entry);

// Whether `backup` carries every key=value of `metadata`.
bool metadata_matches(const CloudBackupInfo& backup, const Labels& metadata);

} // namespace pxclone::px
