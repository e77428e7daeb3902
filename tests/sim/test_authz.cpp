#include <stdexcept>

#include <doctest/doctest.h>

#include "authz.hpp"
#include "sim_test_support.hpp"

using pxsim::Json;

namespace {

pxsim::SimRequest request(const std::string& method, const std::string& path,
                          std::multimap<std::string, std::string> query = {}) {
    pxsim::SimRequest result;
    result.method = method;
    result.path = path;
    result.query = std::move(query);
    return result;
}

const std::string k_user = "system:serviceaccount:ci:pxclone";

struct Sim {
    pxsim::Server server;
    explicit Sim(std::vector<std::string> deny = {}) : server(options(std::move(deny))) {}
    static pxsim::ServerOptions options(std::vector<std::string> deny) {
        pxsim::ServerOptions options;
        options.controllers = false;
        options.deny = std::move(deny);
        return options;
    }
    Json call(const std::string& method, const std::string& path, const Json& body = nullptr,
              const std::string& content_type = "application/json", int* status = nullptr) {
        return pxsim::testing::call(server, method, path, body, content_type, status);
    }
};

} // namespace

TEST_CASE("deny rules parse VERB:RESOURCE[.GROUP][/SUBRESOURCE][@NAMESPACE]") {
    const auto rule = pxsim::parse_deny_rule("patch:statefulsets.apps/scale@orders-stg-1");
    CHECK(rule.verb == "patch");
    CHECK(rule.resource == "statefulsets");
    CHECK(rule.group == "apps");
    CHECK(rule.subresource == "scale");
    CHECK(rule.ns == std::optional<std::string>("orders-stg-1"));
    const auto dotted = pxsim::parse_deny_rule("list:volumesnapshots.snapshot.storage.k8s.io");
    CHECK(dotted.resource == "volumesnapshots");
    CHECK(dotted.group == "snapshot.storage.k8s.io");
    CHECK_FALSE(dotted.ns);
    const auto any = pxsim::parse_deny_rule("*:pods/log");
    CHECK(any.verb == "*");
    CHECK(any.group.empty());
    CHECK(any.subresource == "log");
    for (const char* bad :
         {"persistentvolumes", ":pods", "get:", "fetch:pods", "get:pods@", "get:pods/"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(pxsim::parse_deny_rule(bad), std::invalid_argument);
    }
}

TEST_CASE("requests map to RBAC attributes as kube-apiserver's RequestInfoFactory does") {
    auto a = pxsim::request_attributes(request("DELETE", "/api/v1/persistentvolumes/pvc-x"));
    CHECK(a.resource_request);
    CHECK(a.verb == "delete");
    CHECK(a.resource == "persistentvolumes");
    CHECK(a.name == "pvc-x");
    CHECK(a.ns.empty());

    a = pxsim::request_attributes(
        request("PATCH", "/apis/apps/v1/namespaces/stg/statefulsets/mongo/scale"));
    CHECK(a.verb == "patch");
    CHECK(a.group == "apps");
    CHECK(a.resource == "statefulsets");
    CHECK(a.subresource == "scale");
    CHECK(a.ns == "stg");
    CHECK(a.name == "mongo");

    a = pxsim::request_attributes(request("GET", "/api/v1/namespaces/stg/pods"));
    CHECK(a.verb == "list");
    a = pxsim::request_attributes(
        request("GET", "/api/v1/namespaces/stg/pods",
                {{"watch", "1"}, {"fieldSelector", "metadata.name=mongo-0"}}));
    CHECK(a.verb == "watch");
    CHECK(a.name == "mongo-0");
    a = pxsim::request_attributes(request("DELETE", "/apis/batch/v1/namespaces/stg/jobs"));
    CHECK(a.verb == "deletecollection");
    a = pxsim::request_attributes(request("POST", "/api/v1/namespaces/stg/services"));
    CHECK(a.verb == "create");
    CHECK(a.name.empty());

    // A Namespace is in itself; its finalize and status are subresources.
    a = pxsim::request_attributes(request("DELETE", "/api/v1/namespaces/stg"));
    CHECK(a.resource == "namespaces");
    CHECK(a.ns == "stg");
    CHECK(a.name == "stg");
    a = pxsim::request_attributes(request("PUT", "/api/v1/namespaces/stg/finalize"));
    CHECK(a.resource == "namespaces");
    CHECK(a.subresource == "finalize");
    a = pxsim::request_attributes(request("POST", "/api/v1/namespaces"));
    CHECK(a.verb == "create");
    CHECK(a.ns.empty());

    CHECK_FALSE(pxsim::request_attributes(request("GET", "/apis/apps/v1")).resource_request);
    CHECK_FALSE(pxsim::request_attributes(request("GET", "/api")).resource_request);
    CHECK_FALSE(pxsim::request_attributes(request("GET", "/version")).resource_request);
}

TEST_CASE("a denied request gets the real server's 403 Status") {
    Sim sim({"delete:persistentvolumes", "create:persistentvolumeclaims@pxdemo",
             "patch:statefulsets.apps/scale", "delete:namespaces", "get:pods/log"});
    int status = 0;
    Json reply =
        sim.call("DELETE", "/api/v1/persistentvolumes/pvc-x", nullptr, "application/json", &status);
    CHECK(status == 403);
    CHECK(reply ==
          Json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
            "message":"persistentvolumes \"pvc-x\" is forbidden: User \"system:serviceaccount:ci:pxclone\" cannot delete resource \"persistentvolumes\" in API group \"\" at the cluster scope",
            "reason":"Forbidden","details":{"name":"pvc-x","kind":"persistentvolumes"},"code":403})"));

    // reference/k8s-rest.txt: a create names no object.
    reply = sim.call("POST", "/api/v1/namespaces/pxdemo/persistentvolumeclaims",
                     Json{{"apiVersion", "v1"}, {"kind", "PersistentVolumeClaim"}},
                     "application/json", &status);
    CHECK(status == 403);
    CHECK(reply["message"] == "persistentvolumeclaims is forbidden: User \"" + k_user +
                                  "\" cannot create resource \"persistentvolumeclaims\" in API "
                                  "group \"\" in the namespace \"pxdemo\"");
    CHECK(reply["details"] == Json{{"kind", "persistentvolumeclaims"}});
    // The rule is for pxdemo only.
    sim.call("POST", "/api/v1/namespaces/other/persistentvolumeclaims",
             Json{{"apiVersion", "v1"}, {"kind", "PersistentVolumeClaim"}}, "application/json",
             &status);
    CHECK(status != 403);

    reply = sim.call("PATCH", "/apis/apps/v1/namespaces/stg/statefulsets/mongo/scale",
                     Json{{"spec", {{"replicas", 0}}}}, "application/merge-patch+json", &status);
    CHECK(status == 403);
    CHECK(reply["message"] == "statefulsets.apps \"mongo\" is forbidden: User \"" + k_user +
                                  "\" cannot patch resource \"statefulsets/scale\" in API group "
                                  "\"apps\" in the namespace \"stg\"");
    CHECK(reply["details"] == Json{{"name", "mongo"}, {"group", "apps"}, {"kind", "statefulsets"}});
    // The resource itself stays allowed: RBAC names subresources separately.
    sim.call("PATCH", "/apis/apps/v1/namespaces/stg/statefulsets/mongo",
             Json{{"spec", {{"replicas", 0}}}}, "application/merge-patch+json", &status);
    CHECK(status == 404);

    reply = sim.call("DELETE", "/api/v1/namespaces/stg", nullptr, "application/json", &status);
    CHECK(reply["message"] == "namespaces \"stg\" is forbidden: User \"" + k_user +
                                  "\" cannot delete resource \"namespaces\" in API group \"\" in "
                                  "the namespace \"stg\"");
    reply = sim.call("GET", "/api/v1/namespaces/stg/pods/mongo-0/log?container=mongo", nullptr,
                     "application/json", &status);
    CHECK(status == 403);
    CHECK(reply["message"] == "pods \"mongo-0\" is forbidden: User \"" + k_user +
                                  "\" cannot get resource \"pods/log\" in API group \"\" in the "
                                  "namespace \"stg\"");
    // Discovery is never denied.
    sim.call("GET", "/apis/apps/v1", nullptr, "application/json", &status);
    CHECK(status == 200);
}

