// `pxclone validate`, callable with a loaded profile and a way to make a Session (the CLI makes
// one on the real cluster; unit tests on strict fake transports).
#pragma once

#include "pxclone/commands/global_options.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/util/environment.hpp"

namespace pxclone::cmd {

struct ValidateOptions {
    bool online = false; // --online: also check the cluster, sending no write
};

// Offline: the manifests are read and checked (a problem throws UsageError, exit 2), then the
// profile is printed resolved in globals.output's form. --online: the offline checks and the
// cluster's (preflight.hpp) on the session `connect` makes, one result per check; throws Error
// with the most basic failure's code when a check failed. Sends no write.
void validate(const GlobalOptions& globals, const ValidateOptions& options,
              const LoadedProfile& loaded, const util::Environment& environment,
              const SessionFactory& connect, Streams streams);

} // namespace pxclone::cmd
