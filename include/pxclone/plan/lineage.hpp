// The labels and annotations that make every object pxclone creates traceable to its profile,
// run, source and commit (README.md, "Architecture"), and findable again from any machine: state
// lives in the cluster, not on the runner.
#pragma once

#include "pxclone/profile/run_info.hpp"

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace pxclone::plan {

using Labels = std::map<std::string, std::string>;

// Labels: selectable, so values are label-safe.
inline constexpr std::string_view k_managed_by_key = "app.kubernetes.io/managed-by";
inline constexpr std::string_view k_managed_by_value = "pxclone";
inline constexpr std::string_view k_profile_key = "pxclone.io/profile";
inline constexpr std::string_view k_run_key = "pxclone.io/run";
inline constexpr std::string_view k_role_key = "pxclone.io/role";
// The snapshot set an object was made from (a set's id is the run id that took it). A label, so
// that retention can ask "does any live environment still use this set?".
inline constexpr std::string_view k_snapshot_set_key = "pxclone.io/snapshot-set";
// On snapshots: how many snapshots their set was planned with, so that a listing can tell a
// complete set from one whose run died half-way.
inline constexpr std::string_view k_set_size_key = "pxclone.io/set-size";

// Annotations (Kubernetes) or further labels (Portworx, which has only labels): free text.
inline constexpr std::string_view k_source_key = "pxclone.io/source"; // "namespace/pvc"
inline constexpr std::string_view k_git_sha_key = "pxclone.io/git-sha";
inline constexpr std::string_view k_build_id_key = "pxclone.io/build-id";
inline constexpr std::string_view k_created_at_key = "pxclone.io/created-at"; // RFC 3339 UTC
inline constexpr std::string_view k_expires_at_key = "pxclone.io/expires-at"; // RFC 3339 UTC
// expires-at of a staging namespace pinned by `extend --ttl never`: `teardown --expired` never
// selects it. Not a time, so a pxclone that predates pinning does not take it for expired either.
inline constexpr std::string_view k_never_expires = "never";
// Set on the staging Namespace by deploy-staging once every workload is ready (RFC 3339 UTC):
// an environment without it is still being made, or its deploy was interrupted.
inline constexpr std::string_view k_ready_at_key = "pxclone.io/ready-at";
// Set by an admin on the namespaces of a pool (staging.pool): pxclone selects on it, never
// writes or removes it, and never deletes a namespace that carries it.
inline constexpr std::string_view k_pool_key = "pxclone.io/pool";

// baseline: a Portworx snapshot of a staging clone once its data is final (masked), what
// `pxclone restore` rolls the staging volume back to; it belongs to its staging run.
enum class Role { snapshot, staging, baseline };
std::string_view role_name(Role role); // "snapshot" / "staging" / "baseline"

// Who made an object and for what.
struct Lineage {
    std::string profile; // profile name
    std::string run;     // label-safe run id
    Role role = Role::snapshot;
    std::string snapshot_set; // the set id ("" when none applies)
    std::string source;       // "namespace/pvc" ("" when none applies)
    std::string git_sha;      // "" when unknown
    std::string build_id;
    std::string created_at; // RFC 3339 UTC
    std::string expires_at; // RFC 3339 UTC, staging only ("" otherwise)
    int set_size = 0;       // snapshots only: the planned size of the set (0: not labelled)
};

// The lineage of what run `run` of profile `profile` makes from `created_at` (RFC 3339 UTC) on:
// profile, run, git sha ("" when unknown), build id, created-at; role snapshot, the rest empty
// (the planners fill in role, set, source, expiry).
Lineage run_lineage(const std::string& profile, const profile::RunInfo& run,
                    std::string created_at);

// managed-by, profile, run and role: what proves an object belongs to one run of one profile.
// Teardown deletes nothing that lacks every one of these.
Labels ownership_labels(const Lineage& lineage);

// ownership_labels of run `run` of `profile` in `role`: the selector that finds them again.
Labels run_selector(const std::string& profile, const std::string& run, Role role);

// The Kubernetes labels: ownership_labels plus the snapshot set and its size when known.
Labels kubernetes_labels(const Lineage& lineage);

// The Kubernetes annotations: source, git sha, build id, created-at, expires-at (non-empty only).
Labels kubernetes_annotations(const Lineage& lineage);

// Portworx volume labels: kubernetes_labels and kubernetes_annotations in one map.
Labels portworx_labels(const Lineage& lineage);

// "app.kubernetes.io/managed-by=pxclone,pxclone.io/profile=orders,..." for a label selector.
std::string selector_for(const Labels& labels);

// metadata.labels[key] / metadata.annotations[key] of a Kubernetes object; "" when absent or
// not a string.
std::string label_of(const nlohmann::json& object, std::string_view key);
std::string annotation_of(const nlohmann::json& object, std::string_view key);

} // namespace pxclone::plan
