#include "pxclone/commands/source_volume.hpp"

#include "pxclone/k8s/resource.hpp"
#include "pxclone/k8s/status.hpp"

namespace pxclone::cmd {

using json = nlohmann::json;

plan::SnapshotSetVolume describe_source_volume(const k8s::Client& kube,
                                               const profile::Profile& profile,
                                               const exec::SetSnapshot& snapshot) {
    const auto slash = snapshot.source.find('/');
    const auto ns = snapshot.source.substr(0, slash);
    const auto pvc = snapshot.source.substr(slash + 1);
    plan::SnapshotSetVolume volume{
        .source_pvc = pvc,
        .snapshot_id = snapshot.portworx_id.empty() ? snapshot.id : snapshot.portworx_id,
        .size_bytes = snapshot.size,
        .storage_class = profile.staging.storage_class,
        .access_modes = {"ReadWriteOnce"},
    };
    if (const auto slash_id = snapshot.id.find('/'); slash_id != std::string::npos) {
        volume.csi_snapshot_namespace = snapshot.id.substr(0, slash_id);
        volume.csi_snapshot_name = snapshot.id.substr(slash_id + 1);
    }
    const auto claim = kube.get(k8s::resource_of("PersistentVolumeClaim"), ns, pvc);
    if (!claim) {
        return volume;
    }
    if (volume.storage_class.empty()) {
        volume.storage_class = k8s::string_field(*claim, "/spec/storageClassName");
    }
    const auto spec = claim->find("spec");
    if (spec != claim->end() && spec->is_object()) {
        const auto modes = spec->find("accessModes");
        std::vector<std::string> names;
        for (const auto& mode :
             modes != spec->end() && modes->is_array() ? *modes : json::array()) {
            if (mode.is_string()) {
                names.push_back(mode.get<std::string>());
            }
        }
        if (!names.empty()) {
            volume.access_modes = std::move(names);
        }
    }
    const auto pv_name = k8s::string_field(*claim, "/spec/volumeName");
    if (!pv_name.empty()) {
        if (const auto pv = kube.get(k8s::resource_of("PersistentVolume"), "", pv_name)) {
            volume.fs_type = k8s::string_field(*pv, "/spec/csi/fsType");
        }
    }
    return volume;
}

} // namespace pxclone::cmd
