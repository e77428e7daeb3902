#include "pxclone/plan/restore_plan.hpp"

#include "pxclone/plan/snapshot_plan.hpp"
#include "pxclone/util/time.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <tuple>

#include <fmt/format.h>

namespace pxclone::plan {

namespace {

using nlohmann::json;

std::string text_at(const json& object, const char* pointer) {
    const json::json_pointer at(pointer);
    if (!object.contains(at)) {
        return {};
    }
    const auto& value = object.at(at);
    return value.is_string() ? value.get<std::string>() : std::string();
}

bool wanted(const std::string& name, const std::set<std::string>& present,
            const std::vector<std::string>& asked) {
    return !present.contains(name) &&
           (asked.empty() || std::find(asked.begin(), asked.end(), name) != asked.end());
}

std::optional<int> parse_count(const std::string& text) {
    int value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc() || ptr != end || value < 0) {
        return std::nullopt;
    }
    return value;
}

int spec_replicas(const json& workload) {
    const json::json_pointer at("/spec/replicas");
    if (workload.contains(at) && workload.at(at).is_number_integer()) {
        return workload.at(at).get<int>();
    }
    return 1; // the API server's default
}

// The PVCs in `pvcs` that this workload's pods mount; a StatefulSet's claim templates make
// claims for the ordinals below `replicas`.
std::vector<std::string> mounted_claims(const json& workload, bool statefulset, int replicas,
                                        const std::set<std::string>& pvcs) {
    std::set<std::string> found;
    const json::json_pointer volumes_at("/spec/template/spec/volumes");
    if (workload.contains(volumes_at) && workload.at(volumes_at).is_array()) {
        for (const auto& volume : workload.at(volumes_at)) {
            const auto claim = text_at(volume, "/persistentVolumeClaim/claimName");
            if (pvcs.contains(claim)) {
                found.insert(claim);
            }
        }
    }
    const json::json_pointer templates_at("/spec/volumeClaimTemplates");
    if (statefulset && workload.contains(templates_at) && workload.at(templates_at).is_array()) {
        const auto set_name = text_at(workload, "/metadata/name");
        for (const auto& claim_template : workload.at(templates_at)) {
            const auto prefix = text_at(claim_template, "/metadata/name") + "-" + set_name + "-";
            for (const auto& pvc : pvcs) {
                if (pvc.size() <= prefix.size() || !pvc.starts_with(prefix)) {
                    continue;
                }
                const auto ordinal = parse_count(pvc.substr(prefix.size()));
                if (ordinal && *ordinal < replicas) {
                    found.insert(pvc);
                }
            }
        }
    }
    return {found.begin(), found.end()};
}

} // namespace

BaselineRequest baseline_request(Lineage staging_lineage, const std::string& staging_pvc,
                                 const std::string& clone_id) {
    staging_lineage.role = Role::baseline;
    BaselineRequest baseline;
    baseline.staging_pvc = staging_pvc;
    baseline.selector = ownership_labels(staging_lineage);
    baseline.request.volume_id = clone_id;
    baseline.request.name =
        object_name(staging_lineage.profile, staging_lineage.run, "baseline-" + staging_pvc);
    baseline.request.labels = portworx_labels(staging_lineage);
    baseline.request.labels.emplace(k_staging_pvc_key, staging_pvc);
    return baseline;
}

const px::Volume* find_baseline(const BaselineRequest& baseline,
                                const std::vector<px::Volume>& candidates) {
    for (const auto& volume : candidates) {
        const bool labelled = std::all_of(
            baseline.selector.begin(), baseline.selector.end(), [&volume](const auto& label) {
                const auto found = volume.labels.find(label.first);
                return found != volume.labels.end() && found->second == label.second;
            });
        if (labelled && !volume.parent.empty() && volume.parent == baseline.request.volume_id) {
            return &volume;
        }
    }
    return nullptr;
}

std::string restore_refusal(const json& pvc, const std::string& profile, const std::string& run,
                            const std::string& source_namespace) {
    const auto ns = text_at(pvc, "/metadata/namespace");
    if (!ns.empty() && ns == source_namespace) {
        return fmt::format("it is in the source namespace {}: production volumes are never "
                           "restored",
                           source_namespace);
    }
    const auto expect = [&pvc](std::string_view key, const std::string& value,
                               std::string_view why) -> std::string {
        if (label_of(pvc, key) == value) {
            return {};
        }
        return fmt::format("it is not labelled {}={}: {}", key, value, why);
    };
    for (const auto& reason :
         {expect(k_managed_by_key, std::string(k_managed_by_value), "pxclone did not create it"),
          expect(k_profile_key, profile, "another profile made it"),
          expect(k_run_key, run, "it belongs to another run"),
          expect(k_role_key, std::string(role_name(Role::staging)),
                 "it is not a staging volume")}) {
        if (!reason.empty()) {
            return reason;
        }
    }
    return {};
}

