#include "pxclone/px/cloud_backup_types.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

#include "sdk_json.hpp"

namespace pxclone::px {

namespace {

using detail::field_text;
using detail::object_or_throw;
using nlohmann::json;

constexpr std::string_view k_status_prefix = "SdkCloudBackupStatusType";
constexpr std::string_view k_restore_op = "SdkCloudBackupOpTypeRestoreOp";

// The names after k_status_prefix, in CloudBackupState's order (unknown has none).
constexpr std::array<std::pair<std::string_view, CloudBackupState>, 9> k_states{{
    {"NotStarted", CloudBackupState::not_started},
    {"Queued", CloudBackupState::queued},
    {"Active", CloudBackupState::active},
    {"Paused", CloudBackupState::paused},
    {"Stopped", CloudBackupState::stopped},
    {"Done", CloudBackupState::done},
    {"Failed", CloudBackupState::failed},
    {"Aborted", CloudBackupState::aborted},
    {"Invalid", CloudBackupState::invalid},
}};

Labels field_labels(const json& object, const char* key) {
    Labels out;
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return out;
    }
    if (!it->is_object()) {
        throw std::invalid_argument(std::string("field ") + key + " is not a mapping");
    }
    for (const auto& [name, value] : it->items()) {
        if (value.is_string()) {
            out.emplace(name, value.get<std::string>());
        }
    }
    return out;
}

std::int64_t field_int64(const json& object, const char* key) {
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? 0 : parse_int64(*it);
}

void put_text(json& out, const char* key, const std::string& value) {
    if (!value.empty()) {
        out[key] = value;
    }
}

void put_map(json& out, const char* key, const Labels& labels) {
    if (!labels.empty()) {
        out[key] = labels;
    }
}

} // namespace

CloudBackupState parse_cloud_backup_state(std::string_view name) {
    if (name.empty()) {
        return CloudBackupState::not_started;
    }
    if (name.substr(0, k_status_prefix.size()) == k_status_prefix) {
        name.remove_prefix(k_status_prefix.size());
    }
    for (const auto& [text, state] : k_states) {
        if (text == name) {
            return state;
        }
    }
    return CloudBackupState::unknown;
}

std::string_view cloud_backup_state_name(CloudBackupState state) {
    for (const auto& [text, known] : k_states) {
        if (known == state) {
            return text;
        }
    }
    return "Unknown";
}

json to_json(const CloudBackupCreateRequest& request) {
    json out = json::object();
    put_text(out, "volume_id", request.volume_id);
    put_text(out, "credential_id", request.credential_id);
    put_text(out, "task_id", request.task_id);
    put_map(out, "labels", request.labels);
    if (request.full) {
        out["full"] = true;
    }
    return out;
}

json to_json(const CloudBackupFilter& filter) {
    json out = json::object();
    put_text(out, "credential_id", filter.credential_id);
    put_text(out, "src_volume_id", filter.src_volume_id);
    put_map(out, "metadata_filter", filter.metadata);
    put_text(out, "cloud_backup_id", filter.backup_id);
    if (filter.all) {
        out["all"] = true;
    }
    return out;
}

json to_json(const CloudRestoreRequest& request) {
    json out = json::object();
    put_text(out, "backup_id", request.backup_id);
    put_text(out, "restore_volume_name", request.restore_volume_name);
    put_text(out, "credential_id", request.credential_id);
    put_text(out, "task_id", request.task_id);
    if (!request.labels.empty()) {
        out["locator"] = {{"volume_labels", request.labels}};
    }
    return out;
}

Credential parse_credential(const json& reply) {
    const auto& object = object_or_throw(reply, "the credential");
    Credential out;
    out.id = field_text(object, "credential_id");
    out.name = field_text(object, "name");
    out.bucket = field_text(object, "bucket");
    for (const auto* type : {"aws", "azure", "google", "nfs"}) {
        if (object.contains(std::string(type) + "_credential")) {
            out.type = type;
        }
    }
    if (const auto it = object.find("ownership"); it != object.end() && it->is_object()) {
        out.owner = field_text(*it, "owner");
    }
    return out;
}

CloudBackupStatus parse_cloud_backup_status(const std::string& task_id, const json& entry) {
    const auto& object = object_or_throw(entry, "a status entry");
    CloudBackupStatus out;
    out.task_id = task_id;
    out.backup_id = field_text(object, "backup_id");
    out.restore = field_text(object, "optype") == k_restore_op;
    out.status = field_text(object, "status");
    out.state = parse_cloud_backup_state(out.status);
    out.bytes_done = field_int64(object, "bytes_done");
    out.bytes_total = field_int64(object, "bytes_total");
    out.start_time = field_text(object, "start_time");
    out.completed_time = field_text(object, "completed_time");
    out.src_volume_id = field_text(object, "src_volume_id");
    out.credential_id = field_text(object, "credential_id");
    out.info = detail::string_list(object, "info");
    return out;
}

CloudBackupInfo parse_cloud_backup_info(const json& entry) {
    const auto& object = object_or_throw(entry, "a backup");
    CloudBackupInfo out;
    out.id = field_text(object, "id");
    out.src_volume_id = field_text(object, "src_volume_id");
    out.src_volume_name = field_text(object, "src_volume_name");
    out.timestamp = field_text(object, "timestamp");
    out.metadata = field_labels(object, "metadata");
    out.status = field_text(object, "status");
    out.state = parse_cloud_backup_state(out.status);
    return out;
}

bool metadata_matches(const CloudBackupInfo& backup, const Labels& metadata) {
    return std::all_of(metadata.begin(), metadata.end(), [&](const auto& entry) {
        const auto it = backup.metadata.find(entry.first);
        return it != backup.metadata.end() && it->second == entry.second;
    });
}

} // namespace pxclone::px
