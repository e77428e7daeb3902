#include "pxclone/exec/cloud_restore.hpp"

#include "pxclone/error.hpp"
#include "pxclone/exec/restore_poller.hpp"
#include "pxclone/plan/lineage.hpp"
#include "pxclone/util/duration.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include <fmt/format.h>

namespace pxclone::exec {

namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// The labels that say which run's volume it is (not when or by which build it was made: a
// re-run has its own created-at and expires-at).
bool carries_identity(const px::Volume& volume, const px::Labels& labels) {
    return std::all_of(labels.begin(), labels.end(), [&volume](const auto& label) {
        const auto& key = label.first;
        if (key != plan::k_managed_by_key && key != plan::k_profile_key && key != plan::k_run_key &&
            key != plan::k_role_key && key != plan::k_snapshot_set_key &&
            key != plan::k_source_key) {
            return true;
        }
        const auto it = volume.labels.find(key);
        return it != volume.labels.end() && it->second == label.second;
    });
}

std::string source_of(const plan::StagingVolume& volume) {
    return volume.source.empty() ? volume.staging_pvc : volume.source;
}

px::CloudRestoreRequest restore_request(const plan::StagingVolume& volume,
                                        const std::string& credential_id) {
    return {.backup_id = volume.clone->parent_id,
            .restore_volume_name = volume.clone->name,
            .credential_id = credential_id,
            .labels = volume.clone->additional_labels};
}

class CloudRestoreRunner final : public StagingRunner {
public:
    CloudRestoreRunner(std::unique_ptr<StagingRunner> inner, const px::Client& staging,
                       StagingContext context, CloudRestoreOptions options)
        : m_inner(std::move(inner)), m_px(staging), m_backups(staging, options.cluster),
          m_context(std::move(context)), m_options(std::move(options)),
          m_poller(
              [this](const std::vector<std::string>& ids) {
                  return m_backups.restore_statuses(ids);
              },
              *m_context.clock, *m_context.sleeper, m_context.cancelled) {}

    bool sends() const override { return m_inner->sends(); }
    void create_namespace(const plan::StagingPlan& plan) override {
        m_inner->create_namespace(plan);
    }
    void create(const plan::PlannedObject& object) override { m_inner->create(object); }
    void apply(const plan::PlannedObject& object) override { m_inner->apply(object); }
    json wait(const plan::WaitFor& wait, std::chrono::system_clock::time_point deadline) override {
        return m_inner->wait(wait, deadline);
    }
    void wait_many(const std::vector<plan::WaitFor>& waits,
                   std::chrono::system_clock::time_point deadline) override {
        m_inner->wait_many(waits, deadline);
    }
    std::string baseline(const plan::BaselineRequest& baseline) override {
        return m_inner->baseline(baseline);
    }
    void label_bound_volume(const plan::StagingVolume& volume,
                            const std::string& staging_namespace) override {
        m_inner->label_bound_volume(volume, staging_namespace);
    }
    void mark_ready(const std::string& staging_namespace, const json& patch) override {
        m_inner->mark_ready(staging_namespace, patch);
    }
    LogTail job_log_tail(const plan::WaitFor& job, const std::string& container) override {
        return m_inner->job_log_tail(job, container);
    }

    // The restore that stands for the clone: an earlier attempt's, else a new one.
    std::string clone(const plan::StagingVolume& volume) override {
        if (!volume.clone) {
            throw Error(ExitCode::failed, "internal: a cloud restore without a planned clone");
        }
        const auto key = "volume/" + volume.staging_pvc;
        // From the start: the rounds of the restores already waiting wait for this one's too.
        auto member = m_poller.join();
        auto adopted = adopt(volume);
        if (adopted && adopted->done) {
            written(volume, adopted->id);
            return adopted->id;
        }
        return run_step(m_context.on_done, key, [&] {
            std::string id;
            if (adopted) {
                id = adopted->id;
                progress(key, fmt::format("restore for pvc/{} found ({})", volume.staging_pvc,
                                          adopted->state));
            } else {
                progress(key, fmt::format("restoring backup {} for pvc/{}", volume.clone->parent_id,
                                          volume.staging_pvc));
                id = m_backups.restore(restore_request(volume, m_options.credential_id))
                         .restore_volume_id;
                // At once, not once Done: a run that dies while the restore runs leaves a
                // volume that teardown finds by its labels.
                m_px.update_labels(id, volume.clone->additional_labels);
            }
            await_done(member, volume, key, id);
            written(volume, id);
            return id;
        });
    }

private:
    struct Adopted {
        std::string id;
        bool done = false;
        std::string state; // for the progress line
    };

