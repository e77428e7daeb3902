#include "pxclone/plan/namespace_pool.hpp"

#include "pxclone/plan/lineage.hpp"

#include <algorithm>

namespace pxclone::plan {

using nlohmann::json;

namespace {

const json& metadata_map(const json& object, const char* which) {
    static const json k_empty = json::object();
    const auto metadata = object.find("metadata");
    if (metadata == object.end() || !metadata->is_object()) {
        return k_empty;
    }
    const auto map = metadata->find(which);
    return map != metadata->end() && map->is_object() ? *map : k_empty;
}

std::string name_of(const json& object) {
    return object.value(json::json_pointer("/metadata/name"), std::string());
}

std::string resource_version(const json& object) {
    return object.value(json::json_pointer("/metadata/resourceVersion"), std::string());
}

} // namespace

std::string pool_selector(std::string_view pool) {
    return std::string(k_pool_key) + "=" + std::string(pool);
}

bool in_pool(const json& object) {
    return metadata_map(object, "labels").contains(std::string(k_pool_key));
}

PoolChoice choose_pool_namespace(const std::vector<json>& namespaces, std::string_view profile,
                                 std::string_view run) {
    PoolChoice choice;
    for (const auto& ns : namespaces) {
        const auto& labels = metadata_map(ns, "labels");
        const auto has = [&labels](std::string_view key, std::string_view value) {
            const auto found = labels.find(std::string(key));
            return found != labels.end() && found->is_string() &&
                   found->get<std::string>() == value;
        };
        if (!labels.contains(std::string(k_run_key))) {
            if (!ns.contains(json::json_pointer("/metadata/deletionTimestamp"))) {
                choice.free.push_back(ns);
            }
        } else if (!choice.claimed && has(k_managed_by_key, k_managed_by_value) &&
                   has(k_profile_key, profile) && has(k_run_key, run)) {
            choice.claimed = ns;
        }
    }
    std::sort(choice.free.begin(), choice.free.end(),
              [](const json& left, const json& right) { return name_of(left) < name_of(right); });
    return choice;
}

json claim_patch(const json& ns, const json& metadata) {
    json patch{{"metadata", {{"resourceVersion", resource_version(ns)}}}};
    const json planned{{"metadata", metadata}};
    for (const char* which : {"labels", "annotations"}) {
        const auto& map = metadata_map(planned, which);
        if (!map.empty()) {
            patch["metadata"][which] = map;
        }
    }
    return patch;
}

bool pxclone_key(std::string_view key, const json& value) {
    if (key == k_managed_by_key) {
        return value.is_string() && value.get<std::string>() == k_managed_by_value;
    }
    return key != k_pool_key && key.starts_with("pxclone.io/");
}

json release_patch(const json& ns) {
    json patch{{"metadata", {{"resourceVersion", resource_version(ns)}}}};
    bool any = false;
    for (const char* which : {"labels", "annotations"}) {
        for (const auto& [key, value] : metadata_map(ns, which).items()) {
            if (pxclone_key(key, value)) {
                patch["metadata"][which][key] = nullptr; // merge patch: remove the key
                any = true;
            }
        }
    }
    return any ? patch : json();
}

} // namespace pxclone::plan
