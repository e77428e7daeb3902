#include "pxclone/exec/snapshot_backend.hpp"

#include "pxclone/error.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/k8s/readiness.hpp"
#include "pxclone/k8s/watch.hpp"
#include "pxclone/util/duration.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>

#include <fmt/format.h>

namespace pxclone::exec {

namespace {

using nlohmann::json;
using std::chrono::milliseconds;

const k8s::Resource& volume_snapshots() {
    static const auto& resource = k8s::resource_of("VolumeSnapshot");
    return resource;
}

std::string label(const plan::Labels& labels, std::string_view key) {
    const auto it = labels.find(std::string(key));
    return it == labels.end() ? std::string() : it->second;
}

// The labels that find one run's snapshots of one profile again.
plan::Labels run_selector(const plan::PlannedSnapshot& any) {
    plan::Labels selector;
    for (const auto key :
         {plan::k_managed_by_key, plan::k_profile_key, plan::k_run_key, plan::k_role_key}) {
        selector.emplace(key, label(any.labels, key));
    }
    return selector;
}

milliseconds since(const util::Clock& clock, std::chrono::system_clock::time_point start) {
    return std::chrono::duration_cast<milliseconds>(clock.now() - start);
}

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

// The progress key of one volume's snapshot.
std::string step_key(const plan::PlannedSnapshot& snapshot) {
    return "snapshot/" + snapshot.source.pvc;
}

void report(const BackendContext& context, const std::string& key, const std::string& text) {
    if (context.on_progress) {
        context.on_progress(key, text);
    }
}

// Runs a snapshot create; the deadline cutting it short (a TimeoutError: no answer came) becomes
// CreateCutShort, since the snapshot may still be made.
template <class Create>
auto cut_short_is_uncertain(const plan::PlannedSnapshot& snapshot, Create&& create) {
    try {
        return create();
    } catch (const TimeoutError& error) {
        throw CreateCutShort(fmt::format("the create of snapshot {} of {} was cut short: {}",
                                         snapshot.name, snapshot.source.pvc, error.what()),
                             error.hint());
    }
}

class PortworxBackend final : public SnapshotBackend {
public:
    PortworxBackend(const px::Client& portworx, BackendContext context)
        : m_px(portworx), m_context(std::move(context)) {}

    std::vector<plan::ExistingSnapshot> find_existing(const plan::SnapshotPlan& plan) override {
        if (plan.snapshots.empty()) {
            return {};
        }
        px::VolumeFilter filter;
        filter.labels = run_selector(plan.snapshots.front());
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

    TakenSnapshot take(const plan::SnapshotPlan& plan, const plan::PlannedSnapshot& snapshot,
                       std::chrono::system_clock::time_point deadline) override {
        return run_step(m_context.on_done, step_key(snapshot),
                        [&] { return take_step(plan, snapshot, deadline); });
    }

    void remove(const plan::SnapshotPlan& plan, const TakenSnapshot& snapshot) override {
        (void)plan;
        m_px.delete_volume(snapshot.portworx_id);
    }

private:
    TakenSnapshot take_step(const plan::SnapshotPlan& plan, const plan::PlannedSnapshot& snapshot,
                            std::chrono::system_clock::time_point deadline) {
        (void)plan;
        const auto start = m_context.clock->now();
        const auto key = step_key(snapshot);
        TakenSnapshot taken{
            .source = label(snapshot.labels, plan::k_source_key),
            .pvc = snapshot.source.pvc,
            .id = snapshot.existing,
            .portworx_id = {},
            .size_bytes = snapshot.source.size_bytes,
            .reused = !snapshot.existing.empty(),
        };
        if (taken.id.empty()) {
            report(m_context, key, fmt::format("snapshot {} creating", snapshot.source.pvc));
            taken.id = cut_short_is_uncertain(snapshot, [&] {
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
                    util::format_duration(since(*m_context.clock, start))));
            }
        }
        taken.portworx_id = taken.id;
        wait_ready(snapshot, taken.id, deadline, key);
        report(m_context, key,
               fmt::format("snapshot {} ready ({})", snapshot.source.pvc, taken.id));
        taken.took = since(*m_context.clock, start);
        return taken;
    }

