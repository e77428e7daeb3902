// The least-privilege RBAC of a profile (`pxclone rbac`): the permissions the commands need
// (plan::needed_permissions, the same list `validate --online` asks about) folded into RBAC
// Roles and ClusterRoles, so that a request a command starts to send cannot be forgotten here.
// Pure: no cluster is contacted.
#pragma once

#include "pxclone/plan/permissions.hpp"
#include "pxclone/profile/profile.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pxclone::plan {

// One PolicyRule: one resource (with its subresource, "statefulsets/scale") of one API group.
struct RbacRule {
    std::string group;
    std::string resource;
    std::vector<std::string> verbs; // get list watch create update patch delete, in that order
    std::vector<std::string> names; // resourceNames; empty: any object
    std::vector<std::string> why;   // "snapshot: read the source PVCs", once each
};

// A Role bound by a RoleBinding in `ns`, or a ClusterRole bound by a ClusterRoleBinding.
struct RbacRole {
    std::string name;
    bool cluster = false;
    std::string ns;                    // the Role's namespace; "" for a ClusterRole
    std::vector<std::string> comments; // why the role exists and what it covers, for the reader
    std::vector<RbacRule> rules;
    // Whether the printed stream binds it (RoleBinding/ClusterRoleBinding); false for the staging
    // ClusterRole with staging.role_binding: deploy-staging binds it in each staging namespace.
    bool bound = true;
};

struct RbacOptions {
    std::string service_account_namespace = "pxclone";
    std::string service_account_name = "pxclone";
    std::vector<std::string> commands; // of rbac_commands(); empty: all of them
    // Whether staging.namespace names one namespace for every run (no ${run.id}): only then can
    // the rules on the Namespace object itself name it.
    bool staging_name_fixed = false;
    // A profile with staging.cluster: the cluster these roles are for (`needed` then holds that
    // side's permissions only: on_side). The comments speak of that cluster; the staging
    // cluster's name no production namespace. Empty: the one cluster.
    std::optional<Side> cluster;
    std::string context; // that cluster's kubeconfig context, for the reader ("" unknown)
};

// `pxclone rbac --admission-policy`: a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1)
// that narrows what RBAC cannot: the ServiceAccount may update or delete only objects carrying
// pxclone's managed-by label, and create RoleBindings only in its staging namespaces.
struct AdmissionRule {
    std::string group;
    std::vector<std::string> resources;  // with "/subresource"
    std::vector<std::string> operations; // CREATE UPDATE DELETE (a PATCH is an UPDATE)
};

struct AdmissionValidation {
    std::string expression; // CEL
    std::string message;
};

struct AdmissionPolicy {
    std::string name;     // of the policy and its binding: "pxclone-<profile>"
    std::string username; // "system:serviceaccount:NS:NAME", the one matchCondition
    std::vector<AdmissionRule> rules;
    std::vector<AdmissionValidation> validations;
    std::vector<std::string> comments;
};

struct RbacPolicy {
    std::string staging_namespace; // the profile's, for rbac_allows of an unbound staging role
    std::string service_account_namespace;
    std::string service_account_name;
    std::vector<std::string> commands;
    std::vector<RbacRole> roles;       // the source namespace's Role first, then other Roles,
                                       // then the ClusterRoles; none is empty
    std::vector<std::string> comments; // for the whole stream
    std::optional<AdmissionPolicy> admission; // printed after the RBAC objects when set
    std::optional<Side> cluster; // RbacOptions::cluster: then every object is labelled with it
    std::string context;         // RbacOptions::context
};

// "snapshot", "deploy-staging", "restore", "teardown", "list", "validate".
const std::vector<std::string>& rbac_commands();

// The roles granting `needed` (needed_permissions of `profile`) for options.commands:
// - permissions in the source namespace → Role "pxclone-<profile>-source" there, read-only but for
//   the VolumeSnapshots method csi makes; in another named namespace (the Portworx service
//   proxy, a token Secret) → a Role there, by name where the permission names its object;
// - cluster-scoped kinds and reads across every namespace → ClusterRole "pxclone-<profile>";
// - what the commands do inside the staging namespaces → ClusterRole "pxclone-<profile>-staging",
//   bound cluster-wide; or, with staging.role_binding, not bound at all: deploy-staging binds it
//   in each staging namespace it makes, and the cluster ClusterRole gets what that takes
//   (Permission::before_binding: create rolebindings, bind on that ClusterRole by name).
// A permission that another rule already grants (the same verb on the same resource everywhere,
// or on any object) is not repeated: every printed verb is needed by some request.
// Throws UsageError for an unknown command.
RbacPolicy plan_rbac(const profile::Profile& profile, const std::vector<Permission>& needed,
                     const RbacOptions& options);

// The admission policy of `policy` (plan_rbac's, for `profile`): its resource rules are exactly
// the resources `policy`'s rules write (create, update, patch, delete), as the admission
// operations those verbs are, but for the service proxy (a CONNECT, which carries no object) and
// `bind` (an authorization check, no request of its own). Pure.
AdmissionPolicy plan_admission_policy(const profile::Profile& profile, const RbacPolicy& policy);

// A profile with staging.cluster (options.cluster and options.context are set here): one policy
// per cluster, the source cluster's first, each planned from that side's permissions alone, so
// that no rule of the staging cluster's roles names the source namespace and the source
// cluster's roles grant nothing for the staging environments. A cluster that the chosen commands
// need nothing of is left out.
std::vector<RbacPolicy> plan_rbac_per_cluster(const profile::Profile& profile,
                                              const std::vector<Permission>& needed,
                                              const RbacOptions& options);

// Whether `policy` lets its ServiceAccount do `permission`, by RBAC's rules (a ClusterRole
// everywhere, a Role in its namespace; resourceNames only when the permission names its object;
// an unbound staging role only in the staging namespace, once bound there).
bool rbac_allows(const RbacPolicy& policy, const Permission& permission);

// Whether a verb changes what it is applied to (create, update, patch, delete, deletecollection).
bool is_write_verb(const std::string& verb);

} // namespace pxclone::plan