std::string csi_data_source(const json& pvc) {
    if (text_at(pvc, "/spec/dataSource/kind") != "VolumeSnapshot") {
        return {};
    }
    return text_at(pvc, "/spec/dataSource/name");
}

std::string Workload::label() const {
    return resource.singular() + "/" + name;
}

std::vector<Workload> workloads_mounting(const std::vector<json>& deployments,
                                         const std::vector<json>& statefulsets,
                                         const std::set<std::string>& pvcs) {
    std::vector<Workload> out;
    const auto add = [&](const json& object, std::string_view kind) {
        Workload workload{.resource = k8s::resource_of(kind),
                          .ns = text_at(object, "/metadata/namespace"),
                          .name = text_at(object, "/metadata/name"),
                          .replicas = spec_replicas(object),
                          .recorded = false,
                          .pvcs = {}};
        // '/' in a key is "~1" in a JSON pointer.
        const json::json_pointer annotation_at(
            "/metadata/annotations/pxclone.io~1restore-replicas");
        if (object.contains(annotation_at) && object.at(annotation_at).is_string()) {
            if (const auto count = parse_count(object.at(annotation_at).get<std::string>())) {
                workload.replicas = *count;
                workload.recorded = true;
            }
        }
        // While stopped by a restore, its claims are those of the recorded count.
        const int members = std::max(workload.replicas, spec_replicas(object));
        workload.pvcs = mounted_claims(object, kind == "StatefulSet", members, pvcs);
        if (!workload.pvcs.empty()) {
            out.push_back(std::move(workload));
        }
    };
    for (const auto& deployment : deployments) {
        add(deployment, "Deployment");
    }
    for (const auto& statefulset : statefulsets) {
        add(statefulset, "StatefulSet");
    }
    std::sort(out.begin(), out.end(), [](const Workload& left, const Workload& right) {
        return std::tie(left.resource.kind, left.name) < std::tie(right.resource.kind, right.name);
    });
    return out;
}

json record_replicas_patch(int replicas) {
    return {{"metadata",
             {{"annotations", {{std::string(k_restore_replicas_key), std::to_string(replicas)}}}}}};
}

json clear_record_patch() {
    return {{"metadata", {{"annotations", {{std::string(k_restore_replicas_key), nullptr}}}}}};
}

std::string_view restore_step_name(RestoreStepKind kind) {
    switch (kind) {
    case RestoreStepKind::record_replicas:
        return "record-replicas";
    case RestoreStepKind::scale_down:
        return "scale-down";
    case RestoreStepKind::wait_pods_gone:
        return "wait-pods-gone";
    case RestoreStepKind::wait_detached:
        return "wait-detached";
    case RestoreStepKind::restore_volume:
        return "restore-volume";
    case RestoreStepKind::scale_up:
        return "scale-up";
    case RestoreStepKind::wait_ready:
        return "wait-ready";
    case RestoreStepKind::clear_record:
        return "clear-record";
    case RestoreStepKind::wait_old_detached:
        return "wait-old-detached";
    case RestoreStepKind::make_volume:
        return "make-volume";
    case RestoreStepKind::delete_pvc:
        return "delete-pvc";
    case RestoreStepKind::create_pvc:
        return "create-pvc";
    case RestoreStepKind::delete_old:
        return "delete-old";
    case RestoreStepKind::run_mask:
        return "run-mask";
    case RestoreStepKind::take_baseline:
        return "take-baseline";
    case RestoreStepKind::clear_swap:
        return "clear-swap";
    case RestoreStepKind::label_volume:
        return "label-volume";
    case RestoreStepKind::relabel_namespace:
        break;
    }
    return "relabel-namespace";
}

profile::Profile one_volume_profile(profile::Profile profile, const std::string& ns,
                                    const std::string& source_pvc, const std::string& staging_pvc) {
    profile.staging.staging_namespace = ns;
    profile.staging.volumes = {{source_pvc, staging_pvc}};
    profile.staging.manifests.clear();
    profile.staging.images.clear();
    profile.staging.mask.reset();
    return profile;
}