    // SnapshotCreate answers once the snapshot exists; inspect confirms it is what we asked for
    // and waits out a driver that reports it pending.
    void wait_ready(const plan::PlannedSnapshot& snapshot, const std::string& id,
                    std::chrono::system_clock::time_point deadline, const std::string& key) {
        milliseconds pause{200};
        for (;;) {
            const auto volume = m_px.inspect(id);
            if (!volume) {
                throw Error(ExitCode::failed,
                            fmt::format("snapshot {} of {} vanished after it was created", id,
                                        snapshot.source.pvc));
            }
            if (volume->parent != snapshot.source.volume_id) {
                throw Error(ExitCode::failed,
                            fmt::format("Portworx volume {} is not a snapshot of volume {} ({})",
                                        id, snapshot.source.volume_id, snapshot.source.pvc));
            }
            const auto& state = volume->state;
            if (state == "VOLUME_STATE_ERROR" || state == "VOLUME_STATE_DELETED") {
                throw Error(ExitCode::failed, fmt::format("snapshot {} of {} is in state {}", id,
                                                          snapshot.source.pvc, state));
            }
            if (state.empty() || state == "VOLUME_STATE_AVAILABLE" ||
                state == "VOLUME_STATE_DETACHED" || state == "VOLUME_STATE_ATTACHED") {
                return;
            }
            report(m_context, key,
                   fmt::format("snapshot {} {}", snapshot.source.pvc, state_word(state)));
            if (m_context.cancelled && m_context.cancelled()) {
                throw InterruptedError();
            }
            if (m_context.clock->now() + pause > deadline) {
                throw TimeoutError(fmt::format("timed out waiting for snapshot {} of {} ({})", id,
                                               snapshot.source.pvc, state));
            }
            m_context.sleeper->sleep(pause);
            pause = std::min(pause * 2, milliseconds{5000});
        }
    }

    const px::Client& m_px;
    BackendContext m_context;
};

class CsiBackend final : public SnapshotBackend {
public:
    CsiBackend(const k8s::Client& kube, BackendContext context)
        : m_kube(kube), m_context(std::move(context)) {}

    std::vector<plan::ExistingSnapshot> find_existing(const plan::SnapshotPlan& plan) override {
        if (plan.snapshots.empty()) {
            return {};
        }
        k8s::ListOptions options;
        options.label_selector = plan::selector_for(run_selector(plan.snapshots.front()));
        std::vector<plan::ExistingSnapshot> existing;
        for (const auto& object :
             m_kube.list(volume_snapshots(), plan.source_namespace, options).items) {
            const auto name = object.at("metadata").value("name", "");
            const auto pvc =
                object.value(json::json_pointer("/spec/source/persistentVolumeClaimName"), "");
            existing.push_back({.id = name, .source = plan.source_namespace + "/" + pvc});
        }
        return existing;
    }

    TakenSnapshot take(const plan::SnapshotPlan& plan, const plan::PlannedSnapshot& snapshot,
                       std::chrono::system_clock::time_point deadline) override {
        return run_step(m_context.on_done, step_key(snapshot),
                        [&] { return take_step(plan, snapshot, deadline); });
    }

    void remove(const plan::SnapshotPlan& plan, const TakenSnapshot& snapshot) override {
        m_kube.remove(volume_snapshots(), plan.source_namespace, snapshot.id);
    }

private:
    TakenSnapshot take_step(const plan::SnapshotPlan& plan, const plan::PlannedSnapshot& snapshot,
                            std::chrono::system_clock::time_point deadline) {
        const auto start = m_context.clock->now();
        const auto key = step_key(snapshot);
        TakenSnapshot taken{
            .source = plan.source_namespace + "/" + snapshot.source.pvc,
            .pvc = snapshot.source.pvc,
            .id = snapshot.name,
            .portworx_id = {},
            .size_bytes = snapshot.source.size_bytes,
            .reused = !snapshot.existing.empty(),
        };
        if (!taken.reused) {
            report(m_context, key, fmt::format("snapshot {} creating", snapshot.source.pvc));
            // A new object carrying our labels; an existing one of that name is ours only if it
            // carries them too (create_or_adopt refuses anything else).
            cut_short_is_uncertain(snapshot, [&] {
                return m_kube.create_or_adopt(volume_snapshots(), plan.source_namespace,
                                              volume_snapshot_object(plan, snapshot),
                                              run_selector(snapshot));
            });
        }
        k8s::WaitOptions wait;
        wait.timeout =
            std::max(milliseconds{0},
                     std::chrono::duration_cast<milliseconds>(deadline - m_context.clock->now()));
        wait.on_progress = [this, &key](const std::string& text) {
            report(m_context, key, text);
        };
        wait.watch.cancelled = m_context.cancelled;
        const auto ready =
            k8s::wait_for(m_kube, volume_snapshots(), plan.source_namespace, snapshot.name,
                          k8s::when_present(k8s::volume_snapshot_readiness,
                                            k8s::object_label(volume_snapshots(), snapshot.name)),
                          wait, *m_context.clock, *m_context.sleeper);
        taken.portworx_id = portworx_id_of(ready.value_or(json::object()), snapshot);
        taken.took = since(*m_context.clock, start);
        return taken;
    }

