#include "pxclone/exec/backup_sets.hpp"

#include "pxclone/error.hpp"
#include "pxclone/plan/lineage.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pxclone::exec {

std::vector<plan::BackupSet> list_backup_sets(const px::CloudBackupClient& backups,
                                              const std::string& credential_id,
                                              const std::string& profile,
                                              const std::string& set_id) {
    px::CloudBackupFilter filter;
    filter.credential_id = credential_id;
    filter.metadata = {{std::string(plan::k_managed_by_key), std::string(plan::k_managed_by_value)},
                       {std::string(plan::k_profile_key), profile}};
    if (!set_id.empty()) {
        filter.metadata.emplace(plan::k_snapshot_set_key, set_id);
    }
    filter.all = true; // the source cluster made them
    return plan::backup_sets(backups.enumerate_backups(filter), profile);
}

SnapshotSet snapshot_set_of(const plan::BackupSet& set) {
    SnapshotSet out;
    out.id = set.id;
    out.profile = set.profile;
    out.method = "portworx";
    out.created_at = set.created_at;
    out.source_namespace = set.source_namespace;
    out.git_sha = set.git_sha;
    out.build_id = set.build_id;
    out.expected = set.expected;
    for (const auto& backup : set.backups) {
        out.snapshots.push_back(SetSnapshot{
            .source = backup.source,
            .id = backup.backup_id,
            .portworx_id = backup.backup_id,
            .size = backup.size_bytes,
            .name = backup.backup_id,
            .ready = backup.state == px::CloudBackupState::done && backup.size_bytes > 0,
        });
    }
    const bool whole = plan::backup_set_problems(set).empty();
    out.state = whole ? SetState::complete : SetState::partial;
    return out;
}

plan::SnapshotSet describe_backup_set(const profile::Profile& profile, const SnapshotSet& set) {
    plan::SnapshotSet described;
    described.id = set.id;
    described.method = profile::SnapshotMethod::portworx;
    for (const auto& snapshot : set.snapshots) {
        described.volumes.push_back(plan::SnapshotSetVolume{
            .source_pvc = snapshot.source.substr(snapshot.source.find('/') + 1),
            .snapshot_id = snapshot.portworx_id,
            .size_bytes = snapshot.size,
            .storage_class = profile.staging.storage_class,
            .access_modes = {"ReadWriteOnce"},
        });
    }
    return described;
}

SnapshotSet find_backup_set(const px::CloudBackupClient& backups, const std::string& credential_id,
                            const std::string& profile, const std::string& set_id,
                            const std::vector<std::string>& sources) {
    const auto sets = list_backup_sets(backups, credential_id, profile, set_id);
    if (set_id.empty()) {
        for (const auto& set : sets) {
            if (plan::backup_set_problems(set, sources).empty()) {
                return snapshot_set_of(set);
            }
        }
        throw NotFoundError(fmt::format("no snapshot set of profile {} has every backup Done in "
                                        "the staging credential's object store ({} set(s) found)",
                                        profile, sets.size()),
                            "run `pxclone snapshot` with transfer on the source cluster, or name "
                            "a set with --snapshot");
    }
    const auto found = std::find_if(sets.begin(), sets.end(),
                                    [&set_id](const auto& set) { return set.id == set_id; });
    if (found == sets.end()) {
        throw NotFoundError(
            fmt::format("snapshot set {} of profile {} has no backup in the staging credential's "
                        "object store",
                        set_id, profile),
            "check --snapshot, and that `pxclone snapshot` ran with transfer for it");
    }
    auto problems = plan::backup_set_problems(*found, sources);
    if (!problems.empty()) {
        throw Error(ExitCode::not_found,
                    fmt::format("snapshot set {} of profile {} cannot be restored: {}", set_id,
                                profile, fmt::join(problems, "; ")),
                    "wait until its backups are Done (pxclone list on the source cluster), or "
                    "take a new set");
    }
    return snapshot_set_of(*found);
}

} // namespace pxclone::exec
