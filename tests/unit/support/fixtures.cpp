#include "fixtures.hpp"

namespace pxclone::test {

using nlohmann::json;

const char* const k_not_found = R"({"kind":"Status","apiVersion":"v1","status":"Failure",
  "reason":"NotFound","code":404})";

json list_of(json items) {
    return {{"metadata", {{"resourceVersion", "1"}}}, {"items", std::move(items)}};
}

json pxclone_labels(const std::string& run, const std::string& role, const std::string& set) {
    return {{"app.kubernetes.io/managed-by", "pxclone"},
            {"pxclone.io/profile", "orders"},
            {"pxclone.io/run", run},
            {"pxclone.io/role", role},
            {"pxclone.io/snapshot-set", set}};
}

json baseline_labels() {
    auto labels = pxclone_labels("41", "baseline", "");
    labels.erase("pxclone.io/snapshot-set");
    labels["pxclone.io/staging-pvc"] = "data";
    return labels;
}

json set_snapshot_labels(const std::string& set, const std::string& created_at) {
    auto labels = pxclone_labels(set, "snapshot", set);
    labels["pxclone.io/source"] = "prod/data";
    labels["pxclone.io/created-at"] = created_at;
    return labels;
}

json source_pvc() {
    return {{"metadata", {{"name", "data"}, {"namespace", "prod"}}},
            {"spec", {{"volumeName", "pv-data"}, {"storageClassName", "px"}}},
            {"status", {{"phase", "Bound"}}}};
}

json source_pv() {
    return {{"metadata", {{"name", "pv-data"}}},
            {"spec", {{"csi", {{"driver", "pxd.portworx.com"}, {"volumeHandle", "vol-0"}}}}}};
}

json staging_pvc(const std::string& set) {
    return {{"metadata",
             {{"name", "data"},
              {"namespace", "stg"},
              {"uid", "u-1"},
              {"labels", pxclone_labels("41", "staging", set)},
              {"annotations",
               {{"pxclone.io/source", "prod/data"},
                {"pxclone.io/created-at", "2026-11-27T09:00:00Z"},
                {"pxclone.io/git-sha", "abc"}}}}},
            {"spec", {{"volumeName", "pv-data"}}}};
}

json staging_pv() {
    return {{"metadata", {{"name", "pv-data"}, {"labels", pxclone_labels("41", "staging", "41")}}},
            {"spec",
             {{"csi", {{"driver", "pxd.portworx.com"}, {"volumeHandle", "clone-1"}}},
              {"claimRef", {{"namespace", "stg"}, {"name", "data"}, {"uid", "u-1"}}}}}};
}

json deployment_mounting_data() {
    return {{"metadata", {{"name", "app"}, {"namespace", "stg"}}},
            {"spec",
             {{"replicas", 2},
              {"template",
               {{"spec",
                 {{"volumes",
                   json::array({{{"name", "d"},
                                 {"persistentVolumeClaim", {{"claimName", "data"}}}}})}}}}}}}};
}

json px_volume(const std::string& id, json labels, const std::string& parent,
               const std::string& state) {
    json volume{{"id", id},
                {"locator", {{"name", id}, {"volume_labels", std::move(labels)}}},
                {"spec", {{"size", "1073741824"}}},
                {"state", state}};
    if (!parent.empty()) {
        volume["source"] = {{"parent", parent}};
    }
    return volume;
}

json px_volumes(json volumes) {
    return {{"volumes", std::move(volumes)}};
}

json cloud_backup(const std::string& id, const std::string& set, const std::string& source,
                  const std::string& snapshot, const std::string& state, const std::string& size) {
    auto metadata = set_snapshot_labels(set, "2026-11-27T10:00:00Z");
    metadata["pxclone.io/source"] = source;
    metadata["pxclone.io/set-size"] = "2";
    metadata["pxclone.io/snapshot-id"] = snapshot;
    if (!size.empty()) {
        metadata["pxclone.io/size"] = size;
    }
    return {{"id", id},
            {"src_volume_id", snapshot},
            {"timestamp", "2026-11-27T10:01:00Z"},
            {"metadata", std::move(metadata)},
            {"status", "SdkCloudBackupStatusType" + state}};
}

json cloud_restore_status(const std::string& volume, const std::string& state, json info) {
    json entry = {{"backup_id", "task-of-" + volume},
                  {"optype", "SdkCloudBackupOpTypeRestoreOp"},
                  {"status", "SdkCloudBackupStatusType" + state},
                  {"start_time", "2026-11-27T11:00:00Z"},
                  {"src_volume_id", volume},
                  {"credential_id", "stg-cred"}};
    if (!info.is_null()) {
        entry["info"] = std::move(info);
    }
    return {{"statuses", {{"task-of-" + volume, std::move(entry)}}}};
}

json cloud_backup(const std::string& id, const std::string& set, const std::string& snapshot,
                  const std::string& state) {
    return cloud_backup(id, set, "prod/data", snapshot, state);
}

json credential_list() {
    return {{"credential_ids", {k_backup_credential}}};
}

json credential_inspect() {
    return {{"credential_id", k_backup_credential},
            {"name", "s3-orders"},
            {"bucket", "orders-backups"},
            {"aws_credential", {{"access_key", "AKID"}, {"region", "us-east-1"}}}};
}

} // namespace pxclone::test
