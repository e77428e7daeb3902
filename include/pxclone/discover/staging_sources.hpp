// What a staging plan needs besides the profile, read from the cluster and the profile's files
// (reads only): shared by deploy-staging, validate and restore (--new-pvc, and swaps in place).
#pragma once

#include "pxclone/exec/catalog.hpp"
#include "pxclone/k8s/client.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/profile/manifests.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/profile/run_info.hpp"
#include "pxclone/util/environment.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <map>
#include <string>
#include <vector>

namespace pxclone::discover {

// The volume of `snapshot` (source "NAMESPACE/PVC") with the source PVC's class, access modes and
// its PV's fs type, read-only; the profile's and default values where production has moved on
// since the snapshot, or a field has the wrong type.
plan::SnapshotSetVolume describe_source_volume(const k8s::Client& kube,
                                               const profile::Profile& profile,
                                               const exec::SetSnapshot& snapshot);

// describe_source_volume for every snapshot of the set (in parallel on `pool`), in set order.
plan::SnapshotSet describe_set(const k8s::Client& kube, util::WorkerPool& pool,
                               const profile::Profile& profile, const exec::SnapshotSet& set);

// staging.manifests (substituted, parsed) and staging.mask.files (their content).
struct StagingInputs {
    std::vector<profile::ManifestFile> manifests;
    std::map<std::string, std::string> mask_files;
};

// Reads them; a file that cannot be read or manifests that do not parse are a UsageError (exit 2)
// listing every problem.
StagingInputs read_staging_inputs(const profile::Profile& profile, const profile::RunInfo& run,
                                  const util::Environment& environment);

} // namespace pxclone::discover
