#include "pxclone/exec/staging_runner.hpp"

#include "pxclone/error.hpp"
#include "pxclone/exec/restore_runner.hpp"
#include "pxclone/http/redact.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/k8s/readiness.hpp"
#include "pxclone/k8s/watch.hpp"
#include "pxclone/plan/source_volumes.hpp"
#include "pxclone/plan/wait_groups.hpp"
#include "pxclone/util/time.hpp"

#include <algorithm>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>

#include <fmt/format.h>

namespace pxclone::exec {

namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using time_point = std::chrono::system_clock::time_point;

plan::Labels ownership_of(const plan::Lineage& lineage) {
    return plan::ownership_labels(lineage);
}

plan::Labels ownership_of_object(const json& object) {
    plan::Labels labels;
    const auto& present = object.at("metadata").value("labels", json::object());
    for (const auto key :
         {plan::k_managed_by_key, plan::k_profile_key, plan::k_run_key, plan::k_role_key}) {
        labels.emplace(key, present.value(std::string(key), ""));
    }
    return labels;
}

// The labels that say which run's object it is (not when or by which build it was made).
bool is_identity_label(const std::string& key) {
    return key == plan::k_managed_by_key || key == plan::k_profile_key || key == plan::k_run_key ||
           key == plan::k_role_key || key == plan::k_snapshot_set_key || key == plan::k_source_key;
}

milliseconds remaining(const util::Clock& clock, time_point deadline) {
    return std::max(milliseconds{0},
                    std::chrono::duration_cast<milliseconds>(deadline - clock.now()));
}

class ClusterStagingRunner final : public StagingRunner {
public:
    ClusterStagingRunner(const k8s::Client& kube, const px::Client* portworx,
                         StagingContext context)
        : m_kube(kube), m_px(portworx), m_context(std::move(context)) {}

    void create_namespace(const plan::StagingPlan& plan) override {
        const auto& namespaces = k8s::resource_of("Namespace");
        const auto ours = ownership_of(plan.lineage);
        const auto existing = m_kube.get(namespaces, "", plan.staging_namespace);
        if (plan.pooled && !existing) {
            // Never created: a pool's namespaces are the admin's.
            throw Error(ExitCode::not_found,
                        fmt::format("pool namespace {} was deleted after run {} claimed it",
                                    plan.staging_namespace, plan.lineage.run),
                        fmt::format("remove the run with `pxclone teardown --run {}`, then deploy "
                                    "again",
                                    plan.lineage.run));
        }
        if (existing) {
            if (!k8s::has_labels(*existing, ours)) {
                throw UsageError(
                    fmt::format("namespace {} exists and was not created by pxclone for run {}",
                                plan.staging_namespace, plan.lineage.run),
                    "choose another staging.namespace, or another --run");
            }
            if (existing->value(json::json_pointer("/status/phase"), "") == "Terminating") {
                throw UsageError(fmt::format("namespace {} is being deleted (a teardown of run {} "
                                             "is under way)",
                                             plan.staging_namespace, plan.lineage.run),
                                 "wait until it is gone, or use another --run");
            }
            written("namespace/" + plan.staging_namespace);
        } else {
            m_kube.create_or_adopt(namespaces, "", plan.namespace_object.object, ours);
            written("namespace/" + plan.staging_namespace);
        }
        // Also on a re-run: an attempt may have stopped between the namespace and its binding.
        if (plan.role_binding) {
            m_kube.create_or_adopt(plan.role_binding->resource, plan.staging_namespace,
                                   plan.role_binding->object, ours);
            written(plan.role_binding->label() + " in " + plan.staging_namespace);
        }
    }