    std::string portworx_id_of(const json& snapshot, const plan::PlannedSnapshot& planned) const {
        const auto content =
            snapshot.value(json::json_pointer("/status/boundVolumeSnapshotContentName"), "");
        if (content.empty()) {
            throw Error(ExitCode::failed,
                        fmt::format("volumesnapshot {}/{} is ready but names no content",
                                    planned.source.pvc, planned.name));
        }
        const auto object =
            m_kube.get_required(k8s::resource_of("VolumeSnapshotContent"), "", content);
        return object.value(json::json_pointer("/status/snapshotHandle"), "");
    }

    const k8s::Client& m_kube;
    BackendContext m_context;
};

class DryRunBackend final : public SnapshotBackend {
public:
    DryRunBackend(SnapshotBackend& real, std::ostream& out) : m_real(real), m_out(out) {}

    std::vector<plan::ExistingSnapshot> find_existing(const plan::SnapshotPlan& plan) override {
        return m_real.find_existing(plan);
    }

    TakenSnapshot take(const plan::SnapshotPlan& plan, const plan::PlannedSnapshot& snapshot,
                       std::chrono::system_clock::time_point deadline) override {
        (void)deadline;
        if (snapshot.existing.empty()) {
            write(plan.method == profile::SnapshotMethod::portworx
                      ? "POST /v1/volumes/snapshots " +
                            px::to_json(portworx_snapshot_request(snapshot)).dump()
                      : "POST " + k8s::collection_path(volume_snapshots(), plan.source_namespace) +
                            ' ' + volume_snapshot_object(plan, snapshot).dump());
        }
        return {.source = plan.source_namespace + "/" + snapshot.source.pvc,
                .pvc = snapshot.source.pvc,
                .id = snapshot.existing,
                .portworx_id = snapshot.existing,
                .size_bytes = snapshot.source.size_bytes,
                .reused = !snapshot.existing.empty()};
    }

    void remove(const plan::SnapshotPlan& plan, const TakenSnapshot& snapshot) override {
        write(plan.method == profile::SnapshotMethod::portworx
                  ? "DELETE /v1/volumes/" + snapshot.portworx_id
                  : "DELETE " +
                        k8s::item_path(volume_snapshots(), plan.source_namespace, snapshot.id));
    }

private:
    // take() runs on several workers at once: each line goes out whole.
    void write(const std::string& line) {
        const std::lock_guard lock(m_mutex);
        m_out << line << '\n';
    }

    SnapshotBackend& m_real;
    std::ostream& m_out;
    std::mutex m_mutex;
};

} // namespace

px::SnapshotCreateRequest portworx_snapshot_request(const plan::PlannedSnapshot& snapshot) {
    return {.volume_id = snapshot.source.volume_id,
            .name = snapshot.name,
            .labels = {snapshot.labels.begin(), snapshot.labels.end()}};
}

json volume_snapshot_object(const plan::SnapshotPlan& plan, const plan::PlannedSnapshot& snapshot) {
    json object{
        {"apiVersion", volume_snapshots().api_version()},
        {"kind", "VolumeSnapshot"},
        {"metadata",
         {{"name", snapshot.name},
          {"namespace", plan.source_namespace},
          {"labels", snapshot.labels},
          {"annotations", snapshot.annotations}}},
        {"spec", {{"source", {{"persistentVolumeClaimName", snapshot.source.pvc}}}}},
    };
    if (!plan.snapshot_class.empty()) {
        object["spec"]["volumeSnapshotClassName"] = plan.snapshot_class;
    }
    return object;
}

std::unique_ptr<SnapshotBackend> make_portworx_backend(const px::Client& portworx,
                                                       BackendContext context) {
    return std::make_unique<PortworxBackend>(portworx, std::move(context));
}

std::unique_ptr<SnapshotBackend> make_csi_backend(const k8s::Client& kube, BackendContext context) {
    return std::make_unique<CsiBackend>(kube, std::move(context));
}

std::unique_ptr<SnapshotBackend> make_dry_run_backend(SnapshotBackend& real, std::ostream& out) {
    return std::make_unique<DryRunBackend>(real, out);
}

} // namespace pxclone::exec
