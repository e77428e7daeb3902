// `pxclone refresh`: which snapshot set a long-lived staging environment moves to, decided without
// I/O. A refresh takes a new set of production (as `pxclone snapshot` does, under the set's own
// id), swaps every staging volume to it in place (as `restore --all --snapshot SET` does) and
// drops the sets no longer used (retention). Before it takes the set it records the set's id in
// the namespace's pxclone.io/refresh-set annotation (and the set it leaves in refresh-from), so
// that a refresh that was interrupted (even by SIGKILL) continues with that set on its next run,
// and clears it when done.
#pragma once

#include "pxclone/profile/profile.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace pxclone::plan {

// On the staging namespace while a refresh is under way: the set it moves the environment to.
inline constexpr std::string_view k_refresh_set_key = "pxclone.io/refresh-set";
// Beside it: the set the environment was on when the refresh began.
inline constexpr std::string_view k_refresh_from_key = "pxclone.io/refresh-from";

struct RefreshPlan {
    std::string run;
    std::string ns; // the staging namespace
    // The set the environment was on when this refresh began (its namespace's label, or the
    // record of an interrupted one); "" when unknown.
    std::string previous_set;
    std::string set;       // the set it moves to
    bool resumed = false;  // `set` came from the annotation of an interrupted refresh
    bool restored = false; // the namespace is already on `set`: only retention is left
    nlohmann::json mark;   // the patch recording `set` and `previous_set` (null when resumed)
    nlohmann::json clear;  // the patch removing the record once the refresh is done
    // Why nothing may be sent: the namespace is being deleted, is the source namespace, or lacks
    // pxclone's labels for this run.
    std::optional<std::string> refused;
};

// The id of a new set for run `run` at `now`: "<run>-<yyyymmddhhmmss>" (UTC), the run cut so that
// the whole is a label value (at most 63 characters).
std::string refresh_set_id(const std::string& run, std::chrono::system_clock::time_point now);

// The plan for run `run` of `profile` on its staging Namespace object (as listed).
RefreshPlan plan_refresh(const profile::Profile& profile, const std::string& run,
                         const nlohmann::json& staging_namespace,
                         std::chrono::system_clock::time_point now);

} // namespace pxclone::plan