    std::string clone(const plan::StagingVolume& volume) override {
        if (m_px == nullptr || !volume.clone) {
            throw Error(ExitCode::failed, "internal: a Portworx clone without a Portworx client");
        }
        // Re-issuing a Clone for an existing name costs the server a long wait: look first,
        // once for every clone of this run (one request, not one per volume).
        px::Labels selector;
        for (const auto key :
             {plan::k_managed_by_key, plan::k_profile_key, plan::k_run_key, plan::k_role_key}) {
            const auto found = volume.clone->additional_labels.find(std::string(key));
            if (found != volume.clone->additional_labels.end()) {
                selector.insert(*found);
            }
        }
        for (const auto& found : found_once(selector, volume.clone->name)) {
            // Identity labels only: a re-run has its own created-at/expires-at (and maybe
            // another build id), and must still find the clone the first attempt made.
            if (found.name == volume.clone->name && found.parent == volume.snapshot_id &&
                std::all_of(volume.clone->additional_labels.begin(),
                            volume.clone->additional_labels.end(), [&found](const auto& label) {
                                if (!is_identity_label(label.first)) {
                                    return true;
                                }
                                const auto it = found.labels.find(label.first);
                                return it != found.labels.end() && it->second == label.second;
                            })) {
                written(fmt::format("portworx volume {} ({})", found.id, volume.clone->name));
                return found.id;
            }
        }
        const auto key = "volume/" + volume.staging_pvc;
        progress(key, fmt::format("cloning snapshot {} for pvc/{}", volume.snapshot_id,
                                  volume.staging_pvc));
        auto id =
            run_step(m_context.on_done, key, [&] { return m_px->clone_volume(*volume.clone); });
        written(fmt::format("portworx volume {} ({})", id, volume.clone->name));
        return id;
    }

    void create(const plan::PlannedObject& object) override {
        m_kube.create_or_adopt(object.resource, object.object_namespace(), object.object,
                               ownership_of_object(object.object));
        written_object(object);
    }

    void apply(const plan::PlannedObject& object) override {
        m_kube.apply(object.resource, object.object_namespace(), object.object);
        written_object(object);
    }

    json wait(const plan::WaitFor& wait, time_point deadline) override {
        const auto rule = k8s::readiness_rule(wait.resource);
        if (!rule) {
            throw Error(ExitCode::failed,
                        fmt::format("internal: no readiness rule for {}", wait.resource.kind));
        }
        const auto label = k8s::object_label(wait.resource, wait.name);
        k8s::WaitOptions options;
        options.timeout = remaining(*m_context.clock, deadline);
        options.on_progress = [this, label](const std::string& text) {
            progress(label, text);
        };
        options.watch.cancelled = m_context.cancelled;
        const auto object = run_step(m_context.on_done, label, [&] {
            return k8s::wait_for(m_kube, wait.resource, wait.wait_namespace, wait.name,
                                 k8s::when_present(*rule, label), options, *m_context.clock,
                                 *m_context.sleeper);
        });
        return object.value_or(json::object());
    }

    void wait_many(const std::vector<plan::WaitFor>& waits, time_point deadline) override {
        if (waits.size() < 2 || waits.front().wait_namespace.empty()) {
            StagingRunner::wait_many(waits, deadline);
            return;
        }
        const auto& first = waits.front();
        const auto rule = k8s::readiness_rule(first.resource);
        if (!rule) {
            throw Error(ExitCode::failed,
                        fmt::format("internal: no readiness rule for {}", first.resource.kind));
        }
        std::vector<std::string> names;
        for (const auto& each : waits) {
            names.push_back(each.name);
        }
        const auto label_of = [&first](const std::string& name) {
            return k8s::object_label(first.resource, name);
        };
        k8s::SetWaitOptions options;
        options.timeout = remaining(*m_context.clock, deadline);
        options.on_progress = [this, &label_of](const std::string& name, const std::string& text) {
            progress(label_of(name), text);
        };
        std::set<std::string> ready;
        options.on_ready = [this, &label_of, &ready](const std::string& name) {
            ready.insert(name);
            if (m_context.on_done) {
                m_context.on_done(label_of(name), true);
            }
        };
        options.watch.cancelled = m_context.cancelled;
        try {
            k8s::wait_for_all(
                m_kube, first.resource, first.wait_namespace, names,
                [&rule, &label_of](const std::string& name) {
                    return k8s::when_present(*rule, label_of(name));
                },
                options, *m_context.clock, *m_context.sleeper);
        } catch (...) {
            // The steps still running end with the wait (ready ones were reported done).
            if (m_context.on_done) {
                for (const auto& name : names) {
                    if (!ready.contains(name)) {
                        m_context.on_done(label_of(name), false);
                    }
                }
            }
            throw;
        }
    }

