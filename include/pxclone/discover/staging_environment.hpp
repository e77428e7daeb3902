// What deploy-staging reads besides the source volumes (reads only): the snapshot set to deploy,
// and, after a failure, what exists of the run's environment.
#pragma once

#include "pxclone/exec/catalog.hpp"
#include "pxclone/k8s/client.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/px/client.hpp"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::discover {

// The set to deploy among `sets` (pure): `requested` when given, else the newest complete set.
// Throws NotFoundError (exit 3) when there is none, Error (exit 1) for a partial set.
exec::SnapshotSet pick_set(const std::vector<exec::SnapshotSet>& sets,
                           const std::string& profile_name, const std::string& requested);

// pick_set over the profile's sets as the catalog lists them.
exec::SnapshotSet choose_set(const exec::Catalog& catalog, const std::string& profile_name,
                             const std::string& requested);

// What exists of run `run`'s staging environment, one "  what" line each: the run's staging
// objects found by their labels on both APIs (also what an earlier attempt made), then the
// entries of `written` (what this attempt wrote that teardown does not look for: Services,
// ConfigMaps, ...) not named yet. When listing fails, a line says so and `written` is all there
// is. Reads only; never throws.
std::vector<std::string> account_of(const k8s::Client& kube, const px::Client& portworx,
                                    const profile::Profile& profile, const std::string& run,
                                    const std::vector<std::string>& written);

} // namespace pxclone::discover
