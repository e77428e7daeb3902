// Where the snapshot sets a staging run makes its volumes from are found and described: this
// cluster's snapshots (the catalog, and the source PVCs they were taken of), or, for a staging
// cluster of its own, the sets' cloud backups in the shared object store (their metadata only:
// the source cluster is never asked). deploy-staging and restore (swaps in place, --new-pvc) plan
// through it alike; commands/staging_data.hpp chooses which one, once.
#pragma once

#include "pxclone/exec/catalog.hpp"
#include "pxclone/k8s/client.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/px/client.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace pxclone::discover {

class SetSource {
public:
    virtual ~SetSource() = default;

    // The set deploy-staging uses: `requested`, or ("") the newest complete one. NotFoundError
    // (exit 3) when there is none (or, for backups, when one of its backups is not Done).
    virtual exec::SnapshotSet choose(const profile::Profile& profile,
                                     const std::string& requested) const = 0;
    // The profile's sets, whole or not, among which set `id` is looked up: every one (the
    // catalog), or, for a source that lists by set, set `id` only (none when it has no such set;
    // every set for "").
    virtual std::vector<exec::SnapshotSet> sets(const profile::Profile& profile,
                                                const std::string& id) const = 0;
    virtual bool lists_by_set() const = 0;
    // What plan_staging needs of `set`, and of its `snapshot` alone.
    virtual plan::SnapshotSet describe(const profile::Profile& profile,
                                       const exec::SnapshotSet& set) const = 0;
    virtual plan::SnapshotSetVolume describe_volume(const profile::Profile& profile,
                                                    const exec::SnapshotSet& set,
                                                    const exec::SetSnapshot& snapshot) const = 0;
};

// This cluster's snapshots: the catalog over `portworx` (made on first use: its token may be read
// from a Secret), each volume described from its source PVC (describe_set, on `pool`).
std::unique_ptr<SetSource> make_snapshot_set_source(const k8s::Client& kube,
                                                    std::function<const px::Client&()> portworx,
                                                    util::WorkerPool& pool);

// The cloud backups the staging cluster's Portworx sees in the object store of the transfer's
// credential (`credential`: its uuid, resolved on first use), described from their metadata
// (exec::find_backup_set, exec::describe_backup_set). `cluster` names that cluster in messages.
std::unique_ptr<SetSource> make_backup_set_source(std::function<const px::Client&()> portworx,
                                                  std::string cluster,
                                                  std::function<std::string()> credential);

} // namespace pxclone::discover
