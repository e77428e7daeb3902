#include "pxclone/method/csi.hpp"

#include "pxclone/error.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/k8s/readiness.hpp"
#include "pxclone/k8s/watch.hpp"
#include "pxclone/plan/restore_plan.hpp"
#include "pxclone/plan/staging_plan.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "backend_support.hpp"
#include "restore_hooks.hpp"

namespace pxclone::method {

namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* k_snapshot = "VolumeSnapshot";
constexpr const char* k_content = "VolumeSnapshotContent";

// validate --online: the profile's snapshot.class exists (a VolumeSnapshot naming a missing class
// never becomes ready).
plan::Check snapshot_class_check(const k8s::Client& kube, const profile::Profile& profile) {
    const auto& name = profile.snapshot.snapshot_class;
    if (!kube.get(k8s::resource_of("VolumeSnapshotClass"), "", name)) {
        return plan::failed_check(
            "snapshot-class",
            fmt::format("volumesnapshotclass \"{}\" (snapshot.class) does not exist", name),
            ExitCode::not_found);
    }
    return plan::passed_check("snapshot-class",
                              fmt::format("volumesnapshotclass \"{}\" exists", name));
}

const k8s::Resource& volume_snapshots() {
    static const auto& resource = k8s::resource_of("VolumeSnapshot");
    return resource;
}

class CsiBackend final : public exec::SnapshotBackend {
public:
    CsiBackend(const k8s::Client& kube, exec::BackendContext context)
        : m_kube(kube), m_context(std::move(context)) {}

