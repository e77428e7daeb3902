// The least-privilege RBAC of a profile (`pxclone rbac`): the permissions the commands need
// (plan::needed_permissions, the same list `validate --online` asks about) folded into RBAC
// Roles and ClusterRoles, so that a request a command starts to send cannot be forgotten here.
// Pure: no cluster is contacted.
#pragma once

#include "pxclone/plan/permissions.hpp"
#include "pxclone/profile/profile.hpp"

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
};

struct RbacPolicy {
    std::string staging_namespace; // the profile's, for rbac_allows of an unbound staging role
    std::string service_account_namespace;
    std::string service_account_name;
    std::vector<std::string> commands;
    std::vector<RbacRole> roles;       // the source namespace's Role first, then other Roles,
                                       // then the ClusterRoles; none is empty
    std::vector<std::string> comments; // for the whole stream
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

// Whether `policy` lets its ServiceAccount do `permission`, by RBAC's rules (a ClusterRole
// everywhere, a Role in its namespace; resourceNames only when the permission names its object;
// an unbound staging role only in the staging namespace, once bound there).
bool rbac_allows(const RbacPolicy& policy, const Permission& permission);

// Whether a verb changes what it is applied to (create, update, patch, delete, deletecollection).
bool is_write_verb(const std::string& verb);

} // namespace pxclone::plan
