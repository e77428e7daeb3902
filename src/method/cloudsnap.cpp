#include "pxclone/method/cloudsnap.hpp"

#include "pxclone/error.hpp"
#include "pxclone/util/duration.hpp"
#include "pxclone/util/poll.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "backend_support.hpp"

namespace pxclone::method {

namespace {

using std::chrono::milliseconds;

// One poll of a backup: its state (nullopt: not visible yet) and the server's reasons.
struct BackupPoll {
    std::optional<px::CloudBackupState> state;
    std::vector<std::string> info;
};

// One snapshot's backup that await_ready waits for.
struct RunningBackup {
    std::size_t index = 0; // into plan.snapshots and taken
    std::string pvc;
    std::string key;      // its progress step, "backup/<pvc>"
    std::string task_id;  // the backup this run started (empty: following `existing`)
    std::string existing; // an earlier attempt's backup of the same snapshot
    std::chrono::system_clock::time_point start;
};

class CloudsnapBackend final : public exec::SnapshotBackend {
public:
    CloudsnapBackend(std::unique_ptr<exec::SnapshotBackend> snapshots, const px::Client& portworx,
                     exec::BackendContext context, CloudsnapOptions options)
        : m_snapshots(std::move(snapshots)), m_backups(portworx, options.cluster),
          m_context(std::move(context)), m_options(std::move(options)) {}

    std::vector<plan::ExistingSnapshot> find_existing(const plan::SnapshotPlan& plan) override {
        auto existing = m_snapshots->find_existing(plan);
        auto found = m_backups.enumerate_backups(set_filter(plan.set_id));
        const std::lock_guard lock(m_mutex);
        m_existing = std::move(found);
        return existing;
    }

    // Only the snapshot: its backup starts in await_ready, once the wrapped backend reports it
    // ready (a backup of a pending snapshot would copy a volume that is not there yet).
    exec::TakenSnapshot take(const plan::SnapshotPlan& plan, const plan::PlannedSnapshot& snapshot,
                             std::chrono::system_clock::time_point deadline) override {
        return m_snapshots->take(plan, snapshot, deadline);
    }

    // The wrapped backend's readiness (its step ends there), then a backup of each snapshot it
    // reports ready, all polled together until Done; per index the error of the step that failed.
    std::vector<std::exception_ptr>
    await_ready(const plan::SnapshotPlan& plan, const std::vector<exec::TakenSnapshot>& taken,
                const std::vector<std::size_t>& which,
                std::chrono::system_clock::time_point deadline) override {
        auto errors = m_snapshots->await_ready(plan, taken, which, deadline);
        errors.resize(taken.size());
        std::vector<std::size_t> ready;
        std::vector<std::function<RunningBackup()>> starts;
        for (const auto i : which) {
            if (errors[i]) {
                continue; // not ready: nothing to back up
            }
            ready.push_back(i);
            starts.emplace_back([this, &plan, &taken, i] {
                return start_backup(plan, plan.snapshots[i], taken[i], i);
            });
        }
        // Each start is a request the server answers on its own: all at once on the fan-out pool.
        std::vector<RunningBackup> running;
        auto started = util::run_all(m_options.pool, std::move(starts));
        for (std::size_t k = 0; k < ready.size(); ++k) {
            if (started[k].ok()) {
                running.push_back(std::move(*started[k].value));
            } else {
                errors[ready[k]] = started[k].error;
                done("backup/" + plan.snapshots[ready[k]].source.pvc, false);
            }
        }
        wait_done(std::move(running), errors);
        return errors;
    }

    void remove(const plan::SnapshotPlan& plan, const exec::TakenSnapshot& snapshot) override {
        for (const auto& id : backups_of(plan.set_id, snapshot.portworx_id)) {
            m_backups.delete_backup(id, m_options.credentials.source_id);
        }
        m_snapshots->remove(plan, snapshot);
    }

    std::string create_request(const plan::SnapshotPlan& plan,
                               const plan::PlannedSnapshot& snapshot) const override {
        auto request = backup_request(plan, snapshot, "<snapshot of " + snapshot.source.pvc + ">");
        return m_snapshots->create_request(plan, snapshot) + "\nPOST /v1/cloudbackups " +
               px::to_json(request).dump();
    }