    std::string baseline(const plan::BaselineRequest& baseline) override {
        if (m_px == nullptr) {
            throw Error(ExitCode::failed, "internal: a baseline without a Portworx client");
        }
        // This run's baselines are looked up once for all volumes (a re-run finds its own).
        if (const auto* existing = plan::find_baseline(baseline, found_once(baseline.selector))) {
            return existing->id;
        }
        const auto key = "volume/" + baseline.staging_pvc;
        progress(key, fmt::format("baseline snapshot of pvc/{}", baseline.staging_pvc));
        return m_px->snapshot_create(baseline.request);
    }

    void label_bound_volume(const plan::StagingVolume& volume,
                            const std::string& staging_namespace) override {
        const auto pvc = m_kube.get_required(k8s::resource_of("PersistentVolumeClaim"),
                                             staging_namespace, volume.staging_pvc);
        const auto pv_name = k8s::string_field(pvc, "/spec/volumeName");
        if (pv_name.empty()) {
            throw Error(ExitCode::failed, fmt::format("pvc/{} in {} is Bound but names no volume",
                                                      volume.staging_pvc, staging_namespace));
        }
        const auto& pvs = k8s::resource_of("PersistentVolume");
        const auto pv = m_kube.get_required(pvs, "", pv_name);
        // Only a PV bound to this run's staging PVC is a staging object: anything else may be
        // production's, and a label would make teardown delete it.
        const auto claim_namespace = k8s::string_field(pv, "/spec/claimRef/namespace");
        const auto claim_name = k8s::string_field(pv, "/spec/claimRef/name");
        const auto claim_uid = k8s::string_field(pv, "/spec/claimRef/uid");
        if (claim_namespace != staging_namespace || claim_name != volume.staging_pvc ||
            claim_uid != k8s::string_field(pvc, "/metadata/uid")) {
            throw Error(ExitCode::failed,
                        fmt::format("persistentvolume/{} is not bound to the staging pvc/{} in {} "
                                    "(its claimRef is {}/{}): refusing to label it",
                                    pv_name, volume.staging_pvc, staging_namespace, claim_namespace,
                                    claim_name),
                        fmt::format("see `kubectl get pv {} -o yaml`", pv_name));
        }
        if (!k8s::has_labels(pv, volume.bound_pv_labels)) {
            auto labels = json::object();
            for (const auto& [key, value] : volume.bound_pv_labels) {
                labels[key] = value;
            }
            m_kube.merge_patch(pvs, "", pv_name, {{"metadata", {{"labels", labels}}}});
        }
        written("persistentvolume/" + pv_name);
        const auto handle = k8s::string_field(pv, "/spec/csi/volumeHandle");
        if (m_px == nullptr || handle.empty() ||
            k8s::string_field(pv, "/spec/csi/driver") != plan::k_portworx_csi_driver) {
            return;
        }
        const auto found = m_px->inspect(handle);
        if (!found) {
            return; // nothing behind it to leak
        }
        // Identity labels only: a re-run has its own created-at/expires-at.
        const bool labelled =
            std::all_of(volume.bound_volume_labels.begin(), volume.bound_volume_labels.end(),
                        [&found](const auto& label) {
                            if (!is_identity_label(label.first)) {
                                return true;
                            }
                            const auto it = found->labels.find(label.first);
                            return it != found->labels.end() && it->second == label.second;
                        });
        if (!labelled) {
            m_px->update_labels(handle, volume.bound_volume_labels);
        }
        written(fmt::format("portworx volume {} ({})", handle, found->name));
    }

