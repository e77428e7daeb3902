#include "pxclone/method/cloudsnap.hpp"

#include "pxclone/error.hpp"
#include "pxclone/util/duration.hpp"

#include <algorithm>
#include <mutex>

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

    exec::TakenSnapshot take(const plan::SnapshotPlan& plan, const plan::PlannedSnapshot& snapshot,
                             std::chrono::system_clock::time_point deadline) override {
        auto taken = m_snapshots->take(plan, snapshot, deadline);
        const auto key = "backup/" + snapshot.source.pvc;
        exec::run_step(m_context.on_done, key, [&] { back_up(plan, snapshot, taken, key); });
        return taken;
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

    px::CloudBackupCreateRequest backup_request(const plan::SnapshotPlan& plan,
                                                const plan::PlannedSnapshot& snapshot,
                                                const std::string& snapshot_id) const {
        const plan::TransferSnapshot transfer{support::label(snapshot.labels, plan::k_source_key),
                                              snapshot_id, snapshot.labels};
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

    void back_up(const plan::SnapshotPlan& plan, const plan::PlannedSnapshot& snapshot,
                 const exec::TakenSnapshot& taken, const std::string& key) {
        const plan::TransferSnapshot transfer{taken.source, taken.portworx_id, snapshot.labels};
        plan::TransferPlan planned;
        {
            const std::lock_guard lock(m_mutex);
            planned =
                plan::plan_transfer(plan.set_id, {transfer}, m_options.credentials, m_existing);
        }
        const auto& backup = planned.backups.front();
        const auto pvc = snapshot.source.pvc;
        std::string task_id;
        if (backup.existing.empty()) {
            support::report(m_context, key, fmt::format("backup {} starting", pvc));
            task_id = m_backups.create_backup(backup.request);
        } else {
            support::report(m_context, key,
                            fmt::format("backup {} found ({})", pvc, backup.existing));
        }
        const auto poll = [&]() -> BackupPoll {
            if (!task_id.empty()) {
                const auto status = m_backups.backup_status(task_id);
                return status ? BackupPoll{status->state, status->info} : BackupPoll{};
            }
            const auto found =
                m_backups.find_backup(m_options.credentials.source_id, backup.existing);
            return found ? BackupPoll{found->state, {}} : BackupPoll{};
        };
        wait_done(pvc, key, poll);
    }

    template <class Poll>
    void wait_done(const std::string& pvc, const std::string& key, Poll&& poll) {
        const auto start = m_context.clock->now();
        const auto deadline = start + m_options.backup_timeout;
        milliseconds pause{500};
        for (;;) {
            const auto seen = poll();
            const auto state = seen.state.value_or(px::CloudBackupState::not_started);
            const auto verdict =
                plan::judge_transfer({plan::BackupProgress{pvc, seen.state, seen.info}}, 1);
            if (verdict.phase == plan::TransferPhase::done) {
                support::report(
                    m_context, key,
                    fmt::format("backup {} done ({})", pvc,
                                util::format_duration(support::since(*m_context.clock, start))));
                return;
            }
            if (verdict.phase == plan::TransferPhase::failed) {
                throw Error(ExitCode::failed,
                            fmt::format("cloud backup of {} failed on the {}: {}", pvc,
                                        m_options.cluster, verdict.failed.front()),
                            "check the object store and the Portworx credential (pxctl "
                            "cloudsnap status); the next snapshot run starts a new backup");
            }
            support::report(m_context, key,
                            fmt::format("backup {} {}", pvc, px::cloud_backup_state_name(state)));
            if (m_context.cancelled && m_context.cancelled()) {
                throw InterruptedError();
            }
            if (m_context.clock->now() + pause > deadline) {
                throw TimeoutError(
                    fmt::format("timed out after {} waiting for the cloud backup of {} ({})",
                                util::format_duration(m_options.backup_timeout), pvc,
                                px::cloud_backup_state_name(state)),
                    "raise transfer.backup_timeout, or check the object store's bandwidth");
            }
            m_context.sleeper->sleep(pause);
            pause = std::min(pause * 2, milliseconds{10000});
        }
    }

    std::unique_ptr<exec::SnapshotBackend> m_snapshots;
    px::CloudBackupClient m_backups;
    exec::BackendContext m_context;
    CloudsnapOptions m_options;
    std::mutex m_mutex;                          // m_existing: take() runs on several workers
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
