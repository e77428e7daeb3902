// `pxclone teardown`, callable on a ready Session (the CLI builds one on the real cluster; unit
// tests on strict fake transports).
#pragma once

#include "pxclone/commands/global_options.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"

namespace pxclone::cmd {

struct TeardownOptions {
    bool expired = false;   // --expired
    bool all = false;       // --all
    bool snapshots = false; // --snapshots
};

// Validate: exactly one way of choosing (--run given explicitly: a run id from CI variables alone
// never selects what to delete), and -o text or json. Throws UsageError.
void validate_teardown(const GlobalOptions& globals, const TeardownOptions& options);

// Run: find the target (reads only), plan (pure: what carries this run's labels and is not
// production), delete through the session's teardown runner (under --dry-run it prints each
// DELETE instead), report on streams.out. Throws Error (exit 5) listing what could not be deleted.
void teardown(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
              const TeardownOptions& options, Streams streams);

// The same over two sessions: the environments on `staging` (ClusterSide::staging), the snapshot
// sets and their cloud backups (a transfer's, deleted before the snapshots; a set whose backups
// could not all be deleted keeps its snapshots, exit 5) on `source`. They are one and the same
// session without staging.cluster (the overload above).
void teardown(Session& staging, Session& source, const GlobalOptions& globals,
              const LoadedProfile& loaded, const TeardownOptions& options, Streams streams);

} // namespace pxclone::cmd