    std::vector<plan::ExistingSnapshot> find_existing(const plan::SnapshotPlan& plan) override {
        if (plan.snapshots.empty()) {
            return {};
        }
        k8s::ListOptions options;
        options.label_selector = plan::selector_for(support::run_selector(plan.snapshots.front()));
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

    exec::TakenSnapshot take(const plan::SnapshotPlan& plan, const plan::PlannedSnapshot& snapshot,
                             std::chrono::system_clock::time_point deadline) override {
        return exec::run_step(m_context.on_done, support::step_key(snapshot),
                              [&] { return take_step(plan, snapshot, deadline); });
    }

    void remove(const plan::SnapshotPlan& plan, const exec::TakenSnapshot& snapshot) override {
        m_kube.remove(volume_snapshots(), plan.source_namespace, snapshot.id);
    }

    std::string create_request(const plan::SnapshotPlan& plan,
                               const plan::PlannedSnapshot& snapshot) const override {
        return "POST " + k8s::collection_path(volume_snapshots(), plan.source_namespace) + ' ' +
               volume_snapshot_object(plan, snapshot).dump();
    }

    std::string remove_request(const plan::SnapshotPlan& plan,
                               const exec::TakenSnapshot& snapshot) const override {
        return "DELETE " + k8s::item_path(volume_snapshots(), plan.source_namespace, snapshot.id);
    }

private:
    exec::TakenSnapshot take_step(const plan::SnapshotPlan& plan,
                                  const plan::PlannedSnapshot& snapshot,
                                  std::chrono::system_clock::time_point deadline) {
        const auto start = m_context.clock->now();
        const auto key = support::step_key(snapshot);
        exec::TakenSnapshot taken{
            .source = plan.source_namespace + "/" + snapshot.source.pvc,
            .pvc = snapshot.source.pvc,
            .id = snapshot.name,
            .portworx_id = {},
            .size_bytes = snapshot.source.size_bytes,
            .reused = !snapshot.existing.empty(),
        };
        if (!taken.reused) {
            support::report(m_context, key,
                            fmt::format("snapshot {} creating", snapshot.source.pvc));
            // A new object carrying our labels; an existing one of that name is ours only if it
            // carries them too (create_or_adopt refuses anything else).
            support::cut_short_is_uncertain(snapshot, [&] {
                return m_kube.create_or_adopt(volume_snapshots(), plan.source_namespace,
                                              volume_snapshot_object(plan, snapshot),
                                              support::run_selector(snapshot));
            });
        }
        k8s::WaitOptions wait;
        wait.timeout =
            std::max(milliseconds{0},
                     std::chrono::duration_cast<milliseconds>(deadline - m_context.clock->now()));
        wait.on_progress = [this, &key](const std::string& text) {
            support::report(m_context, key, text);
        };
        wait.watch.cancelled = m_context.cancelled;
        const auto ready =
            k8s::wait_for(m_kube, volume_snapshots(), plan.source_namespace, snapshot.name,
                          k8s::when_present(k8s::volume_snapshot_readiness,
                                            k8s::object_label(volume_snapshots(), snapshot.name)),
                          wait, *m_context.clock, *m_context.sleeper);
        taken.portworx_id = portworx_id_of(ready.value_or(json::object()), snapshot);
        taken.took = support::since(*m_context.clock, start);
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
    exec::BackendContext m_context;
};

class Csi final : public Method {
public:
    profile::SnapshotMethod kind() const override { return profile::SnapshotMethod::csi; }

    std::vector<std::string> kept_kinds() const override {
        return {"VolumeSnapshot", "VolumeSnapshotContent"};
    }

    std::vector<plan::MethodAccess> access(plan::AccessPhase phase,
                                           const profile::Profile& profile) const override {
        const auto& source = profile.source.source_namespace;
        const auto& staging = profile.staging.staging_namespace;
        switch (phase) {
        case plan::AccessPhase::take_snapshots:
            return {
                {.verb = "list",
                 .kind = k_snapshot,
                 .ns = source,
                 .why = "find this run's snapshots"},
                {.verb = "create", .kind = k_snapshot, .ns = source, .why = "take the snapshots"},
                {.verb = "get", .kind = k_snapshot, .ns = source, .why = "take the snapshots"},
                // k8s::wait_for: a list, then a watch from its version.
                {.verb = "list",
                 .kind = k_snapshot,
                 .ns = source,
                 .why = "wait until the snapshots are ready"},
                {.verb = "watch",
                 .kind = k_snapshot,
                 .ns = source,
                 .why = "wait until the snapshots are ready"},
                {.verb = "get", .kind = k_content, .ns = "", .why = "read the snapshots' handles"},
                {.verb = "delete",
                 .kind = k_snapshot,
                 .ns = source,
                 .why = "roll back a failed set"},
            };
        case plan::AccessPhase::read_sets:
            // A set's VolumeSnapshots are in the source namespace (exec::Catalog::snapshot_sets).
            return {
                {.verb = "list", .kind = k_snapshot, .ns = source, .why = "find the snapshot sets"},
                {.verb = "get", .kind = k_content, .ns = "", .why = "find the snapshot sets"}};
        case plan::AccessPhase::make_volumes:
            return {
                {.verb = "create", .kind = k_content, .ns = "", .why = "make the volumes"},
                {.verb = "get", .kind = k_content, .ns = "", .why = "make the volumes"},
                {.verb = "create", .kind = k_snapshot, .ns = staging, .why = "make the volumes"},
                {.verb = "get", .kind = k_snapshot, .ns = staging, .why = "make the volumes"}};
        case plan::AccessPhase::swap_volumes:
            return {
                {.verb = "patch",
                 .kind = "PersistentVolumeClaim",
                 .ns = staging,
                 .why = "replace the PVCs"},
                {.verb = "get", .kind = k_snapshot, .ns = staging, .why = "replace the PVCs"},
                {.verb = "delete", .kind = k_snapshot, .ns = staging, .why = "replace the PVCs"},
                {.verb = "get", .kind = k_content, .ns = "", .why = "replace the PVCs"},
                {.verb = "delete", .kind = k_content, .ns = "", .why = "replace the PVCs"}};
        case plan::AccessPhase::validate:
            return {{.verb = "get",
                     .kind = "VolumeSnapshotClass",
                     .ns = "",
                     .why = "check the snapshot class",
                     .name = profile.snapshot.snapshot_class}};
        }
        return {};
    }

    bool labels_provisioned_volumes() const override { return true; }
    bool staging_class_from_source() const override { return true; }
    bool has_baselines() const override { return false; }

    std::pair<std::string, std::string>
    swap_replaces(const plan::ReplacedVolume& old) const override {
        return {old.snapshot, old.content};
    }

    std::string snapshot_id(const std::string& source_namespace,
                            const std::string& id) const override {
        return id.empty() ? id : source_namespace + "/" + id;
    }

    std::vector<OnlineCheck> online_checks() const override {
        return {{.name = "snapshot-class", .run = snapshot_class_check}};
    }

    // Kubernetes objects: the lineage that is not a label value goes into annotations.
    plan::Labels snapshot_labels(const plan::Lineage& lineage) const override {
        return plan::kubernetes_labels(lineage);
    }
    plan::Labels snapshot_annotations(const plan::Lineage& lineage) const override {
        return plan::kubernetes_annotations(lineage);
    }

    plan::StagingVolume staging_volume(const profile::Profile& profile,
                                       const plan::Lineage& lineage,
                                       const std::string& staging_namespace,
                                       plan::StagingVolume volume,
                                       const plan::SnapshotSetVolume& source) const override {
        return plan::csi_staging_volume(profile, lineage, staging_namespace, std::move(volume),
                                        source);
    }

    // The staging VolumeSnapshot is named like the PVC it feeds.
    plan::StagingVolume swap_target(plan::StagingVolume planned, const plan::Lineage& lineage,
                                    const std::string& replaces, const std::string& replaces_object,
                                    const std::string& reuse_snapshot) const override {
        return plan::csi_swap_target(std::move(planned), lineage, replaces, replaces_object,
                                     reuse_snapshot);
    }

    std::vector<std::string> reserved_names(const plan::StagingVolume& volume) const override {
        return {"VolumeSnapshot/" + volume.staging_pvc};
    }

    std::unique_ptr<exec::SnapshotBackend> backend(const k8s::Client& kube,
                                                   const px::Client& portworx,
                                                   exec::BackendContext context) const override {
        (void)portworx;
        return std::make_unique<CsiBackend>(kube, std::move(context));
    }

    bool made(const nlohmann::json& pvc) const override { return csi_restore::made(pvc); }

    PendingSwaps pending_swaps(RestoreSite& site, const std::set<std::string>& present,
                               const std::vector<std::string>& asked) const override {
        return csi_restore::pending_swaps(site, present, asked);
    }

    std::optional<std::string>
    pending_set(const std::vector<nlohmann::json>& objects) const override {
        // A pending csi swap follows the target set (its VolumeSnapshots may be of several).
        (void)objects;
        return {};
    }

    void resume_pending(RestoreSite& site, const std::string& name,
                        const std::vector<nlohmann::json>& objects) const override {
        csi_restore::resume_pending(site, name, objects);
    }

    PvcSet pvc_set(RestoreSite& site, const nlohmann::json& pvc) const override {
        (void)site;
        return csi_restore::pvc_set(pvc);
    }

    void restore_pvc(RestoreSite& site, const nlohmann::json& pvc) const override {
        csi_restore::restore_pvc(site, pvc);
    }
};

} // namespace

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

const Method& csi() {
    static const Csi method;
    return method;
}

} // namespace pxclone::method
