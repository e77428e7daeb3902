// `pxclone extend`: the new expiry of one staging environment, decided without I/O. The expiry
// lives in the staging namespace's pxclone.io/expires-at annotation (deploy-staging sets it from
// staging.ttl); extend rewrites that one annotation with a merge patch and touches nothing else.
#pragma once

#include "pxclone/profile/profile.hpp"

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace pxclone::plan {

// What extend was asked: the run, and its new TTL counted from `now` (nullopt: --ttl never).
struct ExtendRequest {
    std::string run;
    std::optional<std::chrono::milliseconds> ttl;
    std::chrono::system_clock::time_point now;
};

struct ExtendPlan {
    std::string run;
    std::string ns;         // the staging namespace whose annotation changes
    std::string previous;   // its expires-at before ("" when none was recorded)
    std::string expires_at; // RFC 3339 UTC, or "never"
    bool pinned = false;    // expires_at is "never"
    nlohmann::json patch;   // the namespace's merge patch: metadata.annotations only
    // Why nothing may be sent (patch is null then): the namespace is being deleted, is the
    // profile's source namespace, or lacks pxclone's labels for this run.
    std::optional<std::string> refused;
};

// Why pxclone may not write to the metadata of `staging_namespace` (a Namespace object) for run
// `run` of `profile`: it lacks one of the run's ownership labels (role staging), is the source
// namespace, or is being deleted; nullopt when it may. extend and refresh ask this first.
std::optional<std::string> namespace_refusal(const profile::Profile& profile,
                                             const std::string& run,
                                             const nlohmann::json& staging_namespace);

// metadata.labels[key] (`section` "labels") or metadata.annotations[key] of an object; "" when
// absent or not a string.
std::string metadata_value(const nlohmann::json& object, std::string_view section,
                           std::string_view key);

// The plan for `request` on `staging_namespace`, the Namespace object labelled role=staging for
// that run of `profile` (discover::staging_namespaces found it).
ExtendPlan plan_extend(const profile::Profile& profile, const ExtendRequest& request,
                       const nlohmann::json& staging_namespace);

} // namespace pxclone::plan
