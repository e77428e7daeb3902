// `pxclone list`, callable on a ready Session (the CLI builds one on the real cluster; unit tests
// on strict fake transports).
#pragma once

#include "pxclone/commands/global_options.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"

namespace pxclone::cmd {

struct ListOptions {
    bool all_profiles = false; // --all-profiles
};

// Validate: -o text, json, yaml or name. Throws UsageError.
void validate_list(const GlobalOptions& globals);

// Run: the snapshot sets and staging environments of the profile (of every profile with
// --all-profiles), read-only on both APIs, printed on streams.out (text: "nothing found" on
// streams.err).
void list(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
          const ListOptions& options, Streams streams);

// The same over two sessions: the environments from `staging` (ClusterSide::staging), the sets
// from `source` (ClusterSide::source), with a transfer each snapshot's cloud backup state (one
// listing of the profile's backups in the source credential's store; not with
// --all-profiles). One and the same session without staging.cluster (the overload above).
void list(Session& staging, Session& source, const GlobalOptions& globals,
          const LoadedProfile& loaded, const ListOptions& options, Streams streams);

} // namespace pxclone::cmd