    void mark_ready(const std::string& staging_namespace, const json& patch) override {
        m_kube.merge_patch(k8s::resource_of("Namespace"), "", staging_namespace, patch);
    }

    LogTail job_log_tail(const plan::WaitFor& job, const std::string& container) override {
        return read_job_log_tail(m_kube, job.wait_namespace, job.name, container);
    }

private:
    // The Portworx volumes carrying every label of `selector`, asked once per selector and kept
    // (what an earlier attempt of this run made; what this attempt makes it knows). Without a
    // run label the selector could match any run's volumes: then `name` is asked for each time.
    const std::vector<px::Volume>& found_once(const px::Labels& selector,
                                              const std::string& name = {}) {
        const std::lock_guard lock(m_found_mutex);
        if (!selector.contains(std::string(plan::k_run_key))) {
            px::VolumeFilter filter;
            filter.name = name;
            filter.labels = selector;
            return m_found_uncached.emplace_back(m_px->inspect_with_filters(filter));
        }
        auto& slot = m_found[selector];
        if (!slot) {
            px::VolumeFilter filter;
            filter.labels = selector;
            slot = m_px->inspect_with_filters(filter);
        }
        return *slot;
    }

    void progress(const std::string& key, const std::string& text) const {
        if (m_context.on_progress) {
            m_context.on_progress(key, text);
        }
    }

    void written(const std::string& what) const {
        if (m_context.on_written) {
            m_context.on_written(what);
        }
    }

    void written_object(const plan::PlannedObject& object) const {
        const auto ns = object.object_namespace();
        written(object.label() + (ns.empty() ? "" : " in " + ns));
    }

    const k8s::Client& m_kube;
    const px::Client* m_px;
    StagingContext m_context;
    std::mutex m_found_mutex;
    std::map<px::Labels, std::optional<std::vector<px::Volume>>> m_found;
    std::deque<std::vector<px::Volume>> m_found_uncached; // references stay valid
};

class DryRunStagingRunner final : public StagingRunner {
public:
    DryRunStagingRunner(std::ostream& out, CloneLines clone_lines)
        : m_out(out), m_clone_lines(std::move(clone_lines)) {}

    bool sends() const override { return false; }

    void create_namespace(const plan::StagingPlan& plan) override {
        if (plan.pooled) {
            return; // claimed from the pool: the claim's PATCH was printed
        }
        create(plan.namespace_object);
        if (plan.role_binding) {
            create(*plan.role_binding);
        }
    }

    std::string clone(const plan::StagingVolume& volume) override {
        if (volume.clone && m_clone_lines) {
            for (const auto& text : m_clone_lines(volume)) {
                line(text);
            }
        } else if (volume.clone) {
            line("POST /v1/volumes/clone " + px::to_json(*volume.clone).dump());
        }
        return std::string(plan::k_clone_id_placeholder);
    }

    void create(const plan::PlannedObject& object) override {
        line("POST " + k8s::collection_path(object.resource, object.object_namespace()) + ' ' +
             object.object.dump());
    }

    void apply(const plan::PlannedObject& object) override {
        line("PATCH " + k8s::item_path(object.resource, object.object_namespace(), object.name()) +
             "?fieldManager=pxclone&force=true " + object.object.dump());
    }

    json wait(const plan::WaitFor& wait, time_point deadline) override {
        (void)deadline;
        line("WAIT " + k8s::object_label(wait.resource, wait.name) + ' ' +
             std::string(plan::predicate_name(wait.predicate)));
        return json::object();
    }

    std::string baseline(const plan::BaselineRequest& baseline) override {
        line("POST /v1/volumes/snapshots " + px::to_json(baseline.request).dump());
        return "<baseline-id>";
    }

    // The provisioner names the PV and the volume: placeholders (no space, so a line stays
    // "METHOD PATH BODY").
    void label_bound_volume(const plan::StagingVolume& volume,
                            const std::string& staging_namespace) override {
        (void)staging_namespace;
        line(fmt::format("PATCH /api/v1/persistentvolumes/<pv-of-pvc-{}> {}", volume.staging_pvc,
                         json{{"metadata", {{"labels", volume.bound_pv_labels}}}}.dump()));
        if (!volume.bound_volume_labels.empty()) {
            line(fmt::format("PUT /v1/volumes/<volume-of-pvc-{}> {}", volume.staging_pvc,
                             json{{"labels", volume.bound_volume_labels}}.dump()));
        }
    }

