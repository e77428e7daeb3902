// `pxclone deploy-staging`, callable on a ready Session (the CLI builds one on the real cluster;
// unit tests on strict fake transports).
#pragma once

#include "pxclone/commands/global_options.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/util/environment.hpp"

#include <string>

namespace pxclone::cmd {

struct DeployOptions {
    std::string snapshot_set;     // --snapshot: the set to use; default the newest complete one
    bool fresh = false;           // --fresh: take a new set (id = the run id) and use it
    bool skip_hooks = false;      // --skip-hooks: with --fresh, no source hooks
    bool keep_on_failure = false; // --keep-on-failure: leave a failed environment for debugging
};

// Validate: --fresh excludes --snapshot; --skip-hooks needs --fresh. Throws UsageError.
void validate_deploy_staging(const DeployOptions& options);

// Run: choose the set (or take one with --fresh) → read the source volumes and the manifests →
// plan (pure; every problem at once, exit 2) → the session's staging runner walks the plan (under
// --dry-run it prints the requests instead) → report on streams.out. A failure lists what exists
// of the environment, or removes one that may hold unmasked data (unless --keep-on-failure).
void deploy_staging(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
                    const DeployOptions& options, const util::Environment& environment,
                    Streams streams);

} // namespace pxclone::cmd
