#include "pxclone/commands/staging_data.hpp"

#include "pxclone/error.hpp"
#include "pxclone/exec/cloud_restore.hpp"

#include <fmt/format.h>

namespace pxclone::cmd {

StagingData::StagingData(Session& session, const GlobalOptions& globals, std::string_view command)
    : m_session(session), m_globals(globals) {
    const auto& profile = session.profile();
    const auto portworx = [&session]() -> const px::Client& {
        return session.portworx();
    };
    if (!separate_clusters(profile)) {
        m_sets = discover::make_snapshot_set_source(session.kube(), portworx, session.fan_out());
        return;
    }
    if (!profile.transfer) {
        throw UsageError(fmt::format("{}: profile {} stages in another cluster "
                                     "(staging.cluster) but has no transfer section",
                                     command, profile.name));
    }
    m_from_backups = true;
    m_sets = discover::make_backup_set_source(portworx, session.cluster_name(),
                                              [&session] { return session.transfer_credential(); });
}

std::unique_ptr<exec::StagingRunner> StagingData::runner(const MakeRunner& make_runner,
                                                         exec::StagingContext context,
                                                         std::ostream& dry_out) const {
    if (!m_from_backups) {
        return make_runner();
    }
    const exec::CloudRestoreOptions restore{m_session.transfer_credential(),
                                            m_session.profile().transfer->restore_timeout,
                                            m_session.cluster_name()};
    if (m_globals.dry_run) {
        return exec::make_dry_run_cloud_restore_runner(dry_out, restore);
    }
    return exec::make_cloud_restore_runner(make_runner(), m_session.portworx(), std::move(context),
                                           restore);
}

exec::SnapshotSet StagingData::planned(exec::SnapshotSet set) const {
    if (!m_from_backups) {
        return set;
    }
    set.method = "portworx"; // a restored volume is a Portworx volume (describe_backup_set)
    for (auto& snapshot : set.snapshots) {
        // No space: a dry run's line stays "METHOD PATH BODY".
        snapshot.portworx_id = fmt::format("<backup-of-{}>", snapshot.source);
        snapshot.id = snapshot.portworx_id;
    }
    return set;
}

} // namespace pxclone::cmd