AdoptedLineage adopt_lineage(Lineage lineage, const json& object,
                             std::chrono::system_clock::time_point made_at) {
    lineage.git_sha = annotation_of(object, k_git_sha_key);
    lineage.build_id = annotation_of(object, k_build_id_key);
    if (const auto created = util::parse_rfc3339(annotation_of(object, k_created_at_key))) {
        lineage.created_at = util::format_rfc3339(*created);
        made_at = *created;
    }
    return {std::move(lineage), made_at};
}

bool is_new_pvc_copy(const json& pvc, const std::string& profile, const std::string& set,
                     const std::string& source) {
    return label_of(pvc, k_managed_by_key) == k_managed_by_value &&
           label_of(pvc, k_profile_key) == profile &&
           label_of(pvc, k_role_key) == role_name(Role::staging) &&
           label_of(pvc, k_snapshot_set_key) == set && annotation_of(pvc, k_source_key) == source &&
           !label_of(pvc, k_run_key).empty();
}

std::map<std::string, json> pending_swap_pvs(std::vector<json> pvs, const std::string& ns,
                                             const std::set<std::string>& present,
                                             const std::vector<std::string>& asked) {
    std::map<std::string, json> out;
    for (auto& pv : pvs) {
        const auto claim = text_at(pv, "/spec/claimRef/name");
        if (text_at(pv, "/spec/claimRef/namespace") != ns || claim.empty() ||
            annotation_of(pv, k_restore_replaces_key).empty() || !wanted(claim, present, asked)) {
            continue;
        }
        out.emplace(claim, std::move(pv));
    }
    return out;
}

std::map<std::string, std::vector<json>>
pending_csi_snapshots(std::vector<json> snapshots, const std::string& ns,
                      const std::set<std::string>& present, const std::vector<std::string>& asked) {
    std::map<std::string, std::vector<json>> out;
    for (auto& snapshot : snapshots) {
        if (text_at(snapshot, "/metadata/namespace") != ns) {
            continue;
        }
        auto pvc = annotation_of(snapshot, k_staging_pvc_key);
        if (pvc.empty()) {
            pvc = text_at(snapshot, "/metadata/name");
        }
        if (wanted(pvc, present, asked)) {
            out[pvc].push_back(std::move(snapshot));
        }
    }
    return out;
}

std::string only_snapshot_set(const std::vector<json>& snapshots) {
    std::set<std::string> found;
    for (const auto& snapshot : snapshots) {
        found.insert(label_of(snapshot, k_snapshot_set_key));
    }
    return found.size() == 1 ? *found.begin() : std::string();
}

std::set<std::string> workloads_before_mask(const StagingPlan& plan) {
    std::set<std::string> before;
    if (!plan.mask) {
        return before;
    }
    for (std::size_t i = 0; i < plan.mask->before_stage && i < plan.stages.size(); ++i) {
        for (const auto& workload : plan.stages[i].workloads) {
            before.insert(workload.label());
        }
    }
    return before;
}

bool carries_labels(const std::map<std::string, std::string>& have, const Labels& labels) {
    return std::all_of(labels.begin(), labels.end(), [&have](const auto& label) {
        const auto found = have.find(label.first);
        return found != have.end() && found->second == label.second;
    });
}

bool all_on_set(const std::vector<json>& pvcs, const std::set<std::string>& planned,
                const std::string& target_set) {
    return std::all_of(pvcs.begin(), pvcs.end(), [&](const json& pvc) {
        return planned.contains(text_at(pvc, "/metadata/name")) ||
               label_of(pvc, k_snapshot_set_key) == target_set;
    });
}

RestorePlan plan_restore_in_place(std::string ns, std::string run, std::string snapshot_set,
                                  std::vector<RestoreVolume> volumes,
                                  std::vector<Workload> workloads) {
    RestorePlan plan{.ns = std::move(ns),
                     .run = std::move(run),
                     .snapshot_set = std::move(snapshot_set),
                     .volumes = std::move(volumes),
                     .workloads = std::move(workloads),
                     .steps = {}};
    const auto each_workload = [&plan](RestoreStepKind kind) {
        for (std::size_t i = 0; i < plan.workloads.size(); ++i) {
            if (kind == RestoreStepKind::record_replicas && plan.workloads[i].recorded) {
                continue;
            }
            plan.steps.push_back({kind, i});
        }
    };
    const auto each_volume = [&plan](RestoreStepKind kind) {
        for (std::size_t i = 0; i < plan.volumes.size(); ++i) {
            plan.steps.push_back({kind, i});
        }
    };
    each_workload(RestoreStepKind::record_replicas);
    each_workload(RestoreStepKind::scale_down);
    if (!plan.workloads.empty()) {
        plan.steps.push_back({RestoreStepKind::wait_pods_gone, 0});
    }
    each_volume(RestoreStepKind::wait_detached);
    each_volume(RestoreStepKind::restore_volume);
    each_workload(RestoreStepKind::scale_up);
    each_workload(RestoreStepKind::wait_ready);
    each_workload(RestoreStepKind::clear_record);
    return plan;
}

