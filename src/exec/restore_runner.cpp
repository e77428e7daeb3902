#include "pxclone/exec/restore_runner.hpp"

#include "pxclone/error.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/k8s/readiness.hpp"
#include "pxclone/k8s/watch.hpp"
#include "pxclone/util/duration.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pxclone::exec {

namespace {

using nlohmann::json;
using std::chrono::milliseconds;

milliseconds time_left(const util::Clock& clock, time_point deadline) {
    return std::max(milliseconds{0},
                    std::chrono::duration_cast<milliseconds>(deadline - clock.now()));
}

// Whether a pod still holds one of the PVCs: not finished, and mounting one of them.
bool holds_claim(const json& pod, const std::set<std::string>& pvcs) {
    const auto phase = pod.value(json::json_pointer("/status/phase"), "");
    if (phase == "Succeeded" || phase == "Failed") {
        return false;
    }
    const json::json_pointer volumes_at("/spec/volumes");
    if (!pod.contains(volumes_at) || !pod.at(volumes_at).is_array()) {
        return false;
    }
    return std::any_of(
        pod.at(volumes_at).begin(), pod.at(volumes_at).end(), [&pvcs](const json& volume) {
            return pvcs.contains(
                volume.value(json::json_pointer("/persistentVolumeClaim/claimName"), ""));
        });
}

std::string names_of(const std::set<std::string>& names) {
    std::string text;
    for (const auto& name : names) {
        text += (text.empty() ? "" : ", ") + name;
    }
    return text;
}

class ClusterRestoreRunner final : public RestoreRunner {
public:
    ClusterRestoreRunner(const k8s::Client& kube, const px::Client& portworx,
                         RestoreContext context)
        : m_kube(kube), m_px(portworx), m_context(std::move(context)) {}

    void record_replicas(const plan::Workload& workload) override {
        progress(workload.label(), fmt::format("recording {} replicas", workload.replicas));
        m_kube.merge_patch(workload.resource, workload.ns, workload.name,
                           plan::record_replicas_patch(workload.replicas));
    }

    void scale(const plan::Workload& workload, int replicas) override {
        progress(workload.label(), fmt::format("scaling to {}", replicas));
        m_kube.set_replicas(workload.resource, workload.ns, workload.name, replicas);
    }

    void wait_pods_gone(const std::string& ns, const std::set<std::string>& pvcs,
                        time_point deadline) override {
        const auto& pods = k8s::resource_of("Pod");
        std::map<std::string, json> holding; // pod name -> pod
        const auto update = [&holding, &pvcs](const json& pod, bool gone) {
            const auto name = pod.value(json::json_pointer("/metadata/name"), "");
            if (!gone && holds_claim(pod, pvcs)) {
                holding[name] = pod;
            } else {
                holding.erase(name);
            }
        };
        const auto pending = [&holding] {
            std::set<std::string> names;
            for (const auto& [name, pod] : holding) {
                names.insert(name);
            }
            return names;
        };
        const auto key = "pods/" + ns;
        k8s::WatchHandlers handlers;
        handlers.on_list = [&](const k8s::ObjectList& list) {
            holding.clear();
            for (const auto& pod : list.items) {
                update(pod, false);
            }
            if (!holding.empty()) {
                progress(key, fmt::format("waiting for pod{} {} to go",
                                          holding.size() == 1 ? "" : "s", names_of(pending())));
            }
            return !holding.empty();
        };
        handlers.on_event = [&](const k8s::WatchEvent& event) {
            update(event.object, event.type == k8s::WatchEventType::deleted);
            return !holding.empty();
        };
        k8s::WatchOptions options;
        options.cancelled = m_context.cancelled;
        options.max_stream = std::chrono::seconds(30);
        const auto end = k8s::list_and_watch(m_kube, pods, ns, options, handlers, *m_context.clock,
                                             *m_context.sleeper, deadline);
        if (end == k8s::WatchEnd::cancelled) {
            throw InterruptedError("interrupted while waiting for the pods to stop");
        }
        if (!holding.empty()) {
            throw TimeoutError(fmt::format("timed out waiting for pod{} {} in {} to stop (they "
                                           "mount {})",
                                           holding.size() == 1 ? "" : "s", names_of(pending()), ns,
                                           names_of(pvcs)),
                               "a pod that no Deployment or StatefulSet owns must be deleted "
                               "by hand; then run the same restore again (it resumes)");
        }
    }

