// `pxclone refresh`, callable on a ready Session (the CLI builds one on the real cluster; unit
// tests on strict fake transports).
#pragma once

#include "pxclone/commands/global_options.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/util/environment.hpp"

namespace pxclone::cmd {

struct RefreshOptions {
    bool skip_hooks = false; // --skip-hooks: the new set without the source hooks
};

// Validate: --run given explicitly, -o text, json or yaml. Throws UsageError.
void validate_refresh(const GlobalOptions& globals);

// Run: the run's staging namespace (one list by labels) -> plan::plan_refresh (the set it moves
// to, or an interrupted refresh's) -> record it on the namespace -> take the set (snapshot's
// take_snapshot_set, which completes an interrupted one) -> swap every staging volume to it in
// place, masked again (restore_in_place, which resumes an interrupted one) -> retention
// (snapshot.keep; never a set in use) -> clear the record -> report. Under --dry-run every
// runner prints its requests instead. Throws NotFoundError (exit 3) without a staging namespace,
// and whatever snapshot and restore throw (an interrupted refresh finishes when run again).
// `staging`: the staging cluster's session (the namespace, its record, the swap); `source`: the
// source cluster's (the set, retention); the same session without staging.cluster. With one, the
// set's volumes are restored from its cloud backups (StagingData), taken Done by the source side.
void refresh(Session& staging, Session& source, const GlobalOptions& globals,
             const LoadedProfile& loaded, const RefreshOptions& options,
             const util::Environment& environment, Streams streams);
// One cluster: refresh(session, session, ...).
void refresh(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
             const RefreshOptions& options, const util::Environment& environment, Streams streams);

} // namespace pxclone::cmd
