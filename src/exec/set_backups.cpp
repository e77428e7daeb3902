#include "pxclone/exec/set_backups.hpp"

#include "pxclone/error.hpp"

#include <exception>
#include <utility>

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
                                 const std::function<bool()>& cancelled, util::WorkerPool* pool) {
    // find_set_backups has just listed them: that is the look-up before the DELETE (the server's
    // delete is not idempotent); delete_listed_backup looks up again only after a failed DELETE.
    std::vector<std::function<bool()>> deletes;
    deletes.reserve(found.deletions.size());
    for (const auto& deletion : found.deletions) {
        deletes.emplace_back([&backups, &found, &deletion, &cancelled] {
            if (cancelled && cancelled()) {
                throw InterruptedError("interrupted while deleting cloud backups");
            }
            backups.delete_listed_backup(deletion.backup_id, found.credential_id);
            return true;
        });
    }
    // Without a pool one after another; once interrupted, each later one throws before its DELETE.
    const auto results = util::run_all(pool, std::move(deletes));
    BackupRemoval removal;
    std::exception_ptr interrupted;
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& deletion = found.deletions[i];
        if (results[i].ok()) {
            removal.deleted.push_back(deletion);
            continue;
        }
        try {
            std::rethrow_exception(results[i].error);
        } catch (const InterruptedError&) {
            interrupted = results[i].error;
        } catch (const std::exception& e) {
            removal.failed.push_back(fmt::format("backup {} (set {}): {}", deletion.backup_id,
                                                 deletion.set_id, e.what()));
            removal.failed_sets.insert(deletion.set_id);
        }
    }
    // Every deletion has ended (none is left running behind the interruption).
    if (interrupted) {
        std::rethrow_exception(interrupted);
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