    void wait_detached(const plan::RestoreVolume& volume, time_point deadline) override {
        const auto key = "volume/" + volume.pvc;
        for (;;) {
            const auto found = m_px.inspect(volume.clone_id);
            if (!found) {
                throw NotFoundError(fmt::format("the Portworx volume {} of pvc/{} is gone",
                                                volume.clone_id, volume.pvc));
            }
            if (!found->attached() && found->attached_on.empty()) {
                return;
            }
            progress(key, fmt::format("waiting for volume {} to detach from node {}",
                                      volume.clone_id, found->attached_on));
            if (m_context.cancelled && m_context.cancelled()) {
                throw InterruptedError("interrupted while waiting for a volume to detach");
            }
            if (time_left(*m_context.clock, deadline) <= milliseconds(0)) {
                throw TimeoutError(
                    fmt::format("timed out waiting for Portworx volume {} of pvc/{} to detach "
                                "(attached on node {})",
                                volume.clone_id, volume.pvc, found->attached_on),
                    "something else still uses it; run the same restore again once it is free");
            }
            m_context.sleeper->sleep(
                std::min(m_context.detach_poll, time_left(*m_context.clock, deadline)));
        }
    }

    void restore(const plan::RestoreVolume& volume) override {
        // The server does not check the snapshot (API.md §1): a wrong one would overwrite the
        // volume with another volume's data.
        const auto baseline = m_px.inspect(volume.baseline_id);
        if (!baseline) {
            throw NotFoundError(
                fmt::format("the baseline {} of pvc/{} is gone", volume.baseline_id, volume.pvc));
        }
        if (baseline->parent != volume.clone_id) {
            throw Error(ExitCode::failed,
                        fmt::format("refusing to restore pvc/{}: snapshot {} is not a snapshot "
                                    "of its volume {} (its parent is {})",
                                    volume.pvc, volume.baseline_id, volume.clone_id,
                                    baseline->parent.empty() ? "none" : baseline->parent));
        }
        progress("volume/" + volume.pvc, fmt::format("restoring volume {} to baseline {}",
                                                     volume.clone_id, volume.baseline_id));
        m_px.snapshot_restore(volume.clone_id, volume.baseline_id);
    }

    void wait_ready(const plan::Workload& workload, time_point deadline) override {
        const auto rule = k8s::readiness_rule(workload.resource);
        if (!rule) {
            throw Error(ExitCode::failed,
                        fmt::format("internal: no readiness rule for {}", workload.resource.kind));
        }
        const auto label = workload.label();
        k8s::WaitOptions options;
        options.timeout = time_left(*m_context.clock, deadline);
        options.on_progress = [this, label](const std::string& text) {
            progress(label, text);
        };
        options.watch.cancelled = m_context.cancelled;
        k8s::wait_for(m_kube, workload.resource, workload.ns, workload.name,
                      k8s::when_present(*rule, label), options, *m_context.clock,
                      *m_context.sleeper);
    }

    void clear_record(const plan::Workload& workload) override {
        m_kube.merge_patch(workload.resource, workload.ns, workload.name,
                           plan::clear_record_patch());
    }

    std::string baseline(const plan::BaselineRequest& baseline) override {
        progress("volume/" + baseline.staging_pvc,
                 fmt::format("baseline snapshot of pvc/{}", baseline.staging_pvc));
        return find_or_take_baseline(m_px, baseline);
    }

