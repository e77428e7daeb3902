// The context names a kubeconfig offers, for shell completion of --context.
#pragma once

#include "pxclone/k8s/kubeconfig.hpp"

#include <string>
#include <vector>

namespace pxclone::k8s {

// The `contexts[].name` entries of the files kubeconfig_paths(options) names, in file order,
// each name once (the first file that defines it wins, as when loading). Best effort: a file
// that is missing, unreadable or not a kubeconfig contributes nothing; nothing throws.
std::vector<std::string> kubeconfig_context_names(const KubeconfigOptions& options);

} // namespace pxclone::k8s
