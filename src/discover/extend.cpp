#include "pxclone/discover/extend.hpp"

#include "pxclone/k8s/paths.hpp"
#include "pxclone/plan/lineage.hpp"

namespace pxclone::discover {

std::vector<nlohmann::json> staging_namespaces(const k8s::Client& kube, const std::string& profile,
                                               const std::string& run) {
    const auto labels = plan::run_selector(profile, run, plan::Role::staging);
    k8s::ListOptions options;
    options.label_selector = k8s::label_selector(labels);
    auto items = kube.list(k8s::resource_of("Namespace"), "", options).items;
    // The selector again here: a server that ignored it must not widen what extend writes.
    std::erase_if(items,
                  [&labels](const nlohmann::json& ns) { return !k8s::has_labels(ns, labels); });
    return items;
}

} // namespace pxclone::discover
