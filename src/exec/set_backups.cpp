#include "pxclone/exec/set_backups.hpp"

#include "pxclone/error.hpp"

#include <fmt/format.h>

namespace pxclone::exec {

SetBackups find_set_backups(const px::CloudBackupClient& backups, const std::string& credential_id,
                            const std::string& profile, const std::set<std::string>& sets) {
    SetBackups found{.credential_id = credential_id, .deletions = {}};
    for (const auto& set : sets) {
        px::CloudBackupFilter filter;
        filter.credential_id = credential_id;
        filter.metadata = plan::set_backup_selector(profile, set);
        for (auto& deletion :
             plan::backups_to_delete(backups.enumerate_backups(filter), profile, {set}, {})) {
            found.deletions.push_back(std::move(deletion));
        }
    }
    return found;
}

std::string backup_delete_request(const SetBackups& found, const plan::BackupDeletion& deletion) {
    return "DELETE " + px::delete_backup_path(deletion.backup_id, found.credential_id);
}

BackupRemoval delete_set_backups(const px::CloudBackupClient& backups, const SetBackups& found,
                                 const std::function<bool()>& cancelled) {
    BackupRemoval removal;
    for (const auto& deletion : found.deletions) {
        if (cancelled && cancelled()) {
            throw InterruptedError("interrupted while deleting cloud backups");
        }
        try {
            backups.delete_backup(deletion.backup_id, found.credential_id);
            removal.deleted.push_back(deletion);
        } catch (const InterruptedError&) {
            throw;
        } catch (const std::exception& e) {
            removal.failed.push_back(fmt::format("backup {} (set {}): {}", deletion.backup_id,
                                                 deletion.set_id, e.what()));
            removal.failed_sets.insert(deletion.set_id);
        }
    }
    return removal;
}

BackupRemoval print_set_backups(const SetBackups& found, std::ostream& out,
                                const std::string& prefix) {
    BackupRemoval removal;
    for (const auto& deletion : found.deletions) {
        out << prefix << backup_delete_request(found, deletion) << '\n';
        removal.deleted.push_back(deletion);
    }
    return removal;
}

} // namespace pxclone::exec