TEST_CASE("PUT /_sim/deny replaces the rules, [] clears them, a bad rule is 400") {
    Sim sim;
    int status = 0;
    sim.call("GET", "/api/v1/persistentvolumes", nullptr, "application/json", &status);
    CHECK(status == 200);
    sim.call("PUT", "/_sim/deny", Json::array({"list:persistentvolumes"}), "application/json",
             &status);
    CHECK(status == 200);
    CHECK(sim.call("GET", "/_sim/deny") == Json::array({"list:persistentvolumes"}));
    const Json reply =
        sim.call("GET", "/api/v1/persistentvolumes", nullptr, "application/json", &status);
    CHECK(status == 403);
    CHECK(reply["message"] == "persistentvolumes is forbidden: User \"" + k_user +
                                  "\" cannot list resource \"persistentvolumes\" in API group "
                                  "\"\" at the cluster scope");
    const Json error =
        sim.call("PUT", "/_sim/deny", Json::array({"nope"}), "application/json", &status);
    CHECK(status == 400);
    CHECK(error["error"].get<std::string>().find("'nope'") != std::string::npos);
    CHECK(sim.call("GET", "/_sim/deny") == Json::array({"list:persistentvolumes"}));
    sim.call("PUT", "/_sim/deny", Json::array(), "application/json", &status);
    sim.call("GET", "/api/v1/persistentvolumes", nullptr, "application/json", &status);
    CHECK(status == 200);
}

