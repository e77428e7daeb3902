#include "pxclone/plan/permissions.hpp"

#include "pxclone/plan/staging_plan.hpp"

#include <algorithm>
#include <iterator>
#include <tuple>

#include <fmt/format.h>

namespace pxclone::plan {

namespace {

constexpr std::string_view k_snapshot = "snapshot";
constexpr std::string_view k_deploy = "deploy-staging";
constexpr std::string_view k_restore = "restore";
constexpr std::string_view k_teardown = "teardown";
constexpr std::string_view k_list = "list";
constexpr std::string_view k_extend = "extend";
constexpr std::string_view k_refresh = "refresh";
constexpr std::string_view k_validate = "validate";

// Collects permissions, each distinct one once, remembering who needs it and why.
class Needs {
public:
    void add(std::string_view command, std::string_view verb, const k8s::Resource& resource,
             const std::string& ns, std::string_view why, std::string_view subresource = {},
             const std::string& name = {}) {
        entry(command, verb, resource, ns, why, subresource, name);
    }

    // A permission asked in a staging namespace before its RoleBinding exists there.
    void before_binding(std::string_view command, std::string_view verb,
                        const k8s::Resource& resource, const std::string& ns, std::string_view why,
                        const std::string& name = {}) {
        entry(command, verb, resource, ns, why, {}, name).before_binding = true;
    }

    // get, list and watch: what k8s::wait_for sends (a list, then a watch from its version).
    void wait(std::string_view command, const k8s::Resource& resource, const std::string& ns,
              std::string_view why) {
        add(command, "list", resource, ns, why);
        add(command, "watch", resource, ns, why);
    }

    // `refresh` runs snapshot, restore --all and extend's kind of namespace patch: what they need.
    void refresh() {
        for (auto& permission : m_list) {
            const auto& by = permission.needed_by;
            const bool shared = std::any_of(by.begin(), by.end(), [](const std::string& command) {
                return command == k_snapshot || command == k_restore || command == k_extend;
            });
            if (!shared) {
                continue;
            }
            permission.needed_by.emplace_back(k_refresh);
            // The same reasons, for refresh: "restore: scale the workloads" gives "refresh: ...".
            std::vector<std::string> reasons;
            for (const auto& why : permission.why) {
                for (const auto command : {k_snapshot, k_restore, k_extend}) {
                    const auto prefix = fmt::format("{}: ", command);
                    auto reason = fmt::format("{}: {}", k_refresh, why.substr(prefix.size()));
                    if (why.starts_with(prefix) &&
                        std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) {
                        reasons.push_back(std::move(reason));
                    }
                }
            }
            permission.why.insert(permission.why.end(), reasons.begin(), reasons.end());
        }
    }

    std::vector<Permission> take() { return std::move(m_list); }

    // The cluster what is added next is asked in (Side::source until told otherwise).
    void at(Side side) { m_side = side; }
    Side side() const { return m_side; }

private:
    Permission& entry(std::string_view command, std::string_view verb,
                      const k8s::Resource& resource, const std::string& ns, std::string_view why,
                      std::string_view subresource, const std::string& name) {
        const auto key = std::make_tuple(std::string(verb), resource.group, resource.plural,
                                         std::string(subresource), ns, name, m_side);
        auto found = std::find_if(m_list.begin(), m_list.end(), [&key](const Permission& p) {
            return std::tie(p.verb, p.group, p.resource, p.subresource, p.ns, p.name, p.side) ==
                   key;
        });
        if (found == m_list.end()) {
            m_list.push_back(
                {.verb = std::string(verb),
                 .group = resource.group,
                 .resource = resource.plural,
                 .subresource = std::string(subresource),
                 .namespaced = resource.namespaced,
                 .ns = resource.namespaced || resource.plural == "namespaces" ? ns : std::string(),
                 .name = name,
                 .needed_by = {},
                 .why = {},
                 .before_binding = false,
                 .side = m_side});
            found = std::prev(m_list.end());
        }
        const auto note = fmt::format("{}: {}", command, why);
        if (std::find(found->needed_by.begin(), found->needed_by.end(), command) ==
            found->needed_by.end()) {
            found->needed_by.emplace_back(command);
        }
        if (std::find(found->why.begin(), found->why.end(), note) == found->why.end()) {
            found->why.push_back(note);
        }
        return *found;
    }

