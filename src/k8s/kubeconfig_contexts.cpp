#include "pxclone/k8s/kubeconfig_contexts.hpp"

#include "pxclone/profile/yaml_text.hpp"
#include "pxclone/util/file.hpp"

#include <algorithm>
#include <system_error>

#include <yaml-cpp/yaml.h>

namespace pxclone::k8s {

std::vector<std::string> kubeconfig_context_names(const KubeconfigOptions& options) {
    std::vector<std::string> names;
    std::vector<std::filesystem::path> paths;
    try {
        paths = kubeconfig_paths(options);
    } catch (const std::exception&) {
        return names;
    }
    for (const auto& path : paths) {
        std::error_code error;
        if (!std::filesystem::is_regular_file(path, error)) {
            continue;
        }
        const auto file = util::read_file(path.string(), k_max_kubeconfig_bytes);
        if (!file) {
            continue;
        }
        try {
            if (profile::check_events(file.text,
                                      {k_max_kubeconfig_documents, k_max_kubeconfig_depth})) {
                continue; // an alias cycle or bomb: the loader reports it
            }
            const auto document = YAML::Load(file.text);
            const auto contexts = document["contexts"];
            if (!contexts.IsSequence()) {
                continue;
            }
            for (const auto& context : contexts) {
                const auto name = context["name"];
                if (!name.IsScalar() || name.Scalar().empty()) {
                    continue;
                }
                if (std::find(names.begin(), names.end(), name.Scalar()) == names.end()) {
                    names.push_back(name.Scalar());
                }
            }
        } catch (const YAML::Exception&) {
            // Completion offers what it can: a broken file is the loader's to report.
            continue;
        }
    }
    return names;
}

} // namespace pxclone::k8s
