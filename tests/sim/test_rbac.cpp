#include <stdexcept>

#include <doctest/doctest.h>

#include "rbac.hpp"
#include "sim_test_support.hpp"

using pxsim::Json;

namespace {

const std::string k_admin = "admin-token";
const std::string k_sa = "sa-token";
const std::string k_sa_user = "system:serviceaccount:ci:pxclone";

// pxsim with an admin token and one ServiceAccount token (ci/pxclone), no controllers.
struct Sim {
    pxsim::Server server;
    Sim() : server(options()) {}
    static pxsim::ServerOptions options() {
        pxsim::ServerOptions options;
        options.controllers = false;
        options.token = k_admin;
        options.service_account_tokens = {{k_sa, "ci/pxclone"}};
        return options;
    }
    Json call(const std::string& token, const std::string& method, const std::string& path,
              const Json& body = nullptr, int* status = nullptr,
              const std::string& content_type = "application/json",
              std::multimap<std::string, std::string> query = {}) {
        pxsim::SimRequest request;
        request.method = method;
        request.path = path;
        request.query = std::move(query);
        request.headers["authorization"] = "Bearer " + token;
        if (!body.is_null()) {
            request.body = body.is_string() ? body.get<std::string>() : body.dump();
            request.headers["content-type"] = content_type;
        }
        const auto reply = server.dispatch(request);
        if (status != nullptr) {
            *status = reply.status;
        }
        try {
            return Json::parse(reply.body);
        } catch (const Json::parse_error&) {
            return reply.body;
        }
    }
    int status_of(const std::string& token, const std::string& method, const std::string& path,
                  const Json& body = nullptr, const std::string& content_type = "application/json",
                  std::multimap<std::string, std::string> query = {}) {
        int status = 0;
        call(token, method, path, body, &status, content_type, std::move(query));
        return status;
    }
    // Applies an object as the admin (POST to its collection); it must be created.
    void admin_create(const std::string& collection, const Json& object) {
        int status = 0;
        const auto reply = call(k_admin, "POST", collection, object, &status);
        INFO(reply.dump());
        REQUIRE(status == 201);
    }
    bool can_i(const Json& attributes) {
        int status = 0;
        const auto reply =
            call(k_sa, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                 Json{{"apiVersion", "authorization.k8s.io/v1"},
                      {"kind", "SelfSubjectAccessReview"},
                      {"spec", {{"resourceAttributes", attributes}}}},
                 &status);
        REQUIRE(status == 201);
        return reply["status"]["allowed"].get<bool>();
    }
};

Json rbac(const std::string& kind, const std::string& name, const std::string& ns = "") {
    Json metadata = {{"name", name}};
    if (!ns.empty()) {
        metadata["namespace"] = ns;
    }
    return {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", kind}, {"metadata", metadata}};
}

Json binding(const std::string& kind, const std::string& name, const std::string& ns,
             const std::string& role_kind, const std::string& role) {
    auto object = rbac(kind, name, ns);
    object["roleRef"] = {
        {"apiGroup", "rbac.authorization.k8s.io"}, {"kind", role_kind}, {"name", role}};
    object["subjects"] =
        Json::array({{{"kind", "ServiceAccount"}, {"name", "pxclone"}, {"namespace", "ci"}}});
    return object;
}

Json ns_object(const std::string& name) {
    return {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
}

const std::string k_rbac = "/apis/rbac.authorization.k8s.io/v1";

} // namespace

TEST_CASE("RBAC rules match as kube-apiserver's: groups, resources, subresources, names, *") {
    pxsim::RequestAttributes scale;
    scale.resource_request = true;
    scale.verb = "patch";
    scale.group = "apps";
    scale.resource = "statefulsets";
    scale.subresource = "scale";
    scale.ns = "stg";
    scale.name = "mongo";
    const auto rule = [](Json groups, Json resources, Json verbs, Json names = Json::array()) {
        Json r = {{"apiGroups", groups}, {"resources", resources}, {"verbs", verbs}};
        if (!names.empty()) {
            r["resourceNames"] = names;
        }
        return r;
    };
    CHECK(pxsim::rbac_rule_allows(rule({"apps"}, {"statefulsets/scale"}, {"patch"}), scale));
    CHECK(pxsim::rbac_rule_allows(rule({"*"}, {"*/scale"}, {"*"}), scale));
    CHECK(pxsim::rbac_rule_allows(rule({"apps"}, {"*"}, {"patch"}), scale));
    CHECK(pxsim::rbac_rule_allows(rule({"apps"}, {"statefulsets/scale"}, {"patch"}, {"mongo"}),
                                  scale));
    // The resource is not its subresource, nor the other way round.
    CHECK_FALSE(pxsim::rbac_rule_allows(rule({"apps"}, {"statefulsets"}, {"patch"}), scale));
    CHECK_FALSE(pxsim::rbac_rule_allows(rule({""}, {"statefulsets/scale"}, {"patch"}), scale));
    CHECK_FALSE(pxsim::rbac_rule_allows(rule({"apps"}, {"statefulsets/scale"}, {"get"}), scale));
    CHECK_FALSE(pxsim::rbac_rule_allows(
        rule({"apps"}, {"statefulsets/scale"}, {"patch"}, {"other"}), scale));
    // resourceNames never match a request without a name (a create, a list of everything).
    auto create = scale;
    create.verb = "create";
    create.subresource.clear();
    create.name.clear();
    CHECK_FALSE(
        pxsim::rbac_rule_allows(rule({"apps"}, {"statefulsets"}, {"create"}, {"mongo"}), create));
    CHECK(pxsim::rbac_rule_allows(rule({"apps"}, {"statefulsets"}, {"create"}), create));

    CHECK(pxsim::parse_service_account("ci/pxclone").user() == k_sa_user);
    for (const char* bad : {"ci", "/x", "ci/", "a/b/c"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(pxsim::parse_service_account(bad), std::invalid_argument);
    }
}

TEST_CASE("a ServiceAccount token may do what the bindings applied to pxsim grant, no more") {
    Sim sim;
    // The admin is unrestricted; the ServiceAccount has nothing yet: the real 403.
    sim.admin_create("/api/v1/namespaces", ns_object("ci"));
    sim.admin_create("/api/v1/namespaces", ns_object("stg"));
    int status = 0;
    auto reply =
        sim.call(k_sa, "GET", "/api/v1/namespaces/stg/persistentvolumeclaims", nullptr, &status);
    CHECK(status == 403);
    CHECK(reply == Json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},
        "status":"Failure","message":"persistentvolumeclaims is forbidden: User \"system:serviceaccount:ci:pxclone\" cannot list resource \"persistentvolumeclaims\" in API group \"\" in the namespace \"stg\"",
        "reason":"Forbidden","details":{"kind":"persistentvolumeclaims"},"code":403})"));
    // Discovery and access reviews: the bootstrap policy of every authenticated user.
    CHECK(sim.status_of(k_sa, "GET", "/apis") == 200);
    CHECK_FALSE(sim.can_i({{"verb", "list"}, {"resource", "persistentvolumeclaims"}}));
    // An unknown token is not authenticated.
    CHECK(sim.status_of("nobody", "GET", "/api/v1/namespaces") == 401);

    // A ClusterRole bound cluster-wide: everywhere, at the cluster scope too.
    auto reader = rbac("ClusterRole", "reader");
    reader["rules"] = Json::array({{{"apiGroups", {""}},
                                    {"resources", {"persistentvolumeclaims", "namespaces"}},
                                    {"verbs", {"list", "watch"}}},
                                   {{"apiGroups", {""}},
                                    {"resources", {"namespaces"}},
                                    {"verbs", {"get"}},
                                    {"resourceNames", {"stg"}}}});
    sim.admin_create(k_rbac + "/clusterroles", reader);
    sim.admin_create(k_rbac + "/clusterrolebindings",
                     binding("ClusterRoleBinding", "reader", "", "ClusterRole", "reader"));
    CHECK(sim.status_of(k_sa, "GET", "/api/v1/namespaces/stg/persistentvolumeclaims") == 200);
    CHECK(sim.status_of(k_sa, "GET", "/api/v1/persistentvolumeclaims") == 200);
    CHECK(sim.status_of(k_sa, "GET", "/api/v1/namespaces") == 200);
    CHECK(sim.status_of(k_sa, "GET", "/api/v1/namespaces/stg") == 200);
    CHECK(sim.status_of(k_sa, "GET", "/api/v1/namespaces/ci") == 403);
    CHECK(sim.status_of(k_sa, "DELETE", "/api/v1/namespaces/stg") == 403);
    // Asking is answered from the same rules, with RBAC's reason.
    reply = sim.call(k_sa, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                     Json{{"apiVersion", "authorization.k8s.io/v1"},
                          {"kind", "SelfSubjectAccessReview"},
                          {"spec",
                           {{"resourceAttributes",
                             {{"verb", "list"}, {"resource", "persistentvolumeclaims"}}}}}});
    CHECK(reply["status"] ==
          Json{{"allowed", true},
               {"reason", "RBAC: allowed by ClusterRoleBinding \"reader\" of ClusterRole "
                          "\"reader\" to ServiceAccount \"pxclone/ci\""}});
    CHECK_FALSE(sim.can_i({{"verb", "delete"}, {"resource", "namespaces"}, {"name", "stg"}}));

    // A Role through a RoleBinding: in its namespace only; a ClusterRole through a RoleBinding.
    auto writer = rbac("Role", "writer", "stg");
    writer["rules"] = Json::array(
        {{{"apiGroups", {"apps"}}, {"resources", {"statefulsets/scale"}}, {"verbs", {"patch"}}}});
    sim.admin_create(k_rbac + "/namespaces/stg/roles", writer);
    sim.admin_create(k_rbac + "/namespaces/stg/rolebindings",
                     binding("RoleBinding", "writer", "stg", "Role", "writer"));
    auto logs = rbac("ClusterRole", "logs");
    logs["rules"] =
        Json::array({{{"apiGroups", {""}}, {"resources", {"pods/log"}}, {"verbs", {"get"}}}});
    sim.admin_create(k_rbac + "/clusterroles", logs);
    sim.admin_create(k_rbac + "/namespaces/stg/rolebindings",
                     binding("RoleBinding", "logs", "stg", "ClusterRole", "logs"));
    CHECK(sim.can_i({{"verb", "patch"},
                     {"group", "apps"},
                     {"resource", "statefulsets"},
                     {"subresource", "scale"},
                     {"namespace", "stg"}}));
    CHECK_FALSE(sim.can_i({{"verb", "patch"},
                           {"group", "apps"},
                           {"resource", "statefulsets"},
                           {"subresource", "scale"},
                           {"namespace", "ci"}}));
    CHECK_FALSE(sim.can_i({{"verb", "patch"},
                           {"group", "apps"},
                           {"resource", "statefulsets"},
                           {"namespace", "stg"}}));
    CHECK(sim.can_i(
        {{"verb", "get"}, {"resource", "pods"}, {"subresource", "log"}, {"namespace", "stg"}}));
    CHECK_FALSE(sim.can_i(
        {{"verb", "get"}, {"resource", "pods"}, {"subresource", "log"}, {"namespace", "ci"}}));
    reply = sim.call(k_sa, "PATCH", "/apis/apps/v1/namespaces/stg/statefulsets/mongo/scale",
                     Json{{"spec", {{"replicas", 0}}}}, &status, "application/merge-patch+json");
    CHECK(status == 404); // allowed, and there is no such StatefulSet
    reply = sim.call(k_sa, "PATCH", "/apis/apps/v1/namespaces/ci/statefulsets/mongo/scale",
                     Json{{"spec", {{"replicas", 0}}}}, &status, "application/merge-patch+json");
    CHECK(status == 403);
    CHECK(reply["message"] == "statefulsets.apps \"mongo\" is forbidden: User \"" + k_sa_user +
                                  "\" cannot patch resource \"statefulsets/scale\" in API group "
                                  "\"apps\" in the namespace \"ci\"");

    // Taking a rule away (the admin replaces the Role) takes effect at once.
    writer = sim.call(k_admin, "GET", k_rbac + "/namespaces/stg/roles/writer");
    writer["rules"] = Json::array();
    reply = sim.call(k_admin, "PUT", k_rbac + "/namespaces/stg/roles/writer", writer, &status);
    INFO(reply.dump());
    CHECK(status == 200);
    CHECK(sim.status_of(k_sa, "PATCH", "/apis/apps/v1/namespaces/stg/statefulsets/mongo/scale",
                        Json{{"spec", {{"replicas", 0}}}}, "application/merge-patch+json") == 403);
}

TEST_CASE("a ServiceAccount's apply that would create needs create; the service proxy is checked") {
    Sim sim;
    sim.admin_create("/api/v1/namespaces", ns_object("ci"));
    sim.admin_create("/api/v1/namespaces", ns_object("stg"));
    auto patcher = rbac("ClusterRole", "patcher");
    patcher["rules"] =
        Json::array({{{"apiGroups", {""}}, {"resources", {"configmaps"}}, {"verbs", {"patch"}}}});
    sim.admin_create(k_rbac + "/clusterroles", patcher);
    sim.admin_create(k_rbac + "/clusterrolebindings",
                     binding("ClusterRoleBinding", "patcher", "", "ClusterRole", "patcher"));
    const std::string apply = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
    int status = 0;
    const auto reply =
        sim.call(k_sa, "PATCH", "/api/v1/namespaces/stg/configmaps/c", Json(apply), &status,
                 "application/apply-patch+yaml", {{"fieldManager", "pxclone"}});
    CHECK(status == 403);
    CHECK(reply["message"] == "configmaps \"c\" is forbidden: ");
    // Once it exists, patch alone is enough.
    sim.admin_create("/api/v1/namespaces/stg/configmaps",
                     {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "c"}}}});
    CHECK(sim.status_of(k_sa, "PATCH", "/api/v1/namespaces/stg/configmaps/c", Json(apply),
                        "application/apply-patch+yaml", {{"fieldManager", "pxclone"}}) == 200);

    // The Portworx API through the API server's service proxy: services/proxy on its Service,
    // by name; the admin needs nothing.
    const std::string proxied =
        "/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy/v1/identities/version";
    const auto denied = sim.call(k_sa, "GET", proxied, nullptr, &status);
    CHECK(status == 403);
    CHECK(denied["message"] ==
          "services \"portworx-api:9021\" is forbidden: User \"" + k_sa_user +
              "\" cannot get resource \"services/proxy\" in API group \"\" in the namespace "
              "\"kube-system\"");
    CHECK(sim.status_of(k_admin, "GET", proxied) == 200);
    auto proxy = rbac("Role", "px", "kube-system");
    proxy["rules"] = Json::array({{{"apiGroups", {""}},
                                   {"resources", {"services/proxy"}},
                                   {"resourceNames", {"portworx-api:9021"}},
                                   {"verbs", {"get"}}}});
    sim.admin_create(k_rbac + "/namespaces/kube-system/roles", proxy);
    sim.admin_create(k_rbac + "/namespaces/kube-system/rolebindings",
                     binding("RoleBinding", "px", "kube-system", "Role", "px"));
    CHECK(sim.status_of(k_sa, "GET", proxied) == 200);
}

