// The identity of one pipeline run: its id (a label value on every object it creates), the
// commit and the CI build, derived from flags and CI variables with the raw values kept for
// annotations.
#pragma once

#include "pxclone/util/environment.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pxclone::profile {

struct RunInfo {
    std::string id;        // label-safe: 1-63 characters of [a-z0-9-], alphanumeric at both ends
    std::string id_source; // "--run", the CI variable it came from, or "generated"
    std::string id_raw;    // the value before it was made label-safe
    std::optional<std::string> git_sha; // nullopt when unknown
    std::string git_sha_source;         // the CI variable, "git rev-parse HEAD", or ""
    std::string build_id;               // the CI build id; the run id outside CI
    std::string build_id_source;        // the CI variable, or "run id"
};

// What derive_run_info() needs from the outside world, injected so tests are deterministic.
struct RunInfoSources {
    const util::Environment* environment = nullptr;
    std::function<std::chrono::system_clock::time_point()> now;
    std::function<std::uint32_t()> random;
    // Runs a command (argv) and returns its standard output, or nullopt when it failed. Used
    // only for `git rev-parse HEAD` when no CI variable names the commit; may be empty.
    std::function<std::optional<std::string>(const std::vector<std::string>&)> run_command;
    // Where to ask git (`git -C DIR`); the working directory when empty.
    std::string git_directory;
};

// Run id: `flag_run_id` when non-empty, else CODEBUILD_BUILD_NUMBER, CODEBUILD_BUILD_ID,
// GITHUB_RUN_ID, CI_PIPELINE_ID (the first set and non-empty, made label-safe), else a
// generated "YYYYMMDD-HHMMSS-xxxx" (UTC time and 4 random base-36 characters).
// Git sha: CODEBUILD_RESOLVED_SOURCE_VERSION, GITHUB_SHA, CI_COMMIT_SHA, else `git rev-parse
// HEAD`. Build id: CODEBUILD_BUILD_ID, GITHUB_RUN_ID (with "-" GITHUB_RUN_ATTEMPT when set),
// CI_JOB_ID, BUILD_ID, else the run id.
// Throws pxclone::UsageError when `flag_run_id` has nothing label-safe in it (e.g. "___").
RunInfo derive_run_info(const std::string& flag_run_id, const RunInfoSources& sources);

} // namespace pxclone::profile
