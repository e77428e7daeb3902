#include "pxclone/plan/lineage.hpp"

namespace pxclone::plan {

std::string_view role_name(Role role) {
    switch (role) {
    case Role::snapshot:
        return "snapshot";
    case Role::baseline:
        return "baseline";
    case Role::staging:
        break;
    }
    return "staging";
}

Labels ownership_labels(const Lineage& lineage) {
    return {
        {std::string(k_managed_by_key), std::string(k_managed_by_value)},
        {std::string(k_profile_key), lineage.profile},
        {std::string(k_run_key), lineage.run},
        {std::string(k_role_key), std::string(role_name(lineage.role))},
    };
}

Lineage run_lineage(const std::string& profile, const profile::RunInfo& run,
                    std::string created_at) {
    return {.profile = profile,
            .run = run.id,
            .git_sha = run.git_sha.value_or(""),
            .build_id = run.build_id,
            .created_at = std::move(created_at)};
}

Labels run_selector(const std::string& profile, const std::string& run, Role role) {
    return ownership_labels({.profile = profile, .run = run, .role = role});
}

Labels kubernetes_labels(const Lineage& lineage) {
    auto labels = ownership_labels(lineage);
    if (!lineage.snapshot_set.empty()) {
        labels.emplace(k_snapshot_set_key, lineage.snapshot_set);
    }
    if (lineage.set_size > 0) {
        labels.emplace(k_set_size_key, std::to_string(lineage.set_size));
    }
    return labels;
}

Labels kubernetes_annotations(const Lineage& lineage) {
    Labels annotations;
    const auto add = [&annotations](std::string_view key, const std::string& value) {
        if (!value.empty()) {
            annotations.emplace(key, value);
        }
    };
    add(k_source_key, lineage.source);
    add(k_git_sha_key, lineage.git_sha);
    add(k_build_id_key, lineage.build_id);
    add(k_created_at_key, lineage.created_at);
    add(k_expires_at_key, lineage.expires_at);
    return annotations;
}

Labels portworx_labels(const Lineage& lineage) {
    auto labels = kubernetes_labels(lineage);
    labels.merge(kubernetes_annotations(lineage));
    return labels;
}

std::string selector_for(const Labels& labels) {
    std::string selector;
    for (const auto& [key, value] : labels) {
        if (!selector.empty()) {
            selector += ',';
        }
        selector += key + '=' + value;
    }
    return selector;
}

namespace {

std::string meta_of(const nlohmann::json& object, const char* where, std::string_view key) {
    const auto metadata = object.find("metadata");
    if (metadata == object.end() || !metadata->is_object()) {
        return {};
    }
    const auto map = metadata->find(where);
    if (map == metadata->end() || !map->is_object()) {
        return {};
    }
    const auto found = map->find(std::string(key));
    return found != map->end() && found->is_string() ? found->get<std::string>() : std::string();
}

} // namespace

std::string label_of(const nlohmann::json& object, std::string_view key) {
    return meta_of(object, "labels", key);
}

std::string annotation_of(const nlohmann::json& object, std::string_view key) {
    return meta_of(object, "annotations", key);
}

} // namespace pxclone::plan