    std::vector<Permission> m_list;
    Side m_side = Side::source;
};

// staging.cluster: the staging environments are in a cluster of their own.
bool two_clusters(const profile::Profile& profile) {
    return profile.staging.cluster.has_value();
}

// Whether what `needs` adds now is for the source cluster of a profile with staging.cluster,
// which holds no staging namespace: a finder that reads inside the staging namespaces it found
// (staging.role_binding: plan::TeardownTarget::staging_only, exec::CatalogScope) finds none
// there and lists nothing inside one.
bool no_staging_namespaces(const Needs& needs, const profile::Profile& profile) {
    return two_clusters(profile) && needs.side() == Side::source;
}

// Whether what `needs` adds now is for the staging cluster of a profile with staging.cluster,
// which holds no source namespace and no snapshot set.
bool staging_cluster(const Needs& needs, const profile::Profile& profile) {
    return two_clusters(profile) && needs.side() == Side::staging;
}

// The Portworx section of the cluster `needs` adds for (cmd::side_portworx).
const profile::Portworx& portworx_of(const Needs& needs, const profile::Profile& profile) {
    return staging_cluster(needs, profile) ? profile.staging.cluster->portworx : profile.portworx;
}

const k8s::Resource& needed_kind(std::string_view name) {
    return k8s::resource_of(name);
}

// What the method's own requests need at `phase` (MethodRules::access), for `command`.
void method_access(Needs& needs, std::string_view command, const MethodRules& method,
                   AccessPhase phase, const profile::Profile& profile) {
    for (const auto& access : method.access(phase, profile)) {
        needs.add(command, access.verb, needed_kind(access.kind), access.ns, access.why, {},
                  access.name);
    }
}

// The Portworx SDK through the API server's service proxy: services/proxy in the Service's
// namespace, with the verb of the HTTP method (GET get, POST create, PUT update, DELETE delete).
void portworx_proxy(Needs& needs, const profile::Profile& profile, std::string_view command,
                    std::initializer_list<std::string_view> verbs) {
    const auto& endpoint = portworx_of(needs, profile).endpoint;
    if (endpoint.kind != px::Endpoint::Kind::service_proxy) {
        return;
    }
    const auto name = (endpoint.scheme.empty() ? "" : endpoint.scheme + ":") + endpoint.service +
                      ":" + endpoint.port;
    for (const auto verb : verbs) {
        needs.add(command, verb, needed_kind("Service"), endpoint.ns,
                  "the Portworx SDK (service proxy)", "proxy", name);
    }
}

// The token `{secret: NS/NAME, key}`, read by every command that talks to Portworx.
void token_secret(Needs& needs, const profile::Profile& profile, std::string_view command) {
    const auto& token = portworx_of(needs, profile).token;
    if (!token) {
        return;
    }
    if (const auto* secret = std::get_if<profile::KubeSecret>(&*token)) {
        needs.add(command, "get", needed_kind("Secret"), secret->secret_namespace,
                  "read the Portworx token", {}, secret->name);
    }
}

// A list that finds staging objects of `resource`: a namespaced kind inside `staging` ("": every
// namespace), and not at all where `inside_none` (no staging namespace in this cluster); a
// cluster-scoped one at the cluster scope.
void lists_staging(Needs& needs, std::string_view command, const k8s::Resource& resource,
                   const std::string& staging, bool inside_none, std::string_view why) {
    if (!resource.namespaced) {
        needs.add(command, "list", resource, "", why);
    } else if (!inside_none) {
        needs.add(command, "list", resource, staging, why);
    }
}

// exec::find_run_objects and find_target_objects: every kind teardown knows, listed by labels
// (also for snapshot's retention and a failed deploy-staging's account and clean-up); of the
// kinds a method keeps, only the profile's method's (MethodRules::kept_kinds). The namespaced
// kinds of a run without a staging namespace to delete are read across the cluster, or with
// staging.role_binding inside the staging namespace only (plan::TeardownTarget::staging_only;
// namespaces by name, to see whether one a PV's claim names still exists: a list of namespaces),
// and a set's VolumeSnapshots in the source namespace (reads_snapshot_sets asks for those; the
// staging cluster of a profile with staging.cluster has no source namespace and is not asked:
// exec::staging_scope, CatalogScope::holds_sets).
void lists_run_objects(Needs& needs, const profile::Profile& profile, std::string_view command,
                       const MethodRules& method) {
    const auto staging = profile.staging.scoped() ? staging_namespace_of(profile) : std::string();
    const bool inside_none = profile.staging.scoped() && no_staging_namespaces(needs, profile);
    const std::string why = "find the run's objects by their labels";
    for (const auto* name : {"Deployment", "StatefulSet", "Job", "PersistentVolumeClaim",
                             "PersistentVolume", "Namespace"}) {
        lists_staging(needs, command, needed_kind(name), staging, inside_none, why);
    }
    for (const auto& kind : method.kept_kinds()) {
        lists_staging(needs, command, needed_kind(kind), staging, inside_none, why);
    }
}

// exec::execute_teardown for a run in `staging` (and the method's kept kinds of its sets, in
// `source`). The staging namespace is deleted first and takes its workloads, Jobs, PVCs and
// VolumeSnapshots along (the namespace controller deletes them): teardown sends them no DELETE.
//
// A pool's namespace (staging.pool) is never deleted: the run's objects in it are deleted one by
// one and awaited gone, then the namespace is released (read, then a guarded patch).
void deletes_run_objects(Needs& needs, std::string_view command, const profile::Profile& profile,
                         const MethodRules& method) {
    const auto staging = staging_namespace_of(profile);
    const auto& source = profile.source.source_namespace;
    const std::string why = "delete the run's objects";
    needs.add(command, "delete", needed_kind("PersistentVolume"), "", why);
    if (!profile.staging.pool.empty()) {
        for (const auto* name : {"Deployment", "StatefulSet", "Job", "PersistentVolumeClaim"}) {
            needs.add(command, "delete", needed_kind(name), staging, why);
            needs.wait(command, needed_kind(name), staging,
                       "wait until the run's objects are gone");
        }
        for (const auto& kind : method.kept_kinds()) {
            const auto& resource = needed_kind(kind);
            if (resource.namespaced) {
                needs.add(command, "delete", resource, staging, why);
                needs.wait(command, resource, staging, "wait until the run's objects are gone");
            }
        }
        const auto& ns = needed_kind("Namespace");
        needs.add(command, "get", ns, staging, "release the pool namespace", {}, staging);
        needs.add(command, "patch", ns, staging, "release the pool namespace", {}, staging);
    } else {
        needs.add(command, "delete", needed_kind("Namespace"), staging, why, {}, staging);
        needs.add(command, "list", needed_kind("Namespace"), "", "wait until the namespace is gone",
                  {}, staging);
        needs.add(command, "watch", needed_kind("Namespace"), "",
                  "wait until the namespace is gone", {}, staging);
    }
    for (const auto& kind : method.kept_kinds()) {
        const auto& resource = needed_kind(kind);
        if (!resource.namespaced) {
            needs.add(command, "delete", resource, "", why);
        } else if (!staging_cluster(needs, profile)) {
            // A set's, in the source namespace: a staging cluster of its own holds no set.
            needs.add(command, "delete", resource, source, "delete snapshot sets");
        }
    }
}

// exec::Catalog::snapshot_sets: the Portworx snapshots, and what the method keeps of its sets
// (csi: the VolumeSnapshots of the source namespace and their contents; a portworx profile reads
// no CSI kind).
void reads_snapshot_sets(Needs& needs, std::string_view command, const MethodRules& method,
                         const profile::Profile& profile) {
    method_access(needs, command, method, AccessPhase::read_sets, profile);
}

// exec::Catalog::staging_objects: the staging namespaces and PVs by labels (cluster-scoped), then
// the PVCs (and the method's namespaced kinds) inside those namespaces only when
// staging.role_binding grants nothing elsewhere; otherwise one list across the cluster
// (exec::CatalogScope). A `restore --new-pvc -n NS` copy's namespace is one the profile does not
// name: left out.
void staging_reads(Needs& needs, const profile::Profile& profile, std::string_view command,
                   const MethodRules& method) {
    const auto staging = profile.staging.scoped() ? staging_namespace_of(profile) : std::string();
    const bool inside_none = profile.staging.scoped() && no_staging_namespaces(needs, profile);
    const std::string why = "find the staging environments";
    needs.add(command, "list", needed_kind("Namespace"), "", why);
    needs.add(command, "list", needed_kind("PersistentVolume"), "", why);
    lists_staging(needs, command, needed_kind("PersistentVolumeClaim"), staging, inside_none, why);
    for (const auto& kind : method.kept_kinds()) {
        lists_staging(needs, command, needed_kind(kind), staging, inside_none, why);
    }
}

// staging.role_binding: deploy-staging binds ClusterRole staging_role_name() to its own
// ServiceAccount in the namespace it has just made. Until then nothing is granted there: the
// namespace's check and the binding itself need cluster-wide grants (`bind` on that one
// ClusterRole by name: RBAC's escalation check on a RoleBinding).
void binds_staging_role(Needs& needs, const profile::Profile& profile, std::string_view command) {
    if (!profile.staging.role_binding) {
        return;
    }
    const auto staging = staging_namespace_of(profile);
    const auto& binding = needed_kind("RoleBinding");
    const std::string why = "bind the staging role in the staging namespace";
    needs.before_binding(command, "create", binding, staging, why);
    needs.before_binding(command, "bind", needed_kind("ClusterRole"), staging, why,
                         staging_role_name(profile));
    // create_or_adopt's GET after AlreadyExists: the binding is there, so its grant is.
    needs.add(command, "get", binding, staging, why);
}

void snapshot_needs(Needs& needs, const profile::Profile& profile, const MethodRules& method) {
    const auto& source = profile.source.source_namespace;
    const auto& pvc = needed_kind("PersistentVolumeClaim");
    token_secret(needs, profile, k_snapshot);
    portworx_proxy(needs, profile, k_snapshot, {"get", "create", "delete"});
    // discover_snapshot: the PVCs by name or selector, then their PVs.
    needs.add(k_snapshot, source.empty() || !profile.source.pvcs.empty() ? "get" : "list", pvc,
              source, "read the source PVCs");
    needs.add(k_snapshot, "get", needed_kind("PersistentVolume"), "", "resolve the source volumes");
    method_access(needs, k_snapshot, method, AccessPhase::take_snapshots, profile);
    // Retention (snapshot.keep): the sets, the environments using them, their deletion.
    reads_snapshot_sets(needs, k_snapshot, method, profile);
    staging_reads(needs, profile, k_snapshot, method);
    lists_run_objects(needs, profile, k_snapshot, method);
    for (const auto& kind : method.kept_kinds()) {
        const auto& resource = needed_kind(kind);
        needs.add(k_snapshot, "delete", resource, resource.namespaced ? source : std::string(),
                  "delete sets beyond snapshot.keep");
    }
}

void staging_objects(Needs& needs, const profile::Profile& profile, std::string_view command,
                     const std::vector<k8s::Resource>& manifest_resources,
                     const MethodRules& method) {
    const auto staging = staging_namespace_of(profile);
    const auto& pvc = needed_kind("PersistentVolumeClaim");
    const auto& pv = needed_kind("PersistentVolume");
    // describe_set: the source PVCs' classes and access modes, and their PVs' fs type — in one
    // cluster; a staging cluster of its own describes the set from its cloud backups
    // (exec::describe_backup_set) and reads no source object.
    const bool reads_source = !staging_cluster(needs, profile);
    if (reads_source) {
        needs.add(command, "get", pvc, profile.source.source_namespace, "read the source PVCs");
        needs.add(command, "get", pv, "", "read the source volumes");
    }
    // A set of more volumes than that is listed instead (a selector's count is not known here).
    if (reads_source &&
        (profile.source.pvcs.empty() || profile.source.pvcs.size() > k_source_gets_at_most)) {
        needs.add(command, "list", pvc, profile.source.source_namespace,
                  "read the source PVCs (a set of more than 8)");
        needs.add(command, "list", pv, "", "read the source volumes (a set of more than 8)");
    }
    // The volumes: create_or_adopt (a GET after AlreadyExists), then Bound. In a staging cluster
    // of its own each is a Portworx volume restored from a cloud backup, with a static PV,
    // whatever the method (cmd::StagingData::planned).
    if (staging_cluster(needs, profile)) {
        needs.add(command, "create", pv, "", "make the volumes");
        needs.add(command, "get", pv, "", "make the volumes");
    } else {
        method_access(needs, command, method, AccessPhase::make_volumes, profile);
    }
    needs.add(command, "create", pvc, staging, "make the volumes");
    needs.add(command, "get", pvc, staging, "make the volumes");
    needs.wait(command, pvc, staging, "wait until the PVCs are Bound");
    if (method.labels_provisioned_volumes() && !staging_cluster(needs, profile)) {
        needs.add(command, "patch", pv, "", "label the provisioned volumes");
    }
    // The masking Job, and its pod's log when it fails.
    if (profile.staging.mask) {
        // The ConfigMap holds mask.files; without files there is none (plan_staging).
        if (!profile.staging.mask->files.empty()) {
            needs.add(command, "create", needed_kind("ConfigMap"), staging,
                      "run the masking job (its files)");
            needs.add(command, "get", needed_kind("ConfigMap"), staging,
                      "run the masking job (its files)");
        }
        needs.add(command, "create", needed_kind("Job"), staging, "run the masking job");
        needs.add(command, "get", needed_kind("Job"), staging, "run the masking job");
        needs.wait(command, needed_kind("Job"), staging, "wait for the masking job");
        needs.add(command, "list", needed_kind("Pod"), staging, "quote a failed masking job's log");
        needs.add(command, "get", needed_kind("Pod"), staging, "quote a failed masking job's log",
                  "log");
    }
    // The manifests: server-side apply (a patch, and a create when the object is new), then the
    // workloads' readiness.
    for (const auto& resource : manifest_resources) {
        needs.add(command, "patch", resource, staging, "apply the staging manifests");
        needs.add(command, "create", resource, staging, "apply the staging manifests");
        if (resource.kind == "Deployment" || resource.kind == "StatefulSet" ||
            resource.kind == "Job") {
            needs.wait(command, resource, staging, "wait until the workloads are ready");
        }
    }
}

void deploy_needs(Needs& needs, const profile::Profile& profile,
                  const std::vector<k8s::Resource>& manifest_resources, const MethodRules& method) {
    const auto staging = staging_namespace_of(profile);
    const auto& ns = needed_kind("Namespace");
    token_secret(needs, profile, k_deploy);
    // A volume the CSI driver provisioned, or one restored from a cloud backup (a staging
    // cluster of its own: exec::make_cloud_restore_runner), gets its labels afterwards (an
    // update).
    portworx_proxy(
        needs, profile, k_deploy,
        method.labels_provisioned_volumes() || staging_cluster(needs, profile)
            ? std::initializer_list<std::string_view>{"get", "create", "update", "delete"}
            : std::initializer_list<std::string_view>{"get", "create", "delete"});
    // A staging cluster of its own finds the set by its cloud backups (Portworx only).
    if (!staging_cluster(needs, profile)) {
        reads_snapshot_sets(needs, k_deploy, method, profile);
    }
    if (!profile.staging.pool.empty()) {
        // exec::claim_pool_namespace: one list by the pool label, then a guarded patch of the
        // namespace claimed, granted there by the staging role the admin bound; then the
        // runner's check that it is still the run's. No namespace is created, nothing is bound.
        needs.add(k_deploy, "list", ns, "", "find a free namespace of the pool");
        needs.add(k_deploy, "patch", ns, staging, "claim a namespace of the pool", {}, staging);
        needs.add(k_deploy, "get", ns, staging, "claim a namespace of the pool", {}, staging);
    } else if (profile.staging.role_binding) {
        needs.before_binding(k_deploy, "get", ns, staging, "create the staging namespace", staging);
    } else {
        needs.add(k_deploy, "get", ns, staging, "create the staging namespace", {}, staging);
    }
    if (profile.staging.pool.empty()) {
        needs.add(k_deploy, "create", ns, "", "create the staging namespace");
    }
    binds_staging_role(needs, profile, k_deploy);
    staging_objects(needs, profile, k_deploy, manifest_resources, method);
    needs.add(k_deploy, "patch", ns, staging, "mark the environment ready", {}, staging);
    // A failed deployment removes what it made.
    lists_run_objects(needs, profile, k_deploy, method);
    deletes_run_objects(needs, k_deploy, profile, method);
}

void restore_needs(Needs& needs, const profile::Profile& profile,
                   const std::vector<k8s::Resource>& manifest_resources,
                   const MethodRules& method) {
    const auto staging = staging_namespace_of(profile);
    const auto& pvc = needed_kind("PersistentVolumeClaim");
    const auto& pv = needed_kind("PersistentVolume");
    token_secret(needs, profile, k_restore);
    // A volume the CSI driver provisioned, or one restored from a cloud backup (a staging
    // cluster of its own: exec::make_cloud_restore_runner), gets its labels afterwards (an
    // update).
    portworx_proxy(
        needs, profile, k_restore,
        method.labels_provisioned_volumes() || staging_cluster(needs, profile)
            ? std::initializer_list<std::string_view>{"get", "create", "update", "delete"}
            : std::initializer_list<std::string_view>{"get", "create", "delete"});
    if (!staging_cluster(needs, profile)) {
        reads_snapshot_sets(needs, k_restore, method, profile);
    }
    needs.add(k_restore, "get", needed_kind("Namespace"), staging, "find the environment", {},
              staging);
    needs.add(k_restore, "list", pvc, staging, "find the staging PVCs");
    needs.add(k_restore, "get", pvc, staging, "find the staging PVCs");
    needs.add(k_restore, "list", pv, "", "find the staging volumes");
    needs.add(k_restore, "get", pv, "", "find the staging volumes");
    // The workloads mounting the PVCs: recorded, scaled to zero and back, waited for.
    for (const auto* name : {"Deployment", "StatefulSet"}) {
        const auto& workload = needed_kind(name);
        needs.add(k_restore, "list", workload, staging, "find the workloads mounting the PVCs");
        needs.add(k_restore, "patch", workload, staging, "record the replica counts");
        needs.add(k_restore, "patch", workload, staging, "scale the workloads", "scale");
        needs.wait(k_restore, workload, staging, "wait until the workloads are ready");
    }
    needs.wait(k_restore, needed_kind("Pod"), staging, "wait until the pods are gone");
    // A PVC made again from a snapshot (another set, or csi): the old one goes first.
    needs.add(k_restore, "delete", pvc, staging, "replace the PVCs");
    needs.wait(k_restore, pvc, staging, "replace the PVCs");
    needs.add(k_restore, "delete", pv, "", "replace the PVCs");
    needs.wait(k_restore, pv, "", "wait until a replaced PV is gone before its volume");
    needs.add(k_restore, "patch", pv, "", "replace the PVCs");
    if (!staging_cluster(needs, profile)) {
        method_access(needs, k_restore, method, AccessPhase::swap_volumes, profile);
    }
    staging_objects(needs, profile, k_restore, manifest_resources, method);
    if (profile.staging.mask) {
        // The last masking's Job is Complete: it is deleted and made again, and awaited gone.
        needs.add(k_restore, "delete", needed_kind("Job"), staging, "run the masking job again");
    }
    needs.add(k_restore, "patch", needed_kind("Namespace"), staging, "record the restore", {},
              staging);
}

// `teardown` (the environments: on the staging side). A staging cluster of its own reads no set
// there: teardown --snapshots finds and deletes the sets in the source cluster
// (teardown_sets_needs).
void teardown_needs(Needs& needs, const profile::Profile& profile, const MethodRules& method) {
    token_secret(needs, profile, k_teardown);
    portworx_proxy(needs, profile, k_teardown, {"get", "create", "delete"});
    if (!staging_cluster(needs, profile)) {
        reads_snapshot_sets(needs, k_teardown, method, profile);
    }
    staging_reads(needs, profile, k_teardown, method);
    lists_run_objects(needs, profile, k_teardown, method);
    deletes_run_objects(needs, k_teardown, profile, method);
}

// `teardown --snapshots` of a profile with staging.cluster, in the source cluster
// (commands/teardown.cpp: the sets' Catalog, then teardown_cluster on the source session): the
// sets (Portworx snapshots, what the method keeps of them), the objects labelled for them
// (exec::find_target_objects), their deletion, and the cloud backups (exec::find_set_backups,
// delete_set_backups: the credential's GET, an enumerate POST, DELETEs through the SDK).
void teardown_sets_needs(Needs& needs, const profile::Profile& profile, const MethodRules& method) {
    token_secret(needs, profile, k_teardown);
    portworx_proxy(needs, profile, k_teardown, {"get", "create", "delete"});
    reads_snapshot_sets(needs, k_teardown, method, profile);
    lists_run_objects(needs, profile, k_teardown, method);
    for (const auto& kind : method.kept_kinds()) {
        const auto& resource = needed_kind(kind);
        needs.add(k_teardown, "delete", resource,
                  resource.namespaced ? profile.source.source_namespace : std::string(),
                  "delete snapshot sets");
    }
}

// `list`: exec::Catalog's sets and staging objects; the Portworx volumes by labels
// (inspectwithfilters, a POST).
void list_needs(Needs& needs, const profile::Profile& profile, const MethodRules& method) {
    if (!two_clusters(profile)) {
        token_secret(needs, profile, k_list);
        portworx_proxy(needs, profile, k_list, {"create"});
        reads_snapshot_sets(needs, k_list, method, profile);
        staging_reads(needs, profile, k_list, method);
        return;
    }
    // Two clusters: the sets (and their cloud backups' state: the transfer credential's GET)
    // in the source cluster, the environments in the staging cluster.
    needs.at(Side::source);
    token_secret(needs, profile, k_list);
    portworx_proxy(needs, profile, k_list, {"get", "create"});
    reads_snapshot_sets(needs, k_list, method, profile);
    needs.at(Side::staging);
    token_secret(needs, profile, k_list);
    portworx_proxy(needs, profile, k_list, {"create"});
    staging_reads(needs, profile, k_list, method);
}

// `extend`: discover::staging_namespaces (one list by labels), then the merge patch of the
// staging namespace's expires-at (exec::NamespaceRunner).
void extend_needs(Needs& needs, const profile::Profile& profile) {
    const auto staging = staging_namespace_of(profile);
    needs.add(k_extend, "list", needed_kind("Namespace"), "", "find the staging namespace");
    needs.add(k_extend, "patch", needed_kind("Namespace"), staging, "move the expiry", {}, staging);
}

// `validate --online`'s reads (src/commands/preflight.cpp). Its access reviews are left out: the
// default ClusterRole system:basic-user lets every authenticated user create them.
void validate_needs(Needs& needs, const profile::Profile& profile, const MethodRules& method) {
    const auto& source = profile.source.source_namespace;
    needs.at(Side::source);
    token_secret(needs, profile, k_validate);
    // check_endpoint (GET identities/version) and the profile's snapshots (a filter POST).
    portworx_proxy(needs, profile, k_validate, {"get", "create"});
    needs.add(k_validate, profile.source.pvcs.empty() ? "list" : "get",
              needed_kind("PersistentVolumeClaim"), source, "check the source PVCs");
    needs.add(k_validate, "get", needed_kind("PersistentVolume"), "", "check the source volumes");
    if (two_clusters(profile)) {
        // The staging checks on the staging cluster's session: its Portworx, the storage class
        // the profile names (the source volumes' are not there), the staging namespace.
        method_access(needs, k_validate, method, AccessPhase::validate, profile);
        needs.at(Side::staging);
        token_secret(needs, profile, k_validate);
        portworx_proxy(needs, profile, k_validate, {"get", "create"});
        if (!profile.staging.storage_class.empty()) {
            needs.add(k_validate, "get", needed_kind("StorageClass"), "", "check the storage class",
                      {}, profile.staging.storage_class);
        }
    } else if (!profile.staging.storage_class.empty()) {
        needs.add(k_validate, "get", needed_kind("StorageClass"), "", "check the storage class", {},
                  profile.staging.storage_class);
    } else if (method.staging_class_from_source()) {
        needs.add(k_validate, "get", needed_kind("StorageClass"), "",
                  "check the source volumes' storage classes");
    }
    if (!two_clusters(profile)) {
        method_access(needs, k_validate, method, AccessPhase::validate, profile);
    }
    const auto staging = staging_namespace_of(profile);
    if (!profile.staging.pool.empty()) {
        needs.add(k_validate, "list", needed_kind("Namespace"), "",
                  "check that the pool has a free namespace");
    } else if (profile.staging.role_binding) {
        needs.before_binding(k_validate, "get", needed_kind("Namespace"), staging,
                             "check that the staging namespace is free", staging);
    } else {
        needs.add(k_validate, "get", needed_kind("Namespace"), staging,
                  "check that the staging namespace is free", {}, staging);
    }
}

} // namespace

std::string staging_namespace_of(const profile::Profile& profile) {
    return profile.staging.pool.empty() ? profile.staging.staging_namespace
                                        : "<pool " + profile.staging.pool + ">";
}

std::string staging_role_name(const profile::Profile& profile) {
    return "pxclone-" + profile.name + "-staging";
}

std::string Permission::describe() const {
    auto what = group.empty() ? resource : resource + "." + group;
    if (!subresource.empty()) {
        what += "/" + subresource;
    }
    if (!name.empty()) {
        what += fmt::format(" \"{}\"", name);
    }
    if (!namespaced && resource != "namespaces") {
        return fmt::format("{} {} at the cluster scope", verb, what);
    }
    if (ns.empty()) {
        return fmt::format("{} {} {}", verb, what,
                           namespaced ? "in all namespaces" : "at the cluster scope");
    }
    return fmt::format("{} {} in namespace {}", verb, what, ns);
}

std::vector<Permission> needed_permissions(const MethodRules& method,
                                           const profile::Profile& profile,
                                           const std::vector<k8s::Resource>& manifest_resources) {
    // The staging environments' side: the staging cluster, or the one cluster.
    const auto staging = two_clusters(profile) ? Side::staging : Side::source;
    Needs needs;
    snapshot_needs(needs, profile, method);
    needs.at(staging);
    deploy_needs(needs, profile, manifest_resources, method);
    restore_needs(needs, profile, manifest_resources, method);
    teardown_needs(needs, profile, method);
    if (two_clusters(profile)) {
        needs.at(Side::source);
        teardown_sets_needs(needs, profile, method);
    }
    list_needs(needs, profile, method);
    needs.at(staging);
    extend_needs(needs, profile);
    needs.refresh();
    validate_needs(needs, profile, method);
    return needs.take();
}

std::vector<Permission> on_side(const std::vector<Permission>& needed, Side side) {
    std::vector<Permission> kept;
    std::copy_if(needed.begin(), needed.end(), std::back_inserter(kept),
                 [side](const Permission& permission) { return permission.side == side; });
    return kept;
}

std::string_view side_name(Side side) {
    return side == Side::staging ? "staging" : "source";
}

} // namespace pxclone::plan
