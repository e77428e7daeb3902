// `pxclone restore`, callable on a ready Session (the CLI builds one on the real cluster; unit
// tests on strict fake transports).
#pragma once

#include "pxclone/commands/global_options.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/util/environment.hpp"

#include <string>
#include <vector>

namespace pxclone::cmd {

struct RestoreOptions {
    std::string snapshot_set;      // --snapshot
    std::vector<std::string> pvcs; // --pvc
    bool all = false;              // --all
    std::string ns;                // -n
    std::string new_pvc;           // --new-pvc
    std::string from;              // --from
};

// Validate: one mode (in place: --run and --pvc... | --all; or --new-pvc with --snapshot, -n and
// --from, never into the source namespace), -o text, json or yaml. Throws UsageError.
void validate_restore(const GlobalOptions& globals, const RestoreOptions& options,
                      const profile::Profile& profile);

// Run: discover (reads only; refuses PVCs pxclone did not make for this profile and run) → plan
// → the session's restore and staging runners (under --dry-run they print every write instead)
// → report on streams.out.
void restore(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
             const RestoreOptions& options, const util::Environment& environment, Streams streams);

} // namespace pxclone::cmd