    std::string remove_request(const plan::SnapshotPlan& plan,
                               const exec::TakenSnapshot& snapshot) const override {
        return fmt::format("DELETE {} (each backup of snapshot {})\n{}",
                           px::delete_backup_path("<backup id>", m_options.credentials.source_id),
                           snapshot.portworx_id, m_snapshots->remove_request(plan, snapshot));
    }

private:
    px::CloudBackupFilter set_filter(const std::string& set_id) const {
        px::CloudBackupFilter filter;
        filter.credential_id = m_options.credentials.source_id;
        filter.metadata = plan::set_backup_selector(m_options.profile, set_id);
        return filter;
    }

    // What a backup's metadata carries: every lineage key (a csi snapshot keeps the source,
    // the commit and the times as annotations, which its labels lack: the staging cluster finds
    // a set's backups by its source and creation time).
    static plan::Labels lineage_of(const plan::PlannedSnapshot& snapshot) {
        auto lineage = snapshot.labels;
        lineage.insert(snapshot.annotations.begin(), snapshot.annotations.end());
        return lineage;
    }

    px::CloudBackupCreateRequest backup_request(const plan::SnapshotPlan& plan,
                                                const plan::PlannedSnapshot& snapshot,
                                                const std::string& snapshot_id) const {
        auto lineage = lineage_of(snapshot);
        const plan::TransferSnapshot transfer{support::label(lineage, plan::k_source_key),
                                              snapshot_id, std::move(lineage)};
        return plan::plan_transfer(plan.set_id, {transfer}, m_options.credentials, {})
            .backups.front()
            .request;
    }

    // The backups of one snapshot of the set that pxclone may delete.
    std::vector<std::string> backups_of(const std::string& set_id,
                                        const std::string& snapshot_id) const {
        auto filter = set_filter(set_id);
        filter.metadata.emplace(plan::k_snapshot_id_key, snapshot_id);
        std::vector<std::string> ids;
        for (const auto& deletion : plan::backups_to_delete(m_backups.enumerate_backups(filter),
                                                            m_options.profile, {set_id}, {})) {
            ids.push_back(deletion.backup_id);
        }
        return ids;
    }

    // Starts the backup of `taken` (plan.snapshots[index]), or follows an earlier attempt's.
    RunningBackup start_backup(const plan::SnapshotPlan& plan,
                               const plan::PlannedSnapshot& snapshot,
                               const exec::TakenSnapshot& taken, std::size_t index) {
        const plan::TransferSnapshot transfer{taken.source, taken.portworx_id, lineage_of(snapshot),
                                              taken.size_bytes};
        plan::TransferPlan planned;
        {
            const std::lock_guard lock(m_mutex);
            planned =
                plan::plan_transfer(plan.set_id, {transfer}, m_options.credentials, m_existing);
        }
        const auto& backup = planned.backups.front();
        RunningBackup running{.index = index,
                              .pvc = snapshot.source.pvc,
                              .key = "backup/" + snapshot.source.pvc,
                              .existing = backup.existing};
        if (backup.existing.empty()) {
            support::report(m_context, running.key, fmt::format("backup {} starting", running.pvc));
            running.task_id = m_backups.create_backup(backup.request);
        } else {
            support::report(m_context, running.key,
                            fmt::format("backup {} found ({})", running.pvc, backup.existing));
        }
        running.start = m_context.clock->now();
        return running;
    }

    // One round's look at every backup of `running`: the statuses of those this run started in
    // one request (px::CloudBackupClient::backup_statuses), an earlier attempt's each by its id.
    // Per backup its poll, or the error that kept it from being seen.
    std::vector<std::variant<BackupPoll, std::exception_ptr>>
    poll_all(const std::vector<RunningBackup>& running) const {
        std::vector<std::string> task_ids;
        for (const auto& backup : running) {
            if (!backup.task_id.empty()) {
                task_ids.push_back(backup.task_id);
            }
        }
        std::map<std::string, px::CloudBackupStatus> statuses;
        std::exception_ptr status_error;
        if (!task_ids.empty()) {
            try {
                statuses = m_backups.backup_statuses(task_ids);
            } catch (...) {
                status_error = std::current_exception();
            }
        }
        std::vector<std::variant<BackupPoll, std::exception_ptr>> polls;
        polls.reserve(running.size());
        for (const auto& backup : running) {
            if (!backup.task_id.empty()) {
                if (status_error) {
                    polls.emplace_back(status_error);
                } else if (const auto it = statuses.find(backup.task_id); it != statuses.end()) {
                    polls.emplace_back(BackupPoll{it->second.state, it->second.info});
                } else {
                    polls.emplace_back(BackupPoll{}); // not visible yet
                }
                continue;
            }
            try {
                const auto found =
                    m_backups.find_backup(m_options.credentials.source_id, backup.existing);
                polls.emplace_back(found ? BackupPoll{found->state, {}} : BackupPoll{});
            } catch (...) {
                polls.emplace_back(std::current_exception());
            }
        }
        return polls;
    }

