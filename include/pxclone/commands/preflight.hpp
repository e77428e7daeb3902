// The checks of `pxclone validate --online`: what a CI job asks before it touches anything. Each
// check sends only reads (GET, the SDK's filter calls) and access reviews, never a write; each
// reports its own result, and a check that depends on one that failed is skipped, so every
// problem shows at once. The judgements on what the reads found are plan/online_checks.hpp.
#pragma once

#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/plan/check_report.hpp"
#include "pxclone/plan/staging_plan.hpp"

#include <vector>

namespace pxclone::cmd {

// cluster (reachable, credentials accepted: exec plugins run here), access (one
// SelfSubjectAccessReview per plan::needed_permissions entry), source-pvcs (exist, Bound,
// Portworx volumes), storage-classes, snapshot-class (method csi), portworx (an SDK gateway that
// accepts the token) and staging-namespace (free, or this run's); with a transfer,
// source-credential and staging-credential (each resolves to one credential on its own cluster).
// With staging.cluster the staging side is checked on a session of its own: staging-cluster,
// staging-access (the permissions needed on the staging cluster; access asks the source cluster
// only its own: plan::Permission::side), storage-classes, staging-portworx, staging-credential,
// staging-namespace. `manifests` are the offline check's findings (its
// resources decide what the manifests need). Never throws for what it checks; only for a failure
// of pxclone itself. The checks run on the sessions `connect` makes for each side (a failure to
// make one is that side's cluster check's).
std::vector<plan::Check> online_checks(const SessionFactory& connect, const LoadedProfile& loaded,
                                       const plan::ManifestCheck& manifests);

} // namespace pxclone::cmd
