// Retention (snapshot.keep) of `pxclone snapshot`: decided before the first write, so that the
// reads it needs (the sets, the environments using them, the objects of the sets to delete) fail,
// when the identity may not do them, before a hook runs or a snapshot is made; applied once the
// new set is complete.
#pragma once

#include "pxclone/exec/teardown.hpp"
#include "pxclone/k8s/client.hpp"
#include "pxclone/plan/teardown_plan.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/px/client.hpp"
#include "pxclone/util/clock.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace pxclone::exec {

struct Retention {
    std::vector<std::string> sets; // to delete, oldest first
    plan::TeardownTarget target;
    plan::TeardownPlan plan;
};

// Reads only: the profile's sets (through the Catalog, with the `method_kinds` of its method)
// and chooses with plan::sets_to_prune the oldest beyond `keep` once `current` (created at
// `created_at`, RFC 3339) exists — never `current`, never a set a live staging environment was
// made from — and finds their objects. Throws ApiError/TransportError when a read fails.
Retention find_retention(const k8s::Client& kube, const px::Client& portworx,
                         const profile::Profile& profile,
                         const std::vector<std::string>& method_kinds, const std::string& current,
                         const std::string& created_at);

struct RetentionResult {
    std::vector<std::string> pruned;   // the sets deleted (or, dry run, that would be)
    std::vector<std::string> warnings; // what could not be deleted: the next run tries again
};

// Deletes the sets `retention` chose. What could not be deleted is a warning, not a failure: the
// new set is complete. Rethrows InterruptedError.
RetentionResult apply_retention(const Retention& retention, const TeardownContext& context);

// The dry run's retention: prints each DELETE apply_retention would send ("DELETE PATH", one a
// line) to `out` and reports the sets as pruned; sends nothing.
RetentionResult print_retention(const Retention& retention, std::ostream& out);

} // namespace pxclone::exec
