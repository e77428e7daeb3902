// The profile's source hooks (e.g. MongoDB's fsyncLock/fsyncUnlock): local programs run without a
// shell, with the run's identity in PXCLONE_* variables.
#pragma once

#include "pxclone/profile/profile.hpp"
#include "pxclone/util/clock.hpp"
#include "pxclone/util/process.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace pxclone::exec {

// What a hook is told, as environment variables added to pxclone's own environment.
struct HookEnvironment {
    std::string run;               // PXCLONE_RUN
    std::string profile;           // PXCLONE_PROFILE: the profile file
    std::string source_namespace;  // PXCLONE_SOURCE_NAMESPACE
    std::vector<std::string> pvcs; // PXCLONE_PVCS, space-separated
    std::string kubeconfig;        // KUBECONFIG, when pxclone was given one
    std::string context;           // PXCLONE_CONTEXT, when pxclone was given one
    // Pre-hooks: the latest time pxclone runs the post-hooks, had it not been killed. Told as
    // PXCLONE_HOOK_DEADLINE (RFC 3339, UTC) and PXCLONE_HOOK_DEADLINE_SECONDS (whole seconds from
    // the hook's start, rounded up, 0 once passed): a hook that freezes something arms a release
    // that fires then unless the post-hook ran first, so a pxclone killed in between (SIGKILL, a
    // CI job's timeout) cannot leave production frozen.
    std::optional<std::chrono::system_clock::time_point> deadline;
    // What "now" is for PXCLONE_HOOK_DEADLINE_SECONDS (the session's clock); the system clock when
    // null.
    const util::Clock* clock = nullptr;
};

struct HookOutcome {
    std::string command; // argv joined with spaces, for messages
    bool ok = false;
    std::string reason; // why it failed: "exited 1: <last stderr line>", "timed out after 5m", ...
};

// Runs `hooks` in order. With stop_at_failure (pre-hooks), the first failure ends the list; without
// it (post-hooks), every hook runs whatever the others did, so a lock taken is always released.
// Relative program paths containing '/' are resolved against the profile's directory.
std::vector<HookOutcome> run_hooks(util::ProcessRunner& runner, const profile::Profile& profile,
                                   const std::vector<profile::Hook>& hooks,
                                   const HookEnvironment& environment, bool stop_at_failure);

// The profile's pre-hooks (source.hooks.pre), stopping at the first failure. A freeze must
// release itself should pxclone be killed before the post-hooks: PXCLONE_HOOK_DEADLINE is now
// (`clock`) plus `budget` (the snapshots' time) plus every pre-hook's timeout. Returns a line
// per failure ("pre-hook `CMD` REASON"); none when all succeeded.
std::vector<std::string> run_pre_hooks(util::ProcessRunner& runner, const profile::Profile& profile,
                                       HookEnvironment environment, const util::Clock& clock,
                                       std::chrono::milliseconds budget);

// The profile's post-hooks (source.hooks.post), every one whatever the others did. Returns a
// line per failure ("post-hook `CMD` REASON").
std::vector<std::string> run_post_hooks(util::ProcessRunner& runner,
                                        const profile::Profile& profile,
                                        const HookEnvironment& environment);

// For --dry-run: a process runner that starts nothing. Each run prints "RUN PROGRAM ARGS..." (the
// program as resolved, arguments quoted where a shell would need it) to `out` and succeeds, so
// the dry run names every hook in its place among the requests.
std::unique_ptr<util::ProcessRunner> make_dry_run_process_runner(std::ostream& out);

// The environment a hook started at `now` gets: `inherited` ("NAME=value" entries) with the
// PXCLONE_* variables replacing any of the same name.
std::vector<std::string> hook_environment(std::vector<std::string> inherited,
                                          const HookEnvironment& environment,
                                          std::chrono::system_clock::time_point now = {});

} // namespace pxclone::exec
