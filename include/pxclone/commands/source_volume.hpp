// What a staging plan needs of one snapshot's source PVC, shared by deploy-staging and restore.
#pragma once

#include "pxclone/exec/catalog.hpp"
#include "pxclone/k8s/client.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/profile/profile.hpp"

namespace pxclone::cmd {

// The volume of `snapshot` (source "NAMESPACE/PVC") with the source PVC's class, access modes and
// its PV's fs type, read-only; the profile's and default values where production has moved on
// since the snapshot, or a field has the wrong type.
plan::SnapshotSetVolume describe_source_volume(const k8s::Client& kube,
                                               const profile::Profile& profile,
                                               const exec::SetSnapshot& snapshot);

} // namespace pxclone::cmd