    void mark_ready(const std::string& staging_namespace, const json& patch) override {
        line("PATCH " + k8s::item_path(k8s::resource_of("Namespace"), "", staging_namespace) + ' ' +
             patch.dump());
    }

private:
    // Steps of one stage run on the worker pool: each request is written as one whole line.
    void line(const std::string& text) {
        const std::lock_guard lock(m_mutex);
        m_out << text << '\n';
    }

    std::ostream& m_out;
    CloneLines m_clone_lines;
    std::mutex m_mutex;
};

void check(const std::function<bool()>& cancelled) {
    if (cancelled && cancelled()) {
        throw InterruptedError();
    }
}

// The baseline request of a Portworx clone of `volume`.
plan::BaselineRequest baseline_of(const plan::StagingPlan& plan, const plan::StagingVolume& volume,
                                  const std::string& clone_id) {
    auto lineage = plan.lineage;
    lineage.source = volume.source;
    return plan::baseline_request(lineage, volume.staging_pvc, clone_id);
}

// Every volume in parallel; the first failure is rethrown after all have finished, so nothing
// is still being created behind the error. With `baselines`, each Portworx clone's baseline is
// taken once its objects exist (its data is final: no mask will change it).
std::vector<std::string> make_volumes(const plan::StagingPlan& plan, StagingRunner& runner,
                                      util::WorkerPool& pool, bool baselines,
                                      const std::function<bool()>& cancelled) {
    std::vector<std::future<std::string>> work;
    for (const auto& volume : plan.volumes) {
        work.push_back(pool.submit([&plan, &runner, &volume, baselines, &cancelled] {
            check(cancelled);
            auto ready = volume;
            if (volume.clone) {
                ready = plan::with_clone_id(volume, runner.clone(volume));
            }
            for (const auto& object : ready.objects) {
                runner.create(object);
            }
            if (baselines && volume.clone && !ready.clone_id.empty()) {
                check(cancelled);
                runner.baseline(baseline_of(plan, volume, ready.clone_id));
            }
            return ready.clone_id;
        }));
    }
    return util::get_all(work);
}

// Each group of waits (one kind, namespace and predicate) is one watch, all groups at once.
void wait_all(const std::vector<plan::WaitFor>& waits, StagingRunner& runner,
              util::WorkerPool& pool, time_point deadline) {
    const auto groups = plan::group_waits(waits);
    std::vector<std::future<void>> work;
    for (const auto& group : groups) {
        work.push_back(
            pool.submit([&runner, &group, deadline] { runner.wait_many(group, deadline); }));
    }
    util::get_all(work);
}

// The masking Job's container, and the values of its environment variables whose names say
// they are secrets (redacted from its log).
std::pair<std::string, std::vector<std::string>> mask_container(const plan::MaskPlan& mask) {
    std::pair<std::string, std::vector<std::string>> out;
    for (const auto& object : mask.objects) {
        if (object.resource.kind != "Job") {
            continue;
        }
        const auto& containers =
            object.object.value(json::json_pointer("/spec/template/spec/containers"), json());
        if (!containers.is_array() || containers.empty()) {
            continue;
        }
        out.first = k8s::string_field(containers[0], "/name");
        for (const auto& variable : containers[0].value("env", json::array())) {
            const auto name = k8s::string_field(variable, "/name");
            const auto value = k8s::string_field(variable, "/value");
            if (!value.empty() && http::is_secret_key(name)) {
                out.second.push_back(value);
            }
        }
    }
    return out;
}

// The baseline of every Portworx clone, once its data is final (restore rolls back to it), all
// at once; the first failure is rethrown once every one has ended.
void take_baselines(const plan::StagingPlan& plan, const plan::StagingReport& report,
                    StagingRunner& runner, util::WorkerPool& pool,
                    const std::function<bool()>& cancelled) {
    std::vector<std::future<std::string>> work;
    for (std::size_t i = 0; i < plan.volumes.size() && i < report.volumes.size(); ++i) {
        const auto& volume = plan.volumes[i];
        if (volume.clone && !report.volumes[i].clone_id.empty()) {
            work.push_back(
                pool.submit([&runner, &cancelled,
                             request = baseline_of(plan, volume, report.volumes[i].clone_id)] {
                    check(cancelled);
                    return runner.baseline(request);
                }));
        }
    }
    util::get_all(work);
}

} // namespace