    // Polls `running` once a round (one shared pause, util::next_poll_pause of the time waited so
    // far) until each is Done, has failed or ran out of transfer.backup_timeout (counted from its
    // own start); a failure goes to errors[index].
    void wait_done(std::vector<RunningBackup> running, std::vector<std::exception_ptr>& errors) {
        const auto first = m_context.clock->now();
        while (!running.empty()) {
            const auto pause = util::next_poll_pause(support::since(*m_context.clock, first));
            const auto polls = poll_all(running);
            std::vector<RunningBackup> waiting;
            for (std::size_t k = 0; k < running.size(); ++k) {
                auto& backup = running[k];
                try {
                    if (const auto* error = std::get_if<std::exception_ptr>(&polls[k])) {
                        std::rethrow_exception(*error);
                    }
                    if (judge(backup, std::get<BackupPoll>(polls[k]), pause)) {
                        done(backup.key, true);
                    } else {
                        waiting.push_back(std::move(backup));
                    }
                } catch (...) {
                    errors[backup.index] = std::current_exception();
                    done(backup.key, false);
                }
            }
            if (!waiting.empty() && m_context.cancelled && m_context.cancelled()) {
                for (const auto& backup : waiting) {
                    errors[backup.index] = std::make_exception_ptr(InterruptedError());
                    done(backup.key, false);
                }
                return;
            }
            if (!waiting.empty()) {
                m_context.sleeper->sleep(pause);
            }
            running = std::move(waiting);
        }
    }

    // Judges `seen`, one poll of `backup`: true when it is Done, false while it runs (and `pause`
    // still fits into its time). Throws Error when it failed, TimeoutError when its time ran out.
    bool judge(const RunningBackup& backup, const BackupPoll& seen, milliseconds pause) {
        const auto& pvc = backup.pvc;
        const auto state = seen.state.value_or(px::CloudBackupState::not_started);
        const auto verdict =
            plan::judge_transfer({plan::BackupProgress{pvc, seen.state, seen.info}}, 1);
        if (verdict.phase == plan::TransferPhase::done) {
            support::report(
                m_context, backup.key,
                fmt::format("backup {} done ({})", pvc,
                            util::format_duration(support::since(*m_context.clock, backup.start))));
            return true;
        }
        if (verdict.phase == plan::TransferPhase::failed) {
            throw Error(ExitCode::failed,
                        fmt::format("cloud backup of {} failed on the {}: {}", pvc,
                                    m_options.cluster, verdict.failed.front()),
                        "check the object store and the Portworx credential (pxctl "
                        "cloudsnap status); the next snapshot run starts a new backup");
        }
        support::report(m_context, backup.key,
                        fmt::format("backup {} {}", pvc, px::cloud_backup_state_name(state)));
        if (m_context.clock->now() + pause > backup.start + m_options.backup_timeout) {
            throw TimeoutError(
                fmt::format("timed out after {} waiting for the cloud backup of {} ({})",
                            util::format_duration(m_options.backup_timeout), pvc,
                            px::cloud_backup_state_name(state)),
                "raise transfer.backup_timeout, or check the object store's bandwidth");
        }
        return false;
    }

    void done(const std::string& key, bool ok) const {
        if (m_context.on_done) {
            m_context.on_done(key, ok);
        }
    }

    std::unique_ptr<exec::SnapshotBackend> m_snapshots;
    px::CloudBackupClient m_backups;
    exec::BackendContext m_context;
    CloudsnapOptions m_options;
    std::mutex m_mutex;                          // m_existing: find_existing vs. await_ready
    std::vector<px::CloudBackupInfo> m_existing; // the set's backups when find_existing ran
};

} // namespace

plan::TransferCredentials resolve_transfer_credentials(const profile::Transfer& transfer,
                                                       const px::CloudBackupClient& source,
                                                       const px::CloudBackupClient& staging) {
    return {source.resolve_credential(transfer.source_credential).id,
            staging.resolve_credential(transfer.staging_credential).id};
}

std::unique_ptr<exec::SnapshotBackend>
make_cloudsnap_backend(std::unique_ptr<exec::SnapshotBackend> snapshots, const px::Client& portworx,
                       exec::BackendContext context, CloudsnapOptions options) {
    return std::make_unique<CloudsnapBackend>(std::move(snapshots), portworx, std::move(context),
                                              std::move(options));
}

} // namespace pxclone::method