namespace {

// The annotations on the object that says what a swap replaces ("" becomes "-").
void annotate_replaced(json& object, const std::string& replaces,
                       const std::string& replaces_object) {
    auto& annotations = object["metadata"]["annotations"];
    annotations[std::string(k_restore_replaces_key)] = replaces.empty() ? "-" : replaces;
    annotations[std::string(k_restore_replaces_object_key)] =
        replaces_object.empty() ? "-" : replaces_object;
}

std::string swap_set_name(const StagingVolume& planned, const Lineage& lineage) {
    return object_name(lineage.profile, lineage.run,
                       planned.staging_pvc + "-" + lineage.snapshot_set);
}

} // namespace

StagingVolume portworx_swap_target(StagingVolume planned, const Lineage& lineage,
                                   const std::string& replaces,
                                   const std::string& replaces_object) {
    const auto& pvc_name = planned.staging_pvc;
    const auto set_name = swap_set_name(planned, lineage);
    if (planned.clone) {
        planned.clone->name = object_name(lineage.profile, lineage.run,
                                          "clone-" + pvc_name + "-" + lineage.snapshot_set);
    }
    for (auto& object : planned.objects) {
        if (object.resource.kind == "PersistentVolume") {
            object.object["metadata"]["name"] = set_name;
            annotate_replaced(object.object, replaces, replaces_object);
        } else if (object.resource.kind == "PersistentVolumeClaim") {
            object.object["spec"]["volumeName"] = set_name;
        }
    }
    return planned;
}

StagingVolume csi_swap_target(StagingVolume planned, const Lineage& lineage,
                              const std::string& replaces, const std::string& replaces_object,
                              const std::string& reuse_snapshot) {
    const auto& pvc_name = planned.staging_pvc;
    const auto set_name = swap_set_name(planned, lineage);
    const auto snapshot = reuse_snapshot.empty() ? set_name : reuse_snapshot;
    std::vector<PlannedObject> objects;
    for (auto& object : planned.objects) {
        const auto& kind = object.resource.kind;
        if (kind == "PersistentVolumeClaim") {
            object.object["spec"]["dataSource"]["name"] = snapshot;
            annotate_replaced(object.object, replaces, replaces_object);
        } else if (!reuse_snapshot.empty()) {
            continue; // the set's VolumeSnapshot (and its content) exist
        } else if (kind == "VolumeSnapshotContent") {
            object.object["metadata"]["name"] = set_name;
            object.object["spec"]["volumeSnapshotRef"]["name"] = set_name;
        } else if (kind == "VolumeSnapshot") {
            object.object["metadata"]["name"] = set_name;
            object.object["spec"]["source"]["volumeSnapshotContentName"] = set_name;
            // Named for the set, it says which PVC it makes (a resumed swap needs that).
            object.object["metadata"]["annotations"][std::string(k_staging_pvc_key)] = pvc_name;
        }
        objects.push_back(std::move(object));
    }
    planned.clone_id = snapshot;
    planned.objects = std::move(objects);
    return planned;
}

json clear_swap_patch() {
    return {{"metadata",
             {{"annotations",
               {{std::string(k_restore_replaces_key), nullptr},
                {std::string(k_restore_replaces_object_key), nullptr}}}}}};
}