std::unique_ptr<StagingRunner>
make_staging_runner(const k8s::Client& kube, const px::Client* portworx, StagingContext context) {
    return std::make_unique<ClusterStagingRunner>(kube, portworx, std::move(context));
}

std::unique_ptr<StagingRunner> make_dry_run_staging_runner(std::ostream& out,
                                                           CloneLines clone_lines) {
    return std::make_unique<DryRunStagingRunner>(out, std::move(clone_lines));
}

plan::StagingReport run_staging_plan(const plan::StagingPlan& plan, StagingRunner& runner,
                                     util::WorkerPool& pool, const util::Clock& clock,
                                     time_point deadline, const std::function<bool()>& cancelled,
                                     util::WorkerPool* fan_out) {
    auto& wide = fan_out != nullptr ? *fan_out : pool;
    auto report = plan.report;
    for (const auto& step : plan.steps) {
        check(cancelled);
        switch (step.kind) {
        case plan::StepKind::create_namespace:
            runner.create_namespace(plan);
            break;
        case plan::StepKind::make_volumes: {
            const auto ids = make_volumes(plan, runner, wide, !plan.mask, cancelled);
            for (std::size_t i = 0; i < ids.size() && i < report.volumes.size(); ++i) {
                if (!ids[i].empty()) {
                    report.volumes[i].clone_id = ids[i];
                }
            }
            break;
        }
        case plan::StepKind::wait_volumes:
            wait_all(plan.volume_waits, runner, wide, deadline);
            for (const auto& volume : plan.volumes) {
                if (!volume.bound_pv_labels.empty()) {
                    check(cancelled);
                    runner.label_bound_volume(volume, plan.staging_namespace);
                }
            }
            break;
        case plan::StepKind::run_mask: {
            const auto& mask = *plan.mask;
            for (const auto& object : mask.objects) {
                runner.create(object);
            }
            // The mask has its own bound, but never past the command's.
            const auto mask_deadline = std::min(deadline, clock.now() + mask.timeout);
            try {
                runner.wait(mask.wait, mask_deadline);
            } catch (const Error& e) {
                if (e.code() == ExitCode::interrupted) {
                    throw;
                }
                // What the job printed last is usually why it failed.
                const auto [container, secrets] = mask_container(mask);
                throw Error(
                    e.code(),
                    with_log_tail(e.what(), runner.job_log_tail(mask.wait, container), secrets),
                    e.hint(), e.details());
            }
            // A signal that came as the Job completed: no baseline starts.
            check(cancelled);
            take_baselines(plan, report, runner, wide, cancelled);
            break;
        }
        case plan::StepKind::apply_config:
            for (const auto& object : plan.stages.at(step.stage).config) {
                check(cancelled);
                runner.apply(object);
            }
            break;
        case plan::StepKind::apply_workloads:
            for (const auto& object : plan.stages.at(step.stage).workloads) {
                check(cancelled);
                runner.apply(object);
            }
            break;
        case plan::StepKind::wait_workloads:
            wait_all(plan.stages.at(step.stage).waits, runner, wide, deadline);
            break;
        case plan::StepKind::mark_ready:
            runner.mark_ready(plan.staging_namespace,
                              plan::ready_patch(util::format_rfc3339(clock.now())));
            break;
        }
    }
    return report;
}

} // namespace pxclone::exec
