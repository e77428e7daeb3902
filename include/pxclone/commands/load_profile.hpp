// What every command that works from a profile does first: read -p FILE, derive the run's
// identity, load and validate the profile.
#pragma once

#include "pxclone/commands/global_options.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/profile/diagnostic.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/profile/run_info.hpp"
#include "pxclone/util/environment.hpp"

namespace pxclone::cmd {

struct LoadedProfile {
    profile::Profile profile;
    profile::RunInfo run;
    // Legal but probably not meant (validate shows them).
    std::vector<profile::Diagnostic> warnings = {};
};

// When the run's commit is asked of `git rev-parse HEAD` if no CI variable names it. Starting git
// costs ~10 ms of CPU, as much as the rest of `validate`.
enum class GitLookup {
    always,          // the command records the commit on what it makes (snapshot, deploy, ...)
    when_referenced, // only when the profile's text mentions ${git.sha}; else run.git_sha is unset
};

// Reads globals.profile_path, derives the run (--run, CI variables, git) and loads the profile.
// Throws UsageError (exit 2) when the file cannot be read ("FILE: cannot read: reason") or the
// profile is invalid (headline plus one detail line per diagnostic), and for a --run value with
// nothing label-safe in it.
LoadedProfile load_profile(const GlobalOptions& globals, const util::Environment& environment,
                           GitLookup git = GitLookup::always);

// The profile's staging manifests, read and checked as deploy-staging checks them (namespaced
// kinds only, none in another namespace). Throws UsageError listing every problem of reading or
// parsing them; the object checks' problems are in the result.
plan::ManifestCheck read_manifests(const LoadedProfile& loaded,
                                   const util::Environment& environment);

// The same, for a command that cannot go on without them: throws UsageError (exit 2) naming
// every problem.
plan::ManifestCheck valid_manifests(const LoadedProfile& loaded,
                                    const util::Environment& environment);

} // namespace pxclone::cmd