    void remove(const k8s::Resource& resource, const std::string& ns, const std::string& name,
                bool wait, time_point deadline) override {
        const auto label = k8s::object_label(resource, name);
        progress(label, "deleting");
        m_kube.remove(resource, ns, name);
        if (!wait) {
            return;
        }
        k8s::WaitOptions options;
        options.timeout = time_left(*m_context.clock, deadline);
        options.on_progress = [this, label](const std::string& text) {
            progress(label, text);
        };
        options.watch.cancelled = m_context.cancelled;
        k8s::wait_for(m_kube, resource, ns, name, k8s::deleted(label), options, *m_context.clock,
                      *m_context.sleeper);
    }

    void delete_volume(const std::string& volume_id) override {
        progress("volume/" + volume_id, fmt::format("deleting Portworx volume {}", volume_id));
        m_px.delete_volume(volume_id);
    }

    void patch(const k8s::Resource& resource, const std::string& ns, const std::string& name,
               const json& patch) override {
        m_kube.merge_patch(resource, ns, name, patch);
    }

private:
    void progress(const std::string& key, const std::string& text) const {
        if (m_context.on_progress) {
            m_context.on_progress(key, text);
        }
    }

    const k8s::Client& m_kube;
    const px::Client& m_px;
    RestoreContext m_context;
};

class DryRunRestoreRunner final : public RestoreRunner {
public:
    explicit DryRunRestoreRunner(std::ostream& out) : m_out(out) {}

    void record_replicas(const plan::Workload& workload) override {
        m_out << "PATCH " << k8s::item_path(workload.resource, workload.ns, workload.name) << ' '
              << plan::record_replicas_patch(workload.replicas).dump() << '\n';
    }

    void scale(const plan::Workload& workload, int replicas) override {
        m_out << "PATCH "
              << k8s::subresource_path(workload.resource, workload.ns, workload.name, "scale")
              << ' ' << json{{"spec", {{"replicas", replicas}}}}.dump() << '\n';
    }

    void wait_pods_gone(const std::string& ns, const std::set<std::string>& pvcs,
                        time_point deadline) override {
        (void)deadline;
        m_out << "WAIT pods in " << ns << " mounting " << names_of(pvcs) << " Gone\n";
    }

    void wait_detached(const plan::RestoreVolume& volume, time_point deadline) override {
        (void)deadline;
        m_out << "WAIT portworx volume " << volume.clone_id << " Detached\n";
    }

    void restore(const plan::RestoreVolume& volume) override {
        m_out << "POST /v1/volumes/snapshots/restore "
              << json{{"volume_id", volume.clone_id}, {"snapshot_id", volume.baseline_id}}.dump()
              << '\n';
    }

    void wait_ready(const plan::Workload& workload, time_point deadline) override {
        (void)deadline;
        m_out << "WAIT " << workload.label() << " RolledOut\n";
    }

    void clear_record(const plan::Workload& workload) override {
        m_out << "PATCH " << k8s::item_path(workload.resource, workload.ns, workload.name) << ' '
              << plan::clear_record_patch().dump() << '\n';
    }

    std::string baseline(const plan::BaselineRequest& baseline) override {
        m_out << "POST /v1/volumes/snapshots " << px::to_json(baseline.request).dump() << '\n';
        return "<baseline-id>";
    }

    void remove(const k8s::Resource& resource, const std::string& ns, const std::string& name,
                bool wait, time_point deadline) override {
        (void)deadline;
        m_out << "DELETE " << k8s::item_path(resource, ns, name) << '\n';
        if (wait) {
            m_out << "WAIT " << k8s::object_label(resource, name) << " Gone\n";
        }
    }

    void delete_volume(const std::string& volume_id) override {
        m_out << "DELETE /v1/volumes/" << volume_id << '\n';
    }

    void patch(const k8s::Resource& resource, const std::string& ns, const std::string& name,
               const json& patch) override {
        m_out << "PATCH " << k8s::item_path(resource, ns, name) << ' ' << patch.dump() << '\n';
    }

private:
    std::ostream& m_out;
};

void stop_if_cancelled(const std::function<bool()>& cancelled) {
    if (cancelled && cancelled()) {
        throw InterruptedError("interrupted during restore");
    }
}

} // namespace

