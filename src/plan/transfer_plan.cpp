#include "pxclone/plan/transfer_plan.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace pxclone::plan {

namespace {

std::string backup_task_id(const std::string& snapshot_id, int failed_attempts) {
    const auto base = "pxclone-" + snapshot_id;
    return failed_attempts == 0 ? base : fmt::format("{}-{}", base, failed_attempts + 1);
}

} // namespace

std::size_t TransferPlan::to_start() const {
    return static_cast<std::size_t>(
        std::count_if(backups.begin(), backups.end(),
                      [](const PlannedBackup& backup) { return backup.existing.empty(); }));
}

TransferPhase phase_of(px::CloudBackupState state) {
    switch (state) {
    case px::CloudBackupState::done:
        return TransferPhase::done;
    case px::CloudBackupState::failed:
    case px::CloudBackupState::aborted:
    case px::CloudBackupState::stopped:
    case px::CloudBackupState::invalid:
        return TransferPhase::failed;
    case px::CloudBackupState::not_started:
    case px::CloudBackupState::queued:
    case px::CloudBackupState::active:
    case px::CloudBackupState::paused:
    case px::CloudBackupState::unknown:
        break;
    }
    return TransferPhase::in_progress;
}

int progress_rank(px::CloudBackupState state) {
    switch (phase_of(state)) {
    case TransferPhase::done:
        return 2;
    case TransferPhase::in_progress:
        return 1;
    case TransferPhase::failed:
        break;
    }
    return 0;
}

std::string metadata_value(const px::CloudBackupInfo& backup, std::string_view key) {
    const auto it = backup.metadata.find(std::string(key));
    return it == backup.metadata.end() ? std::string() : it->second;
}

Labels backup_metadata(const TransferSnapshot& snapshot) {
    auto metadata = snapshot.labels;
    metadata[std::string(k_snapshot_id_key)] = snapshot.snapshot_id;
    if (snapshot.size_bytes > 0) {
        metadata[std::string(k_size_key)] = std::to_string(snapshot.size_bytes);
    }
    return metadata;
}

Labels set_backup_selector(const std::string& profile, const std::string& set_id) {
    return {{std::string(k_managed_by_key), std::string(k_managed_by_value)},
            {std::string(k_profile_key), profile},
            {std::string(k_snapshot_set_key), set_id}};
}

TransferPlan plan_transfer(const std::string& set_id,
                           const std::vector<TransferSnapshot>& snapshots,
                           const TransferCredentials& credentials,
                           const std::vector<px::CloudBackupInfo>& existing) {
    TransferPlan plan;
    plan.set_id = set_id;
    for (const auto& snapshot : snapshots) {
        PlannedBackup backup;
        backup.source = snapshot.source;
        backup.snapshot_id = snapshot.snapshot_id;
        const auto profile_it = snapshot.labels.find(std::string(k_profile_key));
        const auto profile =
            profile_it == snapshot.labels.end() ? std::string() : profile_it->second;
        int failed = 0;
        for (const auto& found : existing) {
            // Matched by the snapshot it was made of: the set's metadata alone could name a
            // snapshot that a retry replaced.
            if (metadata_value(found, k_snapshot_id_key) != snapshot.snapshot_id ||
                metadata_value(found, k_snapshot_set_key) != set_id ||
                metadata_value(found, k_managed_by_key) != k_managed_by_value ||
                metadata_value(found, k_profile_key) != profile) {
                continue;
            }
            if (phase_of(found.state) == TransferPhase::failed) {
                ++failed;
            } else if (backup.existing.empty() || phase_of(found.state) == TransferPhase::done) {
                backup.existing = found.id; // a done one wins over one still running
            }
        }
        if (backup.existing.empty()) {
            backup.request.volume_id = snapshot.snapshot_id;
            backup.request.credential_id = credentials.source_id;
            backup.request.task_id = backup_task_id(snapshot.snapshot_id, failed);
            backup.request.labels = backup_metadata(snapshot);
        }
        plan.backups.push_back(std::move(backup));
    }
    return plan;
}

TransferVerdict judge_transfer(const std::vector<BackupProgress>& backups, std::size_t expected) {
    TransferVerdict verdict;
    std::size_t done = 0;
    for (const auto& backup : backups) {
        if (!backup.state) {
            verdict.waiting.push_back(backup.source);
            continue;
        }
        switch (phase_of(*backup.state)) {
        case TransferPhase::done:
            ++done;
            break;
        case TransferPhase::failed: {
            const auto name = px::cloud_backup_state_name(*backup.state);
            verdict.failed.push_back(backup.info.empty()
                                         ? fmt::format("{}: {}", backup.source, name)
                                         : fmt::format("{}: {} ({})", backup.source, name,
                                                       fmt::join(backup.info, "; ")));
            break;
        }
        case TransferPhase::in_progress:
            verdict.waiting.push_back(backup.source);
            break;
        }
    }
    if (!verdict.failed.empty()) {
        verdict.phase = TransferPhase::failed;
    } else if (done >= expected && done == backups.size() && expected > 0) {
        verdict.phase = TransferPhase::done;
    }
    return verdict;
}

std::string transfer_state(const std::vector<px::CloudBackupInfo>& found,
                           const std::string& profile, const std::string& set_id,
                           const std::string& snapshot_id) {
    std::optional<px::CloudBackupState> best;
    for (const auto& backup : found) {
        if (metadata_value(backup, k_managed_by_key) != k_managed_by_value ||
            metadata_value(backup, k_profile_key) != profile ||
            metadata_value(backup, k_snapshot_set_key) != set_id ||
            metadata_value(backup, k_snapshot_id_key) != snapshot_id) {
            continue;
        }
        if (!best || progress_rank(backup.state) > progress_rank(*best)) {
            best = backup.state;
        }
    }
    return best ? std::string(px::cloud_backup_state_name(*best)) : std::string("missing");
}

std::vector<BackupDeletion> backups_to_delete(const std::vector<px::CloudBackupInfo>& found,
                                              const std::string& profile,
                                              const std::set<std::string>& sets,
                                              const std::set<std::string>& in_use) {
    std::vector<BackupDeletion> out;
    for (const auto& backup : found) {
        const auto set = metadata_value(backup, k_snapshot_set_key);
        const bool ours = metadata_value(backup, k_managed_by_key) == k_managed_by_value &&
                          metadata_value(backup, k_profile_key) == profile;
        if (!ours || set.empty() || sets.count(set) == 0 || in_use.count(backup.id) != 0) {
            continue;
        }
        out.push_back({backup.id, set, metadata_value(backup, k_source_key)});
    }
    return out;
}

} // namespace pxclone::plan