    // This run's volume of the clone's name, if an earlier attempt restored into it (the first
    // one that is Done or running); failed ones are deleted (nullopt: none left, restore again).
    std::optional<Adopted> adopt(const plan::StagingVolume& volume) {
        const auto& name = volume.clone->name;
        px::VolumeFilter filter;
        filter.name = name;
        for (const auto& found : m_px.inspect_with_filters(filter)) {
            if (found.name != name) {
                continue; // a server that ignored the filter
            }
            const bool ours = carries_identity(found, volume.clone->additional_labels);
            const auto status = m_backups.restore_status(found.id);
            if (!ours) {
                // Unlabelled: a restore whose run died before labelling it is ours (the name
                // holds the run id); anything else of that name is not, whatever its name says.
                if (!found.labels.empty() || !status) {
                    throw Error(ExitCode::failed,
                                fmt::format("portworx ({}): volume {} ({}) exists and is not "
                                            "this run's restore for pvc/{}",
                                            m_options.cluster, name, found.id, volume.staging_pvc),
                                "delete it, or use another --run");
                }
                m_px.update_labels(found.id, volume.clone->additional_labels);
            }
            if (!status) {
                // No restore record (the server forgot it): the volume is what it is, unless
                // Portworx still says it is being restored.
                const bool restoring = found.state == "VOLUME_STATE_RESTORE";
                return Adopted{found.id, !restoring, restoring ? "restoring" : "Done"};
            }
            switch (plan::phase_of(status->state)) {
            case plan::TransferPhase::done:
                return Adopted{found.id, true, "Done"};
            case plan::TransferPhase::in_progress:
                return Adopted{found.id, false,
                               std::string(px::cloud_backup_state_name(status->state))};
            case plan::TransferPhase::failed:
                // An earlier attempt's failed restore that it could not clean up: its volume
                // is this run's (labelled now), and useless. Another of the name may be good.
                m_px.delete_volume(found.id);
                continue;
            }
        }
        return std::nullopt;
    }

    // Follows the restore into `id` in the poller's rounds until Done; a failure or
    // restore_timeout deletes the volume (once `member` has left the rounds), an interruption
    // leaves it.
    void await_done(RestorePoller::Member& member, const plan::StagingVolume& volume,
                    const std::string& key, const std::string& id) {
        const auto start = m_context.clock->now();
        while (true) {
            const auto [status, next] = member.look(id);
            const auto state = status ? status->state : px::CloudBackupState::not_started;
            const auto phase = plan::phase_of(state);
            if (phase == plan::TransferPhase::done) {
                member.leave();
                progress(key, fmt::format("restore for pvc/{} done ({})", volume.staging_pvc,
                                          util::format_duration(since(start))));
                return;
            }
            if (phase == plan::TransferPhase::failed) {
                member.leave();
                const auto reason = status->info.empty()
                                        ? std::string()
                                        : fmt::format(" ({})", fmt::join(status->info, "; "));
                throw Error(ExitCode::failed,
                            fmt::format("cloud restore of {} into volume {} failed on the {}: "
                                        "{}{}{}",
                                        source_of(volume), volume.clone->name, m_options.cluster,
                                        px::cloud_backup_state_name(state), reason, cleanup(id)),
                            "check the object store and the staging credential (pxctl cloudsnap "
                            "status); the next run restores it again");
            }
            if (m_context.cancelled && m_context.cancelled()) {
                throw InterruptedError();
            }
            if (next > start + m_options.restore_timeout) {
                member.leave();
                throw TimeoutError(
                    fmt::format("timed out after {} waiting for the cloud restore of {} into "
                                "volume {} ({}){}",
                                util::format_duration(m_options.restore_timeout), source_of(volume),
                                volume.clone->name, px::cloud_backup_state_name(state),
                                cleanup(id)),
                    "raise transfer.restore_timeout, or check the object store's bandwidth");
            }
            progress(key, fmt::format("restore for pvc/{} {}", volume.staging_pvc,
                                      px::cloud_backup_state_name(state)));
        }
    }

    // Deletes the volume a failed restore made; "" when it is gone, else why it is left (the
    // error that ends the step says so, in the same line).
    std::string cleanup(const std::string& id) const {
        try {
            m_px.delete_volume(id);
            return {};
        } catch (const Error& e) {
            return fmt::format("; its volume {} is left ({}): `pxclone teardown --run` removes "
                               "it",
                               id, e.what());
        }
    }

    milliseconds since(std::chrono::system_clock::time_point start) const {
        return std::chrono::duration_cast<milliseconds>(m_context.clock->now() - start);
    }

    void progress(const std::string& key, const std::string& text) const {
        if (m_context.on_progress) {
            m_context.on_progress(key, text);
        }
    }

    void written(const plan::StagingVolume& volume, const std::string& id) const {
        if (m_context.on_written) {
            m_context.on_written(fmt::format("portworx volume {} ({})", id, volume.clone->name));
        }
    }

    std::unique_ptr<StagingRunner> m_inner;
    const px::Client& m_px;
    px::CloudBackupClient m_backups;
    StagingContext m_context;
    CloudRestoreOptions m_options;
    RestorePoller m_poller; // after m_backups and m_context, which it uses
};

} // namespace

std::unique_ptr<StagingRunner> make_cloud_restore_runner(std::unique_ptr<StagingRunner> inner,
                                                         const px::Client& staging,
                                                         StagingContext context,
                                                         CloudRestoreOptions options) {
    if (context.clock == nullptr || context.sleeper == nullptr) {
        throw Error(ExitCode::failed, "internal: a cloud restore runner without a clock");
    }
    return std::make_unique<CloudRestoreRunner>(std::move(inner), staging, std::move(context),
                                                std::move(options));
}

std::unique_ptr<StagingRunner> make_dry_run_cloud_restore_runner(std::ostream& out,
                                                                 CloudRestoreOptions options) {
    return make_dry_run_staging_runner(
        out,
        [credential_id = std::move(options.credential_id)](
            const plan::StagingVolume& volume) -> std::vector<std::string> {
            // The restored volume's id is the server's: a placeholder (no space, so a line
            // stays "METHOD PATH BODY").
            return {"POST /v1/cloudbackups/restore " +
                        px::to_json(restore_request(volume, credential_id)).dump(),
                    fmt::format("PUT /v1/volumes/<restored-volume-of-pvc-{}> {}",
                                volume.staging_pvc,
                                json{{"labels", volume.clone->additional_labels}}.dump())};
        });
}

} // namespace pxclone::exec