std::unique_ptr<RestoreRunner>
make_restore_runner(const k8s::Client& kube, const px::Client& portworx, RestoreContext context) {
    return std::make_unique<ClusterRestoreRunner>(kube, portworx, std::move(context));
}

std::unique_ptr<RestoreRunner> make_dry_run_restore_runner(std::ostream& out) {
    return std::make_unique<DryRunRestoreRunner>(out);
}

std::string find_or_take_baseline(const px::Client& portworx,
                                  const plan::BaselineRequest& baseline) {
    px::VolumeFilter filter;
    filter.labels = baseline.selector;
    const auto found = portworx.inspect_with_filters(filter);
    if (const auto* existing = plan::find_baseline(baseline, found)) {
        return existing->id;
    }
    return portworx.snapshot_create(baseline.request);
}

namespace {

// What the steps run so far left: the workloads stopped, and whether bringing them back now would
// expose a PVC that is missing or holds data not yet masked.
struct RestoreState {
    std::set<std::size_t> recorded; // workloads whose replicas this run recorded
    std::set<std::size_t> stopped;  // workloads scaled down (maybe) and not back since
    std::set<std::size_t> missing;  // swaps whose PVC is gone (deleted, not made again yet)
    std::set<std::size_t> unmasked; // swaps whose new PVC holds data not masked yet
    bool changed = false;           // a volume was changed (restored, or swapped)

