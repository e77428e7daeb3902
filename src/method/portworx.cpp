#include "pxclone/method/portworx.hpp"

#include "pxclone/error.hpp"
#include "pxclone/plan/restore_plan.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/util/duration.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "backend_support.hpp"
#include "restore_hooks.hpp"

namespace pxclone::method {

namespace {

using std::chrono::milliseconds;
using support::label;

// "VOLUME_STATE_PENDING" as a progress line says it: "pending".
std::string state_word(std::string_view state) {
    constexpr std::string_view k_prefix = "VOLUME_STATE_";
    if (state.starts_with(k_prefix)) {
        state.remove_prefix(k_prefix.size());
    }
    std::string word;
    for (const char c : state) {
        word += c == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return word;
}

class PortworxBackend final : public exec::SnapshotBackend {
public:
    PortworxBackend(const px::Client& portworx, exec::BackendContext context)
        : m_px(portworx), m_context(std::move(context)) {}

    std::vector<plan::ExistingSnapshot> find_existing(const plan::SnapshotPlan& plan) override {
        if (plan.snapshots.empty()) {
            return {};
        }
        px::VolumeFilter filter;
        filter.labels = support::run_selector(plan.snapshots.front());
        std::vector<plan::ExistingSnapshot> existing;
        for (const auto& volume : m_px.inspect_with_filters(filter)) {
            const auto source = label(volume.labels, plan::k_source_key);
            // Only a snapshot of the very volume the plan snapshots counts: labels can be copied.
            const auto planned =
                std::find_if(plan.snapshots.begin(), plan.snapshots.end(), [&](const auto& s) {
                    return label(s.labels, plan::k_source_key) == source &&
                           s.source.volume_id == volume.parent;
                });
            if (planned != plan.snapshots.end()) {
                existing.push_back({.id = volume.id, .source = source});
            }
        }
        return existing;
    }

    exec::TakenSnapshot take(const plan::SnapshotPlan& plan, const plan::PlannedSnapshot& snapshot,
                             std::chrono::system_clock::time_point deadline) override {
        (void)plan;
        // The step ends in await_ready, once the snapshot is ready (or here when it fails).
        try {
            return take_step(snapshot, deadline);
        } catch (...) {
            done(snapshot, false);
            throw;
        }
    }

    void remove(const plan::SnapshotPlan& plan, const exec::TakenSnapshot& snapshot) override {
        (void)plan;
        m_px.delete_volume(snapshot.portworx_id);
    }

    std::string create_request(const plan::SnapshotPlan& plan,
                               const plan::PlannedSnapshot& snapshot) const override {
        (void)plan;
        return "POST /v1/volumes/snapshots " +
               px::to_json(portworx_snapshot_request(snapshot)).dump();
    }

    std::string remove_request(const plan::SnapshotPlan& plan,
                               const exec::TakenSnapshot& snapshot) const override {
        (void)plan;
        return "DELETE /v1/volumes/" + snapshot.portworx_id;
    }

private:
    exec::TakenSnapshot take_step(const plan::PlannedSnapshot& snapshot,
                                  std::chrono::system_clock::time_point deadline) {
        const auto start = m_context.clock->now();
        const auto key = support::step_key(snapshot);
        exec::TakenSnapshot taken{
            .source = label(snapshot.labels, plan::k_source_key),
            .pvc = snapshot.source.pvc,
            .id = snapshot.existing,
            .portworx_id = {},
            .size_bytes = snapshot.source.size_bytes,
            .reused = !snapshot.existing.empty(),
        };
        if (taken.id.empty()) {
            support::report(m_context, key,
                            fmt::format("snapshot {} creating", snapshot.source.pvc));
            taken.id = support::cut_short_is_uncertain(snapshot, [&] {
                return m_px.snapshot_create(portworx_snapshot_request(snapshot));
            });
            // SnapshotCreate is synchronous: when it answers after the deadline, the set took
            // longer than allowed just as when its readiness wait runs out (the caller rolls
            // the snapshot back).
            if (m_context.clock->now() > deadline) {
                throw TimeoutError(fmt::format(
                    "snapshot {} of {} was made only after the timeout ran out (SnapshotCreate "
                    "took {})",
                    taken.id, snapshot.source.pvc,
                    util::format_duration(support::since(*m_context.clock, start))));
            }
        }
        taken.portworx_id = taken.id;
        taken.took = support::since(*m_context.clock, start);
        return taken;
    }

    // SnapshotCreate answers once the snapshot exists; one look-up of the run's snapshots by
    // their labels per round confirms each is what we asked for and waits out a driver that
    // reports some pending (one inspect per snapshot cost N requests).
    std::vector<std::exception_ptr>
    await_ready(const plan::SnapshotPlan& plan, const std::vector<exec::TakenSnapshot>& taken,
                const std::vector<std::size_t>& which,
                std::chrono::system_clock::time_point deadline) override {
        std::vector<std::exception_ptr> errors(taken.size());
        if (which.empty()) {
            return errors;
        }
        px::VolumeFilter filter;
        filter.labels = support::run_selector(plan.snapshots.front());
        std::vector<std::size_t> pending = which;
        milliseconds pause{200};
        for (;;) {
            std::map<std::string, px::Volume> found;
            for (auto& volume : m_px.inspect_with_filters(filter)) {
                auto id = volume.id;
                found.emplace(std::move(id), std::move(volume));
            }
            std::vector<std::size_t> waiting;
            for (const auto i : pending) {
                const auto& snapshot = plan.snapshots[i];
                const auto& id = taken[i].id;
                const auto volume = found.find(id);
                std::optional<std::string> state;
                try {
                    state = check(snapshot, id, volume == found.end() ? nullptr : &volume->second);
                } catch (const Error&) {
                    errors[i] = std::current_exception();
                    done(snapshot, false);
                    continue;
                }
                if (!state) {
                    support::report(m_context, support::step_key(snapshot),
                                    fmt::format("snapshot {} ready ({})", snapshot.source.pvc, id));
                    done(snapshot, true);
                    continue;
                }
                support::report(
                    m_context, support::step_key(snapshot),
                    fmt::format("snapshot {} {}", snapshot.source.pvc, state_word(*state)));
                if (m_context.clock->now() + pause > deadline) {
                    errors[i] = std::make_exception_ptr(
                        TimeoutError(fmt::format("timed out waiting for snapshot {} of {} ({})", id,
                                                 snapshot.source.pvc, *state)));
                    done(snapshot, false);
                    continue;
                }
                waiting.push_back(i);
            }
            if (waiting.empty()) {
                return errors;
            }
            if (m_context.cancelled && m_context.cancelled()) {
                for (const auto i : waiting) {
                    done(plan.snapshots[i], false);
                }
                throw InterruptedError();
            }
            m_context.sleeper->sleep(pause);
            pause = std::min(pause * 2, milliseconds{5000});
            pending = std::move(waiting);
        }
    }

    void done(const plan::PlannedSnapshot& snapshot, bool ok) const {
        if (m_context.on_done) {
            m_context.on_done(support::step_key(snapshot), ok);
        }
    }

    // nullopt when `volume` (the snapshot `id` as found, nullptr when absent) is ready; its
    // state while it is pending. Throws Error when it is gone, not a snapshot of the planned
    // volume, or failed.
    static std::optional<std::string> check(const plan::PlannedSnapshot& snapshot,
                                            const std::string& id, const px::Volume* volume) {
        if (volume == nullptr) {
            throw Error(ExitCode::failed, fmt::format("snapshot {} of {} vanished after it was "
                                                      "created",
                                                      id, snapshot.source.pvc));
        }
        if (volume->parent != snapshot.source.volume_id) {
            throw Error(ExitCode::failed,
                        fmt::format("Portworx volume {} is not a snapshot of volume {} ({})", id,
                                    snapshot.source.volume_id, snapshot.source.pvc));
        }
        const auto& state = volume->state;
        if (state == "VOLUME_STATE_ERROR" || state == "VOLUME_STATE_DELETED") {
            throw Error(ExitCode::failed, fmt::format("snapshot {} of {} is in state {}", id,
                                                      snapshot.source.pvc, state));
        }
        if (state.empty() || state == "VOLUME_STATE_AVAILABLE" ||
            state == "VOLUME_STATE_DETACHED" || state == "VOLUME_STATE_ATTACHED") {
            return std::nullopt;
        }
        return state;
    }

    const px::Client& m_px;
    exec::BackendContext m_context;
};

class Portworx final : public Method {
public:
    profile::SnapshotMethod kind() const override { return profile::SnapshotMethod::portworx; }

    // Portworx volumes and their labels only: no Kubernetes kind of its own.
    std::vector<std::string> kept_kinds() const override { return {}; }

    std::vector<plan::MethodAccess> access(plan::AccessPhase phase,
                                           const profile::Profile& profile) const override {
        (void)profile;
        if (phase == plan::AccessPhase::make_volumes) {
            // A static PV for the clone: create_or_adopt (a GET after AlreadyExists).
            return {
                {.verb = "create", .kind = "PersistentVolume", .ns = "", .why = "make the volumes"},
                {.verb = "get", .kind = "PersistentVolume", .ns = "", .why = "make the volumes"}};
        }
        return {};
    }

    bool labels_provisioned_volumes() const override { return false; }
    bool staging_class_from_source() const override { return false; }
    bool has_baselines() const override { return true; }

    std::pair<std::string, std::string>
    swap_replaces(const plan::ReplacedVolume& old) const override {
        return {old.clone_id, old.pv};
    }

    // Portworx volume labels carry the whole lineage: a volume has no annotations.
    plan::Labels snapshot_labels(const plan::Lineage& lineage) const override {
        return plan::portworx_labels(lineage);
    }
    plan::Labels snapshot_annotations(const plan::Lineage& lineage) const override {
        (void)lineage;
        return {};
    }

    plan::StagingVolume staging_volume(const profile::Profile& profile,
                                       const plan::Lineage& lineage,
                                       const std::string& staging_namespace,
                                       plan::StagingVolume volume,
                                       const plan::SnapshotSetVolume& source) const override {
        return plan::portworx_staging_volume(profile, lineage, staging_namespace, std::move(volume),
                                             source);
    }

    plan::StagingVolume swap_target(plan::StagingVolume planned, const plan::Lineage& lineage,
                                    const std::string& replaces, const std::string& replaces_object,
                                    const std::string& reuse_snapshot) const override {
        (void)reuse_snapshot;
        return plan::portworx_swap_target(std::move(planned), lineage, replaces, replaces_object);
    }

    std::vector<std::string> reserved_names(const plan::StagingVolume& volume) const override {
        (void)volume;
        return {};
    }

    std::unique_ptr<exec::SnapshotBackend> backend(const k8s::Client& kube,
                                                   const px::Client& portworx,
                                                   exec::BackendContext context) const override {
        (void)kube;
        return std::make_unique<PortworxBackend>(portworx, std::move(context));
    }

    bool made(const nlohmann::json& pvc) const override { return portworx_restore::made(pvc); }

    PendingSwaps pending_swaps(RestoreSite& site, const std::set<std::string>& present,
                               const std::vector<std::string>& asked) const override {
        return portworx_restore::pending_swaps(site, present, asked);
    }

    std::optional<std::string>
    pending_set(const std::vector<nlohmann::json>& objects) const override {
        return portworx_restore::pending_set(objects);
    }

    void resume_pending(RestoreSite& site, const std::string& name,
                        const std::vector<nlohmann::json>& objects) const override {
        portworx_restore::resume_pending(site, name, objects);
    }

    PvcSet pvc_set(RestoreSite& site, const nlohmann::json& pvc) const override {
        return portworx_restore::pvc_set(site, pvc);
    }

    void restore_pvc(RestoreSite& site, const nlohmann::json& pvc) const override {
        portworx_restore::restore_pvc(site, pvc);
    }
};

} // namespace

px::SnapshotCreateRequest portworx_snapshot_request(const plan::PlannedSnapshot& snapshot) {
    return {.volume_id = snapshot.source.volume_id,
            .name = snapshot.name,
            .labels = {snapshot.labels.begin(), snapshot.labels.end()}};
}

const Method& portworx() {
    static const Portworx method;
    return method;
}

} // namespace pxclone::method
