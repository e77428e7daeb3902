// What pxclone's Kubernetes user must be allowed for a profile: one entry per verb, resource and
// namespace that `snapshot`, `deploy-staging`, `restore`, `teardown`, `list`, `extend`,
// `refresh` (what snapshot, restore and extend need) and `validate --online` request for it, as
// `validate --online` asks the API server about them (SelfSubjectAccessReview) and `pxclone
// rbac` prints them as RBAC rules. Pure: derived
// from the profile and the manifests' resources, kept in step with what src/commands and
// src/exec send (the unit test names each request it stands for).
#pragma once

#include "pxclone/k8s/resource.hpp"
#include "pxclone/plan/method_rules.hpp"
#include "pxclone/profile/profile.hpp"

#include <string>
#include <vector>

namespace pxclone::plan {

// The cluster a permission is needed in. A profile with staging.cluster names two: the source
// cluster (production, its snapshots and their cloud backups: snapshot, teardown --snapshots,
// list's sets, validate's source checks) and the staging cluster (the staging environments:
// deploy-staging, restore, teardown, extend, list's environments). Without staging.cluster
// every permission is the source cluster's: there is one.
enum class Side { source, staging };

// "source", "staging".
std::string_view side_name(Side side);

struct Permission {
    std::string verb; // get list watch create update patch delete
    std::string group;
    std::string resource;
    std::string subresource;
    bool namespaced = true;             // of the resource
    std::string ns;                     // "" = every namespace (namespaced) or the cluster scope
    std::string name;                   // "" = any object
    std::vector<std::string> needed_by; // the commands, in the order above
    std::vector<std::string> why;       // what each command does with it, once each
    // Asked in a staging namespace before its RoleBinding (staging.role_binding) exists there:
    // only a cluster-wide grant can allow it (checking and creating the namespace, the binding).
    bool before_binding = false;
    Side side = Side::source; // the cluster it is asked in (part of what makes it distinct)

    // "delete persistentvolumes at the cluster scope", "patch statefulsets.apps/scale in
    // namespace orders-stg-1", "list deployments.apps in all namespaces".
    std::string describe() const;
};

// "pxclone-<profile>-staging": the ClusterRole of what the commands do inside a staging
// namespace, which deploy-staging binds there when staging.role_binding is set.
std::string staging_role_name(const profile::Profile& profile);

// The namespace permissions inside a staging namespace are given for: staging.namespace, or with
// staging.pool the stand-in "<pool NAME>" (a run's namespace is claimed from the pool: the admin
// binds the staging ClusterRole in each). Not a namespace name: `pxclone rbac` puts those
// permissions in the staging ClusterRole and `validate --online` does not ask about them.
std::string staging_namespace_of(const profile::Profile& profile);

// The permissions the eight commands need for `profile`, each on its side: with staging.cluster,
// what a command sends to each cluster only (deploy-staging, restore and teardown --run ask the
// source cluster nothing; snapshot asks the staging cluster nothing) (its staging namespace already
// substituted for this run), `manifest_resources` being what its staging manifests are applied
// as. Each distinct verb/resource/subresource/namespace/name once, in first-needed order.
// Leaves out what only `restore --new-pvc -n NS` needs in a namespace the profile does not name,
// and best-effort reads (events for messages). `method` is the profile's
// (method::of(profile.snapshot.method)): the CSI snapshot kinds are needed only when it keeps them.
std::vector<Permission> needed_permissions(const MethodRules& method,
                                           const profile::Profile& profile,
                                           const std::vector<k8s::Resource>& manifest_resources);

// The permissions of `needed` asked in the cluster of `side`.
std::vector<Permission> on_side(const std::vector<Permission>& needed, Side side);

} // namespace pxclone::plan
