// Where a staging run's volumes get their data, chosen here once for deploy-staging, restore and
// refresh by separate_clusters(profile): in one cluster each volume is a clone of a local
// snapshot (the catalog's sets, described from their source PVCs); in a staging cluster of its own
// (staging.cluster + transfer) each is restored from the set's cloud backup, and the sets are
// found and described by their backups on the staging cluster alone (the source cluster is never
// asked).
#pragma once

#include "pxclone/commands/global_options.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/discover/set_source.hpp"
#include "pxclone/exec/staging_runner.hpp"

#include <functional>
#include <memory>
#include <ostream>
#include <string_view>

namespace pxclone::cmd {

// The session's staging runner (made on demand: the Portworx client it uses may read its token).
using MakeRunner = std::function<std::unique_ptr<exec::StagingRunner>()>;

class StagingData {
public:
    // For `command` (in messages) on `session`, the staging side. UsageError (exit 2): a
    // staging.cluster without a transfer section. Sends no request.
    StagingData(Session& session, const GlobalOptions& globals, std::string_view command);

    // Whether the volumes are restored from cloud backups (a staging cluster of its own).
    bool from_backups() const { return m_from_backups; }
    // Where the sets are found and described.
    const discover::SetSource& sets() const { return *m_sets; }
    // The runner that makes each volume from its set's snapshot: make_runner()'s (the session's
    // staging runner, or its dry-run twin) that clones it, or, from backups, one wrapping it whose
    // clone step restores the backup (exec::make_cloud_restore_runner; under --dry-run its twin
    // prints the restore requests to `dry_out`). Resolves the transfer credential then.
    std::unique_ptr<exec::StagingRunner> runner(const MakeRunner& make_runner,
                                                exec::StagingContext context,
                                                std::ostream& dry_out) const;

    // A set a dry run would take (planned_set), as these sets look: as is, or as its backups
    // would describe it (method portworx, each snapshot's backup a placeholder).
    exec::SnapshotSet planned(exec::SnapshotSet set) const;

private:
    Session& m_session;
    const GlobalOptions& m_globals;
    bool m_from_backups = false;
    std::unique_ptr<discover::SetSource> m_sets;
};

} // namespace pxclone::cmd