    bool safe_to_bring_back() const { return missing.empty() && unmasked.empty(); }
};

void run_steps(const plan::RestorePlan& plan, RestoreRunner& runner, StagingRunner& staging,
               time_point deadline, const std::function<bool()>& cancelled, RestoreState& state,
               std::vector<plan::StagingVolume>& targets) {
    std::set<std::string> pvcs;
    for (const auto& volume : plan.volumes) {
        pvcs.insert(volume.pvc);
    }
    for (const auto& swap : plan.swaps) {
        pvcs.insert(swap.pvc);
    }
    const auto& pvc_resource = k8s::resource_of("PersistentVolumeClaim");
    const auto object_of = [&targets](std::size_t i, std::string_view kind) {
        for (const auto& object : targets.at(i).objects) {
            if (object.resource.kind == kind) {
                return &object;
            }
        }
        return static_cast<const plan::PlannedObject*>(nullptr);
    };
    for (const auto& step : plan.steps) {
        stop_if_cancelled(cancelled);
        switch (step.kind) {
        case plan::RestoreStepKind::record_replicas:
            runner.record_replicas(plan.workloads.at(step.index));
            state.recorded.insert(step.index);
            break;
        case plan::RestoreStepKind::scale_down:
            try {
                runner.scale(plan.workloads.at(step.index), 0);
            } catch (const k8s::ApiError&) {
                throw; // refused: not scaled
            } catch (...) {
                state.stopped.insert(step.index); // the reply was lost: it may have been
                throw;
            }
            state.stopped.insert(step.index);
            break;
        case plan::RestoreStepKind::wait_pods_gone:
            runner.wait_pods_gone(plan.ns, pvcs, deadline);
            break;
        case plan::RestoreStepKind::wait_detached:
            runner.wait_detached(plan.volumes.at(step.index), deadline);
            break;
        case plan::RestoreStepKind::restore_volume:
            state.changed = true;
            runner.restore(plan.volumes.at(step.index));
            break;
        case plan::RestoreStepKind::scale_up: {
            const auto& workload = plan.workloads.at(step.index);
            runner.scale(workload, workload.replicas);
            state.stopped.erase(step.index);
            break;
        }
        case plan::RestoreStepKind::wait_ready:
            runner.wait_ready(plan.workloads.at(step.index), deadline);
            break;
        case plan::RestoreStepKind::clear_record:
            runner.clear_record(plan.workloads.at(step.index));
            break;
        case plan::RestoreStepKind::wait_old_detached: {
            const auto& swap = plan.swaps.at(step.index);
            runner.wait_detached({.pvc = swap.pvc, .clone_id = swap.old_clone_id}, deadline);
            break;
        }
        case plan::RestoreStepKind::make_volume: {
            auto& target = targets.at(step.index);
            if (target.clone) {
                target = plan::with_clone_id(target, staging.clone(target));
            }
            for (const auto& object : target.objects) {
                if (object.resource.kind != "PersistentVolumeClaim") {
                    staging.create(object);
                }
            }
            break;
        }
        case plan::RestoreStepKind::delete_pvc:
            state.changed = true;
            state.missing.insert(step.index);
            runner.remove(pvc_resource, plan.ns, plan.swaps.at(step.index).pvc, true, deadline);
            break;
        case plan::RestoreStepKind::create_pvc: {
            const auto* pvc = object_of(step.index, "PersistentVolumeClaim");
            state.changed = true;
            if (pvc != nullptr) {
                if (plan.mask) {
                    state.unmasked.insert(step.index);
                }
                staging.create(*pvc);
                state.missing.erase(step.index);
                staging.wait({pvc_resource, plan.ns, pvc->name(), plan::Predicate::bound},
                             deadline);
            }
            break;
        }
        case plan::RestoreStepKind::delete_old: {
            const auto& swap = plan.swaps.at(step.index);
            for (const auto& baseline : swap.old_baselines) {
                runner.delete_volume(baseline);
            }
            // The PV goes before its volume: a PV must never name a volume that is gone.
            if (!swap.old_pv.empty()) {
                runner.remove(k8s::resource_of("PersistentVolume"), "", swap.old_pv, true,
                              deadline);
            }
            if (!swap.old_clone_id.empty()) {
                runner.delete_volume(swap.old_clone_id);
            }
            if (!swap.old_snapshot.empty()) {
                runner.remove(k8s::resource_of("VolumeSnapshot"), plan.ns, swap.old_snapshot, false,
                              deadline);
            }
            if (!swap.old_content.empty()) {
                runner.remove(k8s::resource_of("VolumeSnapshotContent"), "", swap.old_content,
                              false, deadline);
            }
            break;
        }
        case plan::RestoreStepKind::label_volume: {
            const auto& target = targets.at(step.index);
            staging.wait({pvc_resource, plan.ns, target.staging_pvc, plan::Predicate::bound},
                         deadline);
            staging.label_bound_volume(target, plan.ns);
            break;
        }
        case plan::RestoreStepKind::run_mask: {
            const auto& mask = *plan.mask;
            for (const auto& object : mask.objects) {
                stop_if_cancelled(cancelled);
                if (object.resource.kind == "Job") {
                    // The Job of the last masking is Complete: it must run again, not be adopted.
                    runner.remove(object.resource, object.object_namespace(), object.name(), true,
                                  deadline);
                    staging.create(object);
                } else {
                    staging.apply(object);
                }
            }
            staging.wait(mask.wait, deadline);
            state.unmasked.clear();
            break;
        }
        case plan::RestoreStepKind::take_baseline: {
            const auto& target = targets.at(step.index);
            auto lineage = plan.lineage;
            lineage.source = target.source;
            runner.baseline(plan::baseline_request(lineage, target.staging_pvc, target.clone_id));
            break;
        }
        case plan::RestoreStepKind::clear_swap: {
            const auto* marked = object_of(step.index, "PersistentVolume");
            if (marked == nullptr) {
                marked = object_of(step.index, "PersistentVolumeClaim");
            }
            if (marked != nullptr) {
                runner.patch(marked->resource, marked->object_namespace(), marked->name(),
                             plan::clear_swap_patch());
            }
            break;
        }
        case plan::RestoreStepKind::relabel_namespace:
            runner.patch(k8s::resource_of("Namespace"), "", plan.ns,
                         plan::namespace_set_patch(plan.snapshot_set));
            break;
        }
    }
}

std::string replicas_text(int replicas) {
    return fmt::format("{} replica{}", replicas, replicas == 1 ? "" : "s");
}

// After a failure: the stopped workloads scaled back to their recorded count (their record
// removed) when that exposes no missing PVC and no unmasked data, else left stopped. Returns
// the lines saying what was done and what is still stopped, and whether something could not be
// brought back although it should have been.
std::pair<std::vector<std::string>, bool> bring_back(const plan::RestorePlan& plan,
                                                     RestoreRunner& runner,
                                                     const RestoreState& state,
                                                     const std::string& finish_command) {
    std::vector<std::string> lines;
    const auto clear_records = [&] {
        // The records this run wrote on workloads it did not stop go too (best effort: a record
        // left behind only makes a re-run use that same count).
        for (const auto i : state.recorded) {
            if (!state.stopped.contains(i)) {
                try {
                    runner.clear_record(plan.workloads.at(i));
                } catch (const std::exception&) {
                }
            }
        }
    };
    if (state.stopped.empty()) {
        if (state.safe_to_bring_back()) {
            clear_records();
        }
        return {lines, false};
    }
    std::vector<std::string> back;
    std::vector<std::string> stopped;
    bool failed = false;
    if (state.safe_to_bring_back()) {
        clear_records();
        for (const auto i : state.stopped) {
            const auto& workload = plan.workloads.at(i);
            try {
                runner.scale(workload, workload.replicas);
                runner.clear_record(workload);
                back.push_back(
                    fmt::format("{} ({})", workload.label(), replicas_text(workload.replicas)));
            } catch (const std::exception& e) {
                failed = true;
                stopped.push_back(fmt::format("{} (0 of {}: {})", workload.label(),
                                              replicas_text(workload.replicas), e.what()));
            }
        }
    } else {
        for (const auto i : state.stopped) {
            const auto& workload = plan.workloads.at(i);
            stopped.push_back(
                fmt::format("{} (0 of {})", workload.label(), replicas_text(workload.replicas)));
        }
    }
    if (!back.empty()) {
        lines.push_back(
            fmt::format("  {}; scaled back (not waited for): {}",
                        state.changed ? "some volumes were restored" : "no volume was changed",
                        fmt::join(back, ", ")));
    }
    if (!stopped.empty()) {
        std::string why;
        if (!state.missing.empty()) {
            why = "a PVC they mount is deleted and not made again yet";
        } else if (!state.unmasked.empty()) {
            why = "a PVC they mount holds data not masked yet";
        } else {
            why = "scaling them back failed";
        }
        lines.push_back(fmt::format("  still stopped ({}): {}", why, fmt::join(stopped, ", ")));
        lines.push_back(
            fmt::format("  their replica counts are kept in the {} annotation; "
                        "finish the restore with: {}",
                        plan::k_restore_replicas_key,
                        finish_command.empty() ? "the same restore command" : finish_command));
    }
    return {lines, failed};
}

} // namespace

