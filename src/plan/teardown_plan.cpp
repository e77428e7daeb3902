#include "pxclone/plan/teardown_plan.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

namespace pxclone::plan {

namespace {

constexpr std::string_view k_not_torn_down = " is not being torn down";
constexpr std::string_view k_not_deleted = " is not being deleted";

std::string label(const FoundObject& object, std::string_view key) {
    const auto found = object.labels.find(std::string(key));
    return found == object.labels.end() ? std::string() : found->second;
}

// The namespace first: its deletion takes its workloads and claims along (the critical path is
// its finalisation), and the cluster-scoped objects go meanwhile. Then what the Portworx clones
// depend on being gone (see Deletion::stage).
int stage_of(const FoundObject& object, bool referred) {
    switch (object.kind) {
    case TeardownKind::ns:
        return 0;
    case TeardownKind::deployment:
    case TeardownKind::statefulset:
    case TeardownKind::job:
        return 1;
    case TeardownKind::pvc:
        return 2;
    case TeardownKind::volume_snapshot:
        return 3;
    case TeardownKind::pv:
    case TeardownKind::volume_snapshot_content:
        return 4;
    case TeardownKind::portworx_volume:
        break;
    }
    const auto role = label(object, k_role_key);
    if (role == role_name(Role::baseline)) {
        // A snapshot of a clone: nothing mounts it. It goes with the PVs unless a found object
        // (a CSI content) refers to it: then after that object.
        return referred ? 5 : 4;
    }
    return role == role_name(Role::snapshot) ? 7 : 6;
}

// Within a stage: clones before snapshots (a clone's parent is a snapshot), then by identity.
auto order_key(const Deletion& deletion) {
    const auto& object = deletion.object;
    const bool is_snapshot = label(object, k_role_key) == role_name(Role::snapshot);
    return std::make_tuple(deletion.stage, is_snapshot, static_cast<int>(object.kind), object.ns,
                           object.name, object.id);
}

} // namespace

std::string_view teardown_kind_name(TeardownKind kind) {
    switch (kind) {
    case TeardownKind::deployment:
        return "Deployment";
    case TeardownKind::statefulset:
        return "StatefulSet";
    case TeardownKind::job:
        return "Job";
    case TeardownKind::pvc:
        return "PersistentVolumeClaim";
    case TeardownKind::volume_snapshot:
        return "VolumeSnapshot";
    case TeardownKind::pv:
        return "PersistentVolume";
    case TeardownKind::volume_snapshot_content:
        return "VolumeSnapshotContent";
    case TeardownKind::portworx_volume:
        return "PortworxVolume";
    case TeardownKind::ns:
        break;
    }
    return "Namespace";
}

std::string FoundObject::describe() const {
    if (kind == TeardownKind::portworx_volume) {
        return "portworx volume " + id + (name.empty() ? "" : " (" + name + ")");
    }
    std::string kind_name(teardown_kind_name(kind));
    std::transform(kind_name.begin(), kind_name.end(), kind_name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return kind_name + "/" + name + (ns.empty() ? "" : " in " + ns);
}

std::string FoundObject::key() const {
    return kind == TeardownKind::portworx_volume ? object_key(kind, "", id)
                                                 : object_key(kind, ns, name);
}

std::string object_key(TeardownKind kind, std::string_view ns, std::string_view name) {
    return std::string(teardown_kind_name(kind)) + "/" + std::string(ns) + "/" + std::string(name);
}

bool pooled(const FoundObject& object) {
    return object.kind == TeardownKind::ns && object.labels.contains(std::string(k_pool_key));
}

std::string refusal_reason(const TeardownTarget& target, const FoundObject& object) {
    if (label(object, k_managed_by_key) != k_managed_by_value) {
        return "not labelled app.kubernetes.io/managed-by=pxclone";
    }
    if (target.profile.empty() || label(object, k_profile_key) != target.profile) {
        return "not labelled pxclone.io/profile=" + target.profile;
    }
    const auto run = label(object, k_run_key);
    if (run.empty()) {
        return "no pxclone.io/run label";
    }
    const auto role = label(object, k_role_key);
    const bool is_snapshot = role == role_name(Role::snapshot);
    // A baseline (a snapshot of a staging clone) belongs to its staging run.
    if (!is_snapshot && role != role_name(Role::staging) && role != role_name(Role::baseline)) {
        return "no pxclone.io/role label";
    }
    if (object.kind == TeardownKind::ns && object.name == target.source_namespace) {
        return "it is the source namespace";
    }
    if (!object.ns.empty() && object.ns == target.source_namespace &&
        !(is_snapshot && object.kind == TeardownKind::volume_snapshot)) {
        return "it is in the source namespace " + target.source_namespace;
    }
    if (object.kind == TeardownKind::portworx_volume && object.id.empty()) {
        return "no Portworx volume id";
    }
    if (object.kind != TeardownKind::portworx_volume && object.name.empty()) {
        return "no name";
    }
    if (is_snapshot) {
        if (target.snapshot_sets.count(run) == 0) {
            return "snapshot set " + run + std::string(k_not_deleted);
        }
        if (label(object, k_snapshot_set_key) != run) {
            return "its pxclone.io/snapshot-set is not its run " + run;
        }
        return {};
    }
    if (target.runs.count(run) == 0) {
        return "run " + run + std::string(k_not_torn_down);
    }
    return {};
}

TeardownPlan plan_teardown(const TeardownTarget& target, const std::vector<FoundObject>& found) {
    TeardownPlan plan;
    // The namespaces deleted: what is in them goes with them, without a DELETE of its own.
    std::set<std::string> namespaces;
    for (const auto& object : found) {
        if (object.kind == TeardownKind::ns && refusal_reason(target, object).empty() &&
            !pooled(object)) {
            namespaces.insert(object.name);
        }
    }
    std::set<std::string> referred;
    for (const auto& object : found) {
        referred.insert(object.refers_to.begin(), object.refers_to.end());
    }
    for (const auto& object : found) {
        if (!object.ns.empty() && namespaces.contains(object.ns)) {
            continue;
        }
        auto reason = refusal_reason(target, object);
        if (!reason.empty()) {
            const bool not_selected =
                reason.ends_with(k_not_torn_down) || reason.ends_with(k_not_deleted);
            plan.refused.push_back(Refusal{object, std::move(reason), not_selected});
            continue;
        }
        if (object.kind == TeardownKind::ns && pooled(object)) {
            if (std::none_of(
                    plan.releases.begin(), plan.releases.end(),
                    [&object](const FoundObject& other) { return other.name == object.name; })) {
                plan.releases.push_back(object);
            }
            continue;
        }
        plan.deletions.push_back(
            Deletion{object, stage_of(object, referred.contains(object.key()))});
    }
    std::sort(
        plan.releases.begin(), plan.releases.end(),
        [](const FoundObject& left, const FoundObject& right) { return left.name < right.name; });
    std::sort(plan.deletions.begin(), plan.deletions.end(),
              [](const Deletion& left, const Deletion& right) {
                  return order_key(left) < order_key(right);
              });
    // The same object found by two listings (two runs' selectors) is deleted once.
    plan.deletions.erase(std::unique(plan.deletions.begin(), plan.deletions.end(),
                                     [](const Deletion& left, const Deletion& right) {
                                         return order_key(left) == order_key(right);
                                     }),
                         plan.deletions.end());
    return plan;
}

} // namespace pxclone::plan
