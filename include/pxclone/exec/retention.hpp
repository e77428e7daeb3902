// Retention (snapshot.keep) of `pxclone snapshot`: decided before the first write, so that the
// reads it needs (the sets, the environments using them, the objects of the sets to delete) fail,
// when the identity may not do them, before a hook runs or a snapshot is made; applied once the
// new set is complete.
#pragma once

#include "pxclone/exec/set_backups.hpp"
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
    SetBackups backups; // the sets' cloud backups (a transfer's); deleted before the snapshots
};

// Reads only: the profile's sets (through the Catalog, with the `method_kinds` of its method)
// and chooses with plan::sets_to_prune the oldest beyond `keep` once `current` (created at
// `created_at`, RFC 3339) exists — never `current`, never a set a live staging environment in
// this cluster was made from — and finds their objects, and with a transfer
// (`backup_credential`, the source credential's uuid; "" without one) their cloud backups. A
// staging cluster of its own (staging.cluster) is not read: its environments are restored
// volumes that no longer need the backups they came from (docs: "Retention"). Throws
// ApiError/TransportError/SdkError when a read fails.
Retention find_retention(const k8s::Client& kube, const px::Client& portworx,
                         const profile::Profile& profile,
                         const std::vector<std::string>& method_kinds, const std::string& current,
                         const std::string& created_at, const std::string& backup_credential = {});

struct RetentionResult {
    std::vector<std::string> pruned;   // the sets deleted (or, dry run, that would be)
    std::vector<std::string> warnings; // what could not be deleted: the next run tries again
};

// Deletes the sets `retention` chose: their cloud backups first, then their objects. What could
// not be deleted is a warning, not a failure: the new set is complete. A set with a backup that
// could not be deleted keeps its snapshots (none is deleted then) for the next run to retry.
// Rethrows InterruptedError.
RetentionResult apply_retention(const Retention& retention, const TeardownContext& context);

// The dry run's retention: prints each DELETE apply_retention would send ("DELETE PATH", one a
// line: the backups', then the objects') to `out` and reports the sets as pruned; sends nothing.
RetentionResult print_retention(const Retention& retention, std::ostream& out);

} // namespace pxclone::exec