std::vector<std::string> run_restore_plan(const plan::RestorePlan& plan, RestoreRunner& runner,
                                          StagingRunner& staging, time_point deadline,
                                          const std::function<bool()>& cancelled,
                                          const std::string& finish_command) {
    std::vector<plan::StagingVolume> targets; // with the clone id once made
    RestoreState state;
    for (std::size_t i = 0; i < plan.swaps.size(); ++i) {
        const auto& swap = plan.swaps[i];
        targets.push_back(swap.target);
        if (!swap.pvc_exists && !swap.swapped) {
            state.missing.insert(i);
        }
        if (swap.swapped && plan.mask) {
            state.unmasked.insert(i);
        }
    }
    try {
        run_steps(plan, runner, staging, deadline, cancelled, state, targets);
    } catch (const Error& error) {
        auto [lines, failed] = bring_back(plan, runner, state, finish_command);
        if (lines.empty()) {
            throw;
        }
        auto details = error.details();
        details.insert(details.end(), lines.begin(), lines.end());
        throw Error(failed && error.code() != ExitCode::interrupted ? ExitCode::partial
                                                                    : error.code(),
                    error.what(), error.hint(), std::move(details));
    }
    std::vector<std::string> ids;
    for (const auto& target : targets) {
        ids.push_back(target.clone_id);
    }
    return ids;
}

} // namespace pxclone::exec
