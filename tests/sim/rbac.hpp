// pxsim's RBAC authorizer, for the identities of ServiceAccount tokens (--service-account-token):
// the Roles, ClusterRoles, RoleBindings and ClusterRoleBindings stored through pxsim's own API
// decide, as kube-apiserver's RBAC authorizer does (plugin/pkg/auth/authorizer/rbac): a
// ClusterRoleBinding grants its ClusterRole everywhere, a RoleBinding its Role or ClusterRole in
// its namespace; rules match apiGroups, resources ("deployments/scale", "*/scale", "*"), verbs,
// resourceNames (only for a request that names its object) with `*` wildcards. What the default
// bootstrap policy gives every authenticated user is allowed too: discovery and other
// non-resource paths (system:discovery), self subject access and rules reviews
// (system:basic-user).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "authz.hpp"

namespace pxsim {

class Store;

struct ServiceAccountIdentity {
    std::string ns;
    std::string name;
    // "system:serviceaccount:NS:NAME"
    std::string user() const;
    // system:serviceaccounts, system:serviceaccounts:NS, system:authenticated
    std::vector<std::string> groups() const;
};

// Parses "NS/NAME"; throws std::invalid_argument naming the text.
ServiceAccountIdentity parse_service_account(const std::string& text);

struct RbacDecision {
    bool allowed = false;
    // "RBAC: allowed by ClusterRoleBinding \"b\" of ClusterRole \"r\" to ServiceAccount
    // \"name/ns\"" when allowed; "" when denied (RBAC has no opinion).
    std::string reason;
};

// Whether one PolicyRule (JSON, as stored) allows a resource request.
bool rbac_rule_allows(const nlohmann::json& rule, const RequestAttributes& attributes);

// The decision for `who` on `attributes` from the RBAC objects in `store`.
RbacDecision rbac_decide(Store& store, const ServiceAccountIdentity& who,
                         const RequestAttributes& attributes);

// RBAC's escalation check on writing a RoleBinding (kube-apiserver's rolebinding policybased
// storage): allowed when `who` may `bind` the role it refers to (roles or clusterroles, by name,
// in the binding's namespace `ns`), or already holds there every permission that role grants.
// nullopt when allowed, else the reason of the 403 ("user \"...\" (groups=[...]) is attempting
// to grant RBAC permissions not currently held:\n{APIGroups:[...], ...}"). A role that does not
// exist grants nothing: allowed.
std::optional<std::string> rbac_binding_escalation(Store& store, const ServiceAccountIdentity& who,
                                                   const nlohmann::json& binding,
                                                   const std::string& ns);

} // namespace pxsim