TEST_CASE("server-side apply that would create is checked for create, with RBAC's empty reason") {
    Sim sim({"create:services"});
    sim.call("POST", "/api/v1/namespaces",
             Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "stg"}}}});
    const std::string path = "/api/v1/namespaces/stg/services/mongo?fieldManager=pxclone";
    const std::string service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: mongo\n"
                                "spec:\n  ports:\n  - port: 27017\n";
    int status = 0;
    const Json reply = sim.call("PATCH", path, service, "application/apply-patch+yaml", &status);
    CHECK(status == 403);
    CHECK(reply == Json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},
        "status":"Failure","message":"services \"mongo\" is forbidden: ","reason":"Forbidden",
        "details":{"name":"mongo","kind":"services"},"code":403})"));
    // Once it exists, apply is a patch only.
    sim.call("PUT", "/_sim/deny", Json::array());
    sim.call("PATCH", path, service, "application/apply-patch+yaml", &status);
    CHECK(status == 201);
    sim.call("PUT", "/_sim/deny", Json::array({"create:services"}));
    sim.call("PATCH", path, service, "application/apply-patch+yaml", &status);
    CHECK(status == 200);
    // A denied patch is the authorization filter's usual 403.
    sim.call("PUT", "/_sim/deny", Json::array({"patch:services@stg"}));
    const Json patch_denied =
        sim.call("PATCH", path, service, "application/apply-patch+yaml", &status);
    CHECK(status == 403);
    CHECK(patch_denied["message"] == "services \"mongo\" is forbidden: User \"" + k_user +
                                         "\" cannot patch resource \"services\" in API group "
                                         "\"\" in the namespace \"stg\"");
}

TEST_CASE("SelfSubjectAccessReview echoes the spec and decides with the deny rules") {
    Sim sim({"delete:persistentvolumes"});
    const std::string path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    const auto review = [](Json attributes) {
        return Json{{"apiVersion", "authorization.k8s.io/v1"},
                    {"kind", "SelfSubjectAccessReview"},
                    {"spec", {{"resourceAttributes", std::move(attributes)}}}};
    };
    int status = 0;
    Json reply =
        sim.call("POST", path, review({{"verb", "delete"}, {"resource", "persistentvolumes"}}),
                 "application/json", &status);
    CHECK(status == 201);
    CHECK(reply["kind"] == "SelfSubjectAccessReview");
    CHECK(reply["metadata"] == Json{{"creationTimestamp", nullptr}});
    CHECK(reply["spec"] == review({{"verb", "delete"}, {"resource", "persistentvolumes"}})["spec"]);
    CHECK(reply["status"] == Json{{"allowed", false}});

    reply = sim.call("POST", path,
                     review({{"verb", "patch"},
                             {"group", "apps"},
                             {"resource", "statefulsets"},
                             {"subresource", "scale"},
                             {"namespace", "stg"}}),
                     "application/json", &status);
    CHECK(status == 201);
    CHECK(reply["status"]["allowed"] == true);
    CHECK(reply["status"]["reason"].get<std::string>().rfind("RBAC: allowed by", 0) == 0);

    reply = sim.call("POST", path,
                     Json{{"apiVersion", "authorization.k8s.io/v1"},
                          {"kind", "SelfSubjectAccessReview"},
                          {"spec", Json::object()}},
                     "application/json", &status);
    CHECK(status == 422);
    CHECK(reply["reason"] == "Invalid");

    // Asking is a create of selfsubjectaccessreviews, and can itself be denied.
    sim.call("PUT", "/_sim/deny",
             Json::array({"create:selfsubjectaccessreviews.authorization.k8s.io"}));
    reply = sim.call("POST", path, review({{"verb", "get"}, {"resource", "pods"}}),
                     "application/json", &status);
    CHECK(status == 403);
    CHECK(reply["message"] ==
          "selfsubjectaccessreviews.authorization.k8s.io is forbidden: User \"" + k_user +
              "\" cannot create resource \"selfsubjectaccessreviews\" in API group "
              "\"authorization.k8s.io\" at the cluster scope");
}
