// What `pxclone extend` reads: the staging namespace of one run, found by its labels.
#pragma once

#include "pxclone/k8s/client.hpp"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::discover {

// The Namespaces labelled managed-by=pxclone, profile, run and role=staging for run `run` of
// profile `profile` (one list at the cluster scope; no other kind is read). Usually one; none
// when the run has no staging namespace. Throws ApiError.
std::vector<nlohmann::json> staging_namespaces(const k8s::Client& kube, const std::string& profile,
                                               const std::string& run);

} // namespace pxclone::discover
