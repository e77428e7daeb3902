#include "pxclone/profile/profile.hpp"

#include <fmt/format.h>

namespace pxclone::profile {

std::string staging_pvc_name(const Profile& profile, const std::string& source_pvc) {
    if (const auto it = profile.staging.volumes.find(source_pvc);
        it != profile.staging.volumes.end()) {
        return it->second;
    }
    return source_pvc;
}

std::string_view method_name(SnapshotMethod method) {
    return method == SnapshotMethod::csi ? "csi" : "portworx";
}

std::string_view transfer_method_name(TransferMethod /*method*/) {
    return "cloudsnap";
}

} // namespace pxclone::profile
