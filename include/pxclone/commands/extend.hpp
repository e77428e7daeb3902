// `pxclone extend`, callable on a ready Session (the CLI builds one on the real cluster; unit tests
// on strict fake transports).
#pragma once

#include "pxclone/commands/global_options.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace pxclone::cmd {

struct ExtendOptions {
    std::string ttl; // --ttl: a duration ("48h") or "never"; "" = the profile's staging.ttl
};

// The TTL `--ttl` asks for: nullopt for "never" (pinned), else a positive duration; "" is the
// profile's staging.ttl. Throws UsageError for anything else.
std::optional<std::chrono::milliseconds> extend_ttl(const ExtendOptions& options,
                                                    const profile::Profile& profile);

// Validate: --run given explicitly (a run id from CI variables never chooses what to keep),
// --ttl as extend_ttl reads it, -o text, json or yaml. Throws UsageError.
void validate_extend(const GlobalOptions& globals, const ExtendOptions& options,
                     const profile::Profile& profile);

// Run: find the run's staging namespace (one list by labels), plan its new expires-at (pure),
// patch it through the session's namespace runner (under --dry-run it prints the PATCH instead),
// report on streams.out. Throws NotFoundError (exit 3) when the run has no staging namespace,
// Error (exit 1) when the plan refuses to write.
void extend(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
            const ExtendOptions& options, Streams streams);

} // namespace pxclone::cmd