TEST_CASE("creating a RoleBinding needs bind on its role, or every permission it grants") {
    Sim sim;
    sim.admin_create("/api/v1/namespaces", ns_object("ci"));
    sim.admin_create("/api/v1/namespaces", ns_object("stg"));
    sim.admin_create("/api/v1/namespaces", ns_object("prod"));
    // The role to bind, and a ClusterRole that may create RoleBindings everywhere.
    auto staging = rbac("ClusterRole", "pxclone-orders-staging");
    staging["rules"] = Json::array(
        {{{"apiGroups", {"apps"}}, {"resources", {"deployments"}}, {"verbs", {"delete"}}}});
    sim.admin_create(k_rbac + "/clusterroles", staging);
    auto creator = rbac("ClusterRole", "creator");
    creator["rules"] = Json::array({{{"apiGroups", {"rbac.authorization.k8s.io"}},
                                     {"resources", {"rolebindings"}},
                                     {"verbs", {"create"}}}});
    sim.admin_create(k_rbac + "/clusterroles", creator);
    sim.admin_create(k_rbac + "/clusterrolebindings",
                     binding("ClusterRoleBinding", "creator", "", "ClusterRole", "creator"));

    // Neither bind nor the role's permissions: the escalation check refuses, as kube-apiserver.
    const auto grant = binding("RoleBinding", "pxclone-orders-staging", "stg", "ClusterRole",
                               "pxclone-orders-staging");
    int status = 0;
    auto reply = sim.call(k_sa, "POST", k_rbac + "/namespaces/stg/rolebindings", grant, &status);
    CHECK(status == 403);
    CHECK(reply["message"] ==
          "rolebindings.rbac.authorization.k8s.io \"pxclone-orders-staging\" is forbidden: user "
          "\"system:serviceaccount:ci:pxclone\" (groups=[\"system:serviceaccounts\" "
          "\"system:serviceaccounts:ci\" \"system:authenticated\"]) is attempting to grant RBAC "
          "permissions not currently held:\n{APIGroups:[\"apps\"], Resources:[\"deployments\"], "
          "Verbs:[\"delete\"]}");
    CHECK(reply["reason"] == "Forbidden");

    // `bind` on that ClusterRole by name: allowed, in any namespace (RBAC cannot narrow it).
    auto binder = rbac("ClusterRole", "binder");
    binder["rules"] = Json::array({{{"apiGroups", {"rbac.authorization.k8s.io"}},
                                    {"resources", {"clusterroles"}},
                                    {"verbs", {"bind"}},
                                    {"resourceNames", {"pxclone-orders-staging"}}}});
    sim.admin_create(k_rbac + "/clusterroles", binder);
    sim.admin_create(k_rbac + "/clusterrolebindings",
                     binding("ClusterRoleBinding", "binder", "", "ClusterRole", "binder"));
    CHECK(sim.status_of(k_sa, "POST", k_rbac + "/namespaces/stg/rolebindings", grant) == 201);
    // Once bound there, the role applies in that namespace only.
    CHECK(sim.status_of(k_sa, "DELETE", "/apis/apps/v1/namespaces/stg/deployments/app") == 404);
    CHECK(sim.status_of(k_sa, "DELETE", "/apis/apps/v1/namespaces/prod/deployments/app") == 403);
    // Another role's binding is still refused: bind names one role.
    auto secrets = rbac("ClusterRole", "secrets");
    secrets["rules"] =
        Json::array({{{"apiGroups", {""}}, {"resources", {"secrets"}}, {"verbs", {"get"}}}});
    sim.admin_create(k_rbac + "/clusterroles", secrets);
    auto other = binding("RoleBinding", "other", "stg", "ClusterRole", "secrets");
    CHECK(sim.status_of(k_sa, "POST", k_rbac + "/namespaces/stg/rolebindings", other) == 403);

    // Holding every permission of the role is enough without bind (here in stg, through the
    // binding just made).
    auto held = binding("RoleBinding", "again", "stg", "ClusterRole", "pxclone-orders-staging");
    CHECK(sim.status_of(k_admin, "DELETE", k_rbac + "/clusterrolebindings/binder") == 200);
    CHECK(sim.status_of(k_sa, "POST", k_rbac + "/namespaces/stg/rolebindings", held) == 201);
    CHECK(sim.status_of(
              k_sa, "POST", k_rbac + "/namespaces/prod/rolebindings",
              binding("RoleBinding", "x", "prod", "ClusterRole", "pxclone-orders-staging")) == 403);
}
