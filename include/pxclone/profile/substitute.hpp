// `${...}` substitution in profile values (pxclone-profile(5), SUBSTITUTIONS). Pure: the
// environment and the run's identity are passed in.
//
//   ${env.NAME}            the variable NAME; an error when it is unset
//   ${env.NAME:-default}   NAME, or `default` when NAME is unset or empty
//   ${run.id}              the label-safe run id
//   ${profile.name}        the profile's `name`
//   ${git.sha}             the commit being built (an error when it cannot be determined)
//   ${build.id}            the CI build id (the run id outside CI)
//   $${                    a literal "${"
#pragma once

#include "pxclone/util/environment.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pxclone::profile {

struct SubstitutionContext {
    const util::Environment* environment = nullptr; // required for ${env.*}
    std::string run_id;
    std::string profile_name;
    std::optional<std::string> git_sha; // nullopt: not in CI and not in a git repository
    std::string build_id;
};

struct Substituted {
    std::string value;               // the text with every resolvable reference replaced
    std::vector<std::string> errors; // one message per unresolvable or malformed reference
};

// Replaces every `${...}` in `text`. Errors name the reference, e.g.
// "${env.ECR_REPO}: environment variable ECR_REPO is not set (or give a default: ...)".
Substituted substitute(std::string_view text, const SubstitutionContext& context);

// True when `text` contains a `${` reference (not counting the `$${` escape).
bool has_references(std::string_view text);

} // namespace pxclone::profile