RestorePlan plan_restore_swap(std::string ns, Lineage lineage, std::vector<RestoreVolume> volumes,
                              std::vector<SwapVolume> swaps, std::vector<Workload> workloads,
                              std::optional<MaskPlan> mask,
                              const std::set<std::string>& before_mask, bool baselines) {
    auto plan = plan_restore_in_place(std::move(ns), lineage.run, lineage.snapshot_set,
                                      std::move(volumes), std::move(workloads));
    std::sort(swaps.begin(), swaps.end(),
              [](const SwapVolume& left, const SwapVolume& right) { return left.pvc < right.pvc; });
    plan.swaps = std::move(swaps);
    plan.mask = std::move(mask);
    plan.lineage = std::move(lineage);
    plan.baselines = baselines;

    // Up to the volume restores the steps are the in-place ones; the rest is rebuilt.
    std::vector<RestoreStep> steps;
    for (const auto& step : plan.steps) {
        if (step.kind == RestoreStepKind::scale_up) {
            break;
        }
        steps.push_back(step);
    }
    const auto each_swap = [&](RestoreStepKind kind, const auto& wanted) {
        for (std::size_t i = 0; i < plan.swaps.size(); ++i) {
            if (wanted(plan.swaps[i])) {
                steps.push_back({kind, i});
            }
        }
    };
    const auto unswapped = [](const SwapVolume& swap) {
        return !swap.swapped;
    };
    const auto always = [](const SwapVolume&) {
        return true;
    };
    each_swap(RestoreStepKind::wait_old_detached, [](const SwapVolume& swap) {
        return !swap.swapped && swap.pvc_exists && !swap.old_clone_id.empty();
    });
    each_swap(RestoreStepKind::make_volume, unswapped);
    each_swap(RestoreStepKind::delete_pvc,
              [](const SwapVolume& swap) { return !swap.swapped && swap.pvc_exists; });
    each_swap(RestoreStepKind::create_pvc, unswapped);
    // Also when resumed: the labelling may be what the interruption left undone.
    each_swap(RestoreStepKind::label_volume,
              [](const SwapVolume& swap) { return !swap.target.bound_pv_labels.empty(); });
    each_swap(RestoreStepKind::delete_old, always);

    const auto bring_back = [&](bool early) {
        for (const auto kind : {RestoreStepKind::scale_up, RestoreStepKind::wait_ready}) {
            for (std::size_t i = 0; i < plan.workloads.size(); ++i) {
                if (before_mask.contains(plan.workloads[i].label()) == early) {
                    steps.push_back({kind, i});
                }
            }
        }
    };
    if (plan.mask) {
        bring_back(true);
        steps.push_back({RestoreStepKind::run_mask, 0});
    }
    if (plan.baselines) {
        each_swap(RestoreStepKind::take_baseline, always);
    }
    each_swap(RestoreStepKind::clear_swap, always);
    bring_back(false);
    if (!plan.mask) {
        bring_back(true);
    }
    for (std::size_t i = 0; i < plan.workloads.size(); ++i) {
        steps.push_back({RestoreStepKind::clear_record, i});
    }
    plan.steps = std::move(steps);
    return plan;
}

RestorePlan with_namespace_relabel(RestorePlan plan) {
    plan.steps.push_back({RestoreStepKind::relabel_namespace, 0});
    return plan;
}

json namespace_set_patch(const std::string& set) {
    return {{"metadata", {{"labels", {{std::string(k_snapshot_set_key), set}}}}}};
}

nlohmann::ordered_json to_json(const RestorePlan& plan) {
    nlohmann::ordered_json out{
        {"namespace", plan.ns}, {"run", plan.run}, {"snapshotSet", plan.snapshot_set}};
    auto volumes = nlohmann::ordered_json::array();
    for (const auto& volume : plan.volumes) {
        volumes.push_back({{"pvc", volume.pvc},
                           {"cloneId", volume.clone_id},
                           {"baselineId", volume.baseline_id}});
    }
    out["volumes"] = std::move(volumes);
    auto workloads = nlohmann::ordered_json::array();
    for (const auto& workload : plan.workloads) {
        workloads.push_back({{"kind", workload.resource.kind},
                             {"name", workload.name},
                             {"replicas", workload.replicas},
                             {"pvcs", workload.pvcs}});
    }
    out["workloads"] = std::move(workloads);
    if (!plan.swaps.empty()) {
        auto swaps = nlohmann::ordered_json::array();
        for (const auto& swap : plan.swaps) {
            swaps.push_back({{"pvc", swap.pvc},
                             {"source", swap.target.source},
                             {"method", profile::method_name(swap.target.method)},
                             {"snapshotId", swap.target.snapshot_id},
                             {"volumeId", swap.target.clone_id},
                             {"replaces", swap.replaces},
                             {"resumed", swap.swapped || !swap.pvc_exists}});
        }
        out["swaps"] = std::move(swaps);
        out["masked"] = plan.mask.has_value();
    }
    return out;
}

} // namespace pxclone::plan
