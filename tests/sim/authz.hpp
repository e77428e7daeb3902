// pxsim's authorization: the authenticated user may do everything except what deny rules take
// away, so a test can remove one permission at a time (`--deny`, `PUT /_sim/deny`); the bearer
// tokens of ServiceAccounts (--service-account-token) get what the RBAC objects stored in pxsim
// grant them instead (rbac.hpp). Requests are
// mapped to RBAC attributes as kube-apiserver's RequestInfoFactory does, and a denial is answered
// with the real server's 403 Status (its message formats: reference/k8s-rest.txt, API.md §2).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim_http.hpp"

namespace pxsim {

class Store;

// One removed permission: `VERB:RESOURCE[.GROUP][/SUBRESOURCE][@NAMESPACE]`, e.g.
// `delete:persistentvolumes`, `patch:statefulsets.apps/scale@orders-stg-1`. `*` matches any verb,
// resource (of any group) or subresource. Without `/SUBRESOURCE` the rule covers the resource
// itself only (RBAC names `statefulsets/scale` separately); without `@NAMESPACE` it covers every
// namespace and the cluster scope. A Namespace object's own namespace is its name, as in RBAC.
struct DenyRule {
    std::string verb;
    std::string resource;
    std::string group;
    std::string subresource;
    std::optional<std::string> ns;
    std::string text; // as given, for GET /_sim/deny
};

// Throws std::invalid_argument naming the rule and what is wrong with it.
DenyRule parse_deny_rule(const std::string& text);

// What RBAC decides on. `resource_request` is false for discovery, /version, /openapi...
struct RequestAttributes {
    bool resource_request = false;
    std::string verb; // get list watch create update patch delete deletecollection
    std::string group;
    std::string resource;
    std::string subresource;
    std::string ns;
    std::string name;
    std::string path;
};

// The attributes of one Kubernetes API request (path without the query), as kube-apiserver derives
// them: verb from the method and whether a name is given (GET → list/watch, DELETE →
// deletecollection), `fieldSelector=metadata.name=X` naming the object, and
// `/api/v1/namespaces/NAME` being in namespace NAME.
RequestAttributes request_attributes(const SimRequest& request);

class Authorizer {
public:
    explicit Authorizer(std::string user, std::vector<DenyRule> rules = {});

    // Tokens that authenticate as ServiceAccounts ("NS/NAME"), authorized by the RBAC objects in
    // `store` rather than by deny rules. Call before serving; throws std::invalid_argument for a
    // malformed account.
    void use_service_accounts(Store& store, std::map<std::string, std::string> tokens);
    bool knows_token(const std::string& token) const;
    // The ServiceAccount user ("system:serviceaccount:NS:NAME") of the request's bearer token,
    // or nullopt when it is no ServiceAccount's.
    std::optional<std::string> service_account_user(const SimRequest& request) const;

    // The 403 Status for a Kubernetes request this requester may not make; nullopt when allowed.
    // A ServiceAccount's server-side apply of an object that does not exist yet needs `create`
    // too, denied with RBAC's empty reason as kube-apiserver does.
    std::optional<nlohmann::json> deny(const SimRequest& request,
                                       const RequestAttributes& attributes) const;

    // Replaces every rule (thread-safe).
    void set_rules(std::vector<DenyRule> rules);
    std::vector<DenyRule> rules() const;
    // False when a deny rule matches; non-resource requests are always allowed.
    bool allowed(const RequestAttributes& attributes) const;
    const std::string& user() const { return m_user; }

    // The 403 Status the authorization filter answers for a denied request.
    nlohmann::json forbidden(const RequestAttributes& attributes) const;
    nlohmann::json forbidden(const RequestAttributes& attributes, const std::string& user) const;

    // Server-side apply that would create: kube-apiserver checks `create` inside the patch handler
    // and, on a denial, answers a 403 whose message carries RBAC's reason, which is empty
    // (`services "mongo" is forbidden: `). nullopt when `create` is allowed.
    std::optional<nlohmann::json> deny_create_on_apply(const std::string& group,
                                                       const std::string& resource,
                                                       const std::string& ns,
                                                       const std::string& name) const;

    // POST .../selfsubjectaccessreviews: the reply (201, the request echoed with metadata and
    // status.allowed/reason filled; 400/422 for a malformed review), for the requester: a
    // ServiceAccount's by RBAC, anyone else's by the deny rules.
    SimReply access_review(const SimRequest& request) const;

private:
    const std::string m_user;
    mutable std::mutex m_mutex;
    std::vector<DenyRule> m_rules;
    Store* m_store = nullptr;
    std::map<std::string, std::string> m_service_accounts; // token -> "NS/NAME"
};

} // namespace pxsim
