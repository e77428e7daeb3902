// Namespace pools (staging.pool): namespaces an admin made in advance, labelled
// pxclone.io/pool=NAME. deploy-staging claims a free one by adding the labels and annotations it
// would give a namespace it creates; teardown releases it by removing them again. Pure: which
// namespace to claim, and the two patches, each guarded by the resourceVersion it was read at
// (a 409 Conflict means another run changed it first).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::plan {

// "pxclone.io/pool=NAME": the selector of a pool's namespaces.
std::string pool_selector(std::string_view pool);

// Whether the Kubernetes object carries the pool label (any pool).
bool in_pool(const nlohmann::json& object);

// The namespaces of a pool listing, seen for run `run` of `profile`: the one this run claimed
// before (it carries the run's ownership labels: a re-run continues there), and the free ones
// (no pxclone.io/run label, not being deleted), sorted by name: the order claims try them in.
struct PoolChoice {
    std::optional<nlohmann::json> claimed;
    std::vector<nlohmann::json> free;
};
PoolChoice choose_pool_namespace(const std::vector<nlohmann::json>& namespaces,
                                 std::string_view profile, std::string_view run);

// The merge patch that claims `ns` (a free namespace as listed) for a run: `metadata` (a planned
// Namespace's: labels and annotations) added to its own, guarded by its resourceVersion.
nlohmann::json claim_patch(const nlohmann::json& ns, const nlohmann::json& metadata);

// Whether `key` is one of pxclone's own on a namespace: app.kubernetes.io/managed-by=pxclone and
// every pxclone.io/ key but the pool label (the admin's).
bool pxclone_key(std::string_view key, const nlohmann::json& value);

// The merge patch that releases a claimed pool namespace (as read): every pxclone_key of its
// labels and annotations removed, nothing else touched, guarded by its resourceVersion. Null
// when it carries none (released already).
nlohmann::json release_patch(const nlohmann::json& ns);

} // namespace pxclone::plan
