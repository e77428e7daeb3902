#include "pxclone/plan/backup_set.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include <fmt/format.h>

namespace pxclone::plan {

namespace {

// A non-negative decimal number; nullopt for anything else.
std::optional<std::int64_t> number_of(const std::string& text) {
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [at, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc() || at != end || value < 0) {
        return std::nullopt;
    }
    return value;
}

bool better(const SetBackup& candidate, const SetBackup& current) {
    const auto a = progress_rank(candidate.state);
    const auto b = progress_rank(current.state);
    return a != b ? a > b : candidate.timestamp > current.timestamp;
}

} // namespace

std::vector<BackupSet> backup_sets(const std::vector<px::CloudBackupInfo>& found,
                                   const std::string& profile) {
    std::map<std::string, BackupSet> sets;
    std::map<std::string, std::map<std::string, SetBackup>> chosen; // set -> source -> backup
    for (const auto& backup : found) {
        const auto set_id = metadata_value(backup, k_snapshot_set_key);
        const auto source = metadata_value(backup, k_source_key);
        if (metadata_value(backup, k_managed_by_key) != k_managed_by_value ||
            metadata_value(backup, k_profile_key) != profile || profile.empty() || set_id.empty() ||
            source.empty()) {
            continue;
        }
        auto& set = sets[set_id];
        if (set.id.empty()) {
            set.id = set_id;
            set.profile = profile;
        }
        const auto fill = [](std::string& field, std::string value) {
            if (field.empty()) {
                field = std::move(value);
            }
        };
        fill(set.created_at, metadata_value(backup, k_created_at_key));
        fill(set.source_namespace, source.substr(0, source.find('/')));
        fill(set.git_sha, metadata_value(backup, k_git_sha_key));
        fill(set.build_id, metadata_value(backup, k_build_id_key));
        if (const auto size = number_of(metadata_value(backup, k_set_size_key));
            size && *size > 0 && !set.expected) {
            set.expected = static_cast<std::size_t>(*size);
        }
        SetBackup candidate{.source = source,
                            .backup_id = backup.id,
                            .snapshot_id = metadata_value(backup, k_snapshot_id_key),
                            .state = backup.state,
                            .size_bytes = number_of(metadata_value(backup, k_size_key)).value_or(0),
                            .timestamp = backup.timestamp};
        auto& slot = chosen[set_id];
        const auto it = slot.find(source);
        if (it == slot.end()) {
            slot.emplace(source, std::move(candidate));
        } else if (better(candidate, it->second)) {
            it->second = std::move(candidate);
        }
    }
    std::vector<BackupSet> out;
    for (auto& [id, set] : sets) {
        for (auto& [source, backup] : chosen[id]) {
            set.backups.push_back(std::move(backup)); // the map keeps them sorted by source
        }
        out.push_back(std::move(set));
    }
    std::sort(out.begin(), out.end(), [](const BackupSet& a, const BackupSet& b) {
        return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
    });
    return out;
}

std::vector<std::string> backup_set_problems(const BackupSet& set,
                                             const std::vector<std::string>& sources) {
    std::vector<std::string> problems;
    std::set<std::string> seen;
    for (const auto& backup : set.backups) {
        seen.insert(backup.source);
    }
    for (const auto& source : sources) {
        if (!seen.contains(source)) {
            problems.push_back(source + ": no backup");
        }
    }
    for (const auto& backup : set.backups) {
        if (backup.state != px::CloudBackupState::done) {
            problems.push_back(fmt::format("{}: backup {} is {}", backup.source, backup.backup_id,
                                           px::cloud_backup_state_name(backup.state)));
        } else if (backup.size_bytes <= 0) {
            problems.push_back(fmt::format("{}: backup {} carries no {}", backup.source,
                                           backup.backup_id, k_size_key));
        }
    }
    if (sources.empty() && set.expected && set.backups.size() < *set.expected) {
        problems.push_back(fmt::format("{} of its {} volumes have no backup",
                                       *set.expected - set.backups.size(), *set.expected));
    }
    return problems;
}

} // namespace pxclone::plan
