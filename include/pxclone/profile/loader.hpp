// Reading a profile: YAML text -> validated, substituted Profile, or every problem found.
//
// The loader never throws for a bad profile; whatever is wrong comes back as diagnostics
// (syntax, tabs, binary data, size and nesting limits, unknown keys with "did you mean",
// types, required keys, Kubernetes names, durations, duplicate keys, inline secrets,
// unresolvable `${...}`). It reads no file and no environment variable itself.
#pragma once

#include "pxclone/profile/diagnostic.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/profile/substitute.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pxclone::profile {

// Limits that keep a hostile or mistaken input from exhausting memory or stack.
inline constexpr std::size_t k_max_profile_bytes = 1024 * 1024;
inline constexpr int k_max_nesting_depth = 32;
inline constexpr std::size_t k_max_diagnostics = 100;

struct LoadOptions {
    std::string file = "pxclone.yaml"; // named in diagnostics; its directory becomes base_dir
    // Substitution values; `profile_name` is filled in from the profile's own `name`.
    SubstitutionContext substitution;
    // Why a path (already joined with base_dir) names no file to read ("does not exist", "is not
    // a regular file (a FIFO)"), nullopt when it does; when set, manifests, mask files, ca_file,
    // kubeconfig and hook commands with a '/' are checked (not secret files: a token may be
    // mounted only where the snapshot runs; reading it says what is wrong).
    std::function<std::optional<std::string>(const std::string&)> file_problem;
};

struct LoadResult {
    std::optional<Profile> profile;      // set exactly when diagnostics is empty
    std::vector<Diagnostic> diagnostics; // in file order; at most k_max_diagnostics (+1 summary)
    // Legal but probably not meant (a transfer into the same cluster); they never stop a load.
    std::vector<Diagnostic> warnings = {};
};

LoadResult load_profile(std::string_view text, const LoadOptions& options);

// What the diagnostic for a text over k_max_profile_bytes says (a reader that stops at the limit
// reports the same).
std::string too_large_message();

// `path` resolved against the profile's base_dir (absolute paths unchanged).
std::string resolve_path(const Profile& profile, const std::string& path);

} // namespace pxclone::profile
