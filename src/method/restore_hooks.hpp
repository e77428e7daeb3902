// Each method's part of restore's in-place discovery (method::Method, "restore in place"), in a
// file of its own beside the method (portworx_restore.cpp, csi_restore.cpp); the method's class
// forwards its hooks here.
#pragma once

#include "pxclone/method/restore_site.hpp"

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::method {

// "" for the "-" that stands for none in k_restore_replaces_key annotations.
inline std::string replaced_name(const std::string& value) {
    return value == "-" ? std::string() : value;
}

namespace portworx_restore {

bool made(const nlohmann::json& pvc);
PendingSwaps pending_swaps(RestoreSite& site, const std::set<std::string>& present,
                           const std::vector<std::string>& asked);
std::string pending_set(const std::vector<nlohmann::json>& objects);
void resume_pending(RestoreSite& site, const std::string& name,
                    const std::vector<nlohmann::json>& objects);
PvcSet pvc_set(RestoreSite& site, const nlohmann::json& pvc);
void restore_pvc(RestoreSite& site, const nlohmann::json& pvc);

} // namespace portworx_restore

namespace csi_restore {

bool made(const nlohmann::json& pvc);
PendingSwaps pending_swaps(RestoreSite& site, const std::set<std::string>& present,
                           const std::vector<std::string>& asked);
void resume_pending(RestoreSite& site, const std::string& name,
                    const std::vector<nlohmann::json>& objects);
PvcSet pvc_set(const nlohmann::json& pvc);
void restore_pvc(RestoreSite& site, const nlohmann::json& pvc);

} // namespace csi_restore

} // namespace pxclone::method
