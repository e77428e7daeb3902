// What `pxclone snapshot` will do, decided from the profile and what discovery found. Pure.
#pragma once

#include "pxclone/error.hpp"
#include "pxclone/plan/lineage.hpp"
#include "pxclone/plan/method_rules.hpp"
#include "pxclone/plan/source_volumes.hpp"
#include "pxclone/profile/profile.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pxclone::plan {

// A name made of the profile, the run and a suffix, as a DNS-1123 label (at most 63 characters).
// When the joined name is longer it is cut and ends in "-" and 8 hex digits of a stable hash of
// the whole name, so two long names that differ only at the end stay different.
std::string object_name(std::string_view profile, std::string_view run, std::string_view suffix);

// A snapshot of this run that already exists (found by its labels), from an attempt that died.
struct ExistingSnapshot {
    std::string id;     // Portworx snapshot id (portworx) or VolumeSnapshot name (csi)
    std::string source; // its pxclone.io/source: "namespace/pvc"
};

struct PlannedSnapshot {
    SourceVolume source;
    std::string name;     // deterministic: object_name(profile, run, pvc)
    Labels labels;        // Portworx: every lineage label; CSI: the Kubernetes labels
    Labels annotations;   // CSI only: lineage annotations
    std::string existing; // id of this run's earlier snapshot to reuse; "" to create one
};

struct SnapshotPlan {
    std::string set_id; // the run id
    profile::SnapshotMethod method = profile::SnapshotMethod::portworx;
    std::string source_namespace;
    std::string snapshot_class; // CSI: the VolumeSnapshotClass ("" = the cluster default)
    std::vector<PlannedSnapshot> snapshots;

    // How many snapshots must still be created (the rest are reused).
    std::size_t to_create() const;
};

// `lineage` carries profile, run, git sha, build id and created-at; role and set are filled in.
// `method` is the profile's (method::of(profile.snapshot.method)): it labels each snapshot.
SnapshotPlan plan_snapshot(const MethodRules& method, const profile::Profile& profile,
                           Lineage lineage, const std::vector<SourceVolume>& sources,
                           const std::vector<ExistingSnapshot>& existing);

// The error of a set whose source volumes do not all resolve (`problems` not empty): exit 3 when
// one is missing, else 1, with a detail line per problem.
Error source_problems_error(const std::string& profile, const std::vector<SourceProblem>& problems);

// Why a set was rolled back, and what the roll-back left.
struct SetFailure {
    std::string set_id;
    std::string run;
    std::vector<std::string> failures;  // hooks, snapshots, the deadline: one line each
    std::vector<std::string> leftovers; // what could not be deleted (exec::roll_back's lines)
    std::vector<std::string> uncertain; // creates cut short (exec::TakeOutcome::uncertain)
    std::optional<ExitCode> code;       // the snapshots' failure code, when one failed
    bool interrupted = false;           // a signal came (the reason, whatever it broke)
    std::optional<std::string> deadline_passed; // the deadline's origin, when it passed
};

// The error the command throws for a failed set: exit 130 when interrupted, 4 when the deadline
// passed, else the snapshots' code (default 1); 5 whenever something was left. The details list
// the failures, the leftovers and the creates cut short, each with how to remove it.
Error set_failure_error(const SetFailure& failure);

// Retention (snapshot.keep): one snapshot set as listing found it.
struct SnapshotSetSummary {
    std::string id;
    std::string created_at; // RFC 3339 UTC, so that text order is time order
};

// The sets to delete so that at most `keep` remain, oldest first: never `current`, never a set in
// `in_use` (a live staging environment was made from it) — such sets count towards `keep`.
std::vector<std::string> sets_to_prune(std::vector<SnapshotSetSummary> sets, int keep,
                                       const std::set<std::string>& in_use,
                                       const std::string& current);

} // namespace pxclone::plan
