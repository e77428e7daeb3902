#include <doctest/doctest.h>

#include "k8s_api.hpp"
#include "k8s_table.hpp"

using pxsim::Json;

namespace {

// A K8sApi on its own store, no controllers: every object stays as the API left it.
struct Api {
    pxsim::Store store;
    int next_uid = 0;
    std::vector<std::string> violations;
    pxsim::K8sApi api;

    explicit Api(std::set<std::string> sources = {}, std::size_t history = 64)
        : store(history), api(store, options(std::move(sources))) {
        api.load(
            {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "default"}}}});
    }

    pxsim::K8sOptions options(std::set<std::string> sources) {
        pxsim::K8sOptions options;
        options.new_uid = [this] {
            return "uid-" + std::to_string(++next_uid);
        };
        options.violation = [this](const std::string& what) {
            violations.push_back(what);
        };
        options.source_namespaces = std::move(sources);
        options.now = [] {
            return std::chrono::system_clock::time_point(std::chrono::hours(490000));
        };
        return options;
    }

    pxsim::SimReply call(const std::string& method, const std::string& path,
                         const std::string& body = "",
                         const std::string& content_type = "application/json",
                         std::multimap<std::string, std::string> query = {}) {
        pxsim::SimRequest request;
        request.method = method;
        request.path = path;
        request.body = body;
        request.query = std::move(query);
        if (!content_type.empty()) {
            request.headers["content-type"] = content_type;
        }
        return api.handle(request).reply;
    }
};

const std::string k_pvcs = "/api/v1/namespaces/default/persistentvolumeclaims";

std::string pvc(const std::string& name, const std::string& size = "1Gi") {
    return Json{
        {"apiVersion", "v1"},
        {"kind", "PersistentVolumeClaim"},
        {"metadata", {{"name", name}, {"labels", {{"app", "db"}}}}},
        {"spec",
         {{"accessModes", {"ReadWriteOnce"}}, {"resources", {{"requests", {{"storage", size}}}}}}}}
        .dump();
}

std::string configmap(const std::string& name, const Json& labels = Json::object()) {
    return Json{{"apiVersion", "v1"},
                {"kind", "ConfigMap"},
                {"metadata", {{"name", name}, {"labels", labels}}},
                {"data", {{"k", "v"}}}}
        .dump();
}

Json body(const pxsim::SimReply& reply) {
    return Json::parse(reply.body);
}

} // namespace

TEST_CASE("discovery answers what kubectl reads") {
    Api api;
    CHECK(body(api.call("GET", "/api"))["versions"] == Json::array({"v1"}));
    const Json groups = body(api.call("GET", "/apis"))["groups"];
    CHECK(groups.size() ==
          6); // apps, batch, rbac, admissionregistration, storage, snapshot.storage
    const Json apps = body(api.call("GET", "/apis/apps/v1"));
    CHECK(apps["kind"] == "APIResourceList");
    bool scale = false;
    for (const Json& resource : apps["resources"]) {
        scale = scale || resource["name"] == "deployments/scale";
    }
    CHECK(scale);
    CHECK(api.call("GET", "/apis/example.com/v1").status == 404);
    CHECK(body(api.call("GET", "/version"))["gitVersion"] == "v1.26.1");
    pxsim::SimRequest aggregated;
    aggregated.method = "GET";
    aggregated.path = "/apis";
    aggregated.headers["accept"] =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    CHECK(api.api.handle(aggregated).reply.status == 406);
}

TEST_CASE("create: 201 with server fields and defaults, 409 AlreadyExists, 404 namespace") {
    Api api;
    const auto created = api.call("POST", k_pvcs, pvc("data"));
    CHECK(created.status == 201);
    const Json object = body(created);
    CHECK(object["metadata"]["uid"] == "uid-2");
    CHECK_FALSE(object["metadata"]["resourceVersion"].get<std::string>().empty());
    CHECK(object["metadata"]["finalizers"] == Json::array({"kubernetes.io/pvc-protection"}));
    CHECK(object["spec"]["volumeMode"] == "Filesystem");
    CHECK(object["status"]["phase"] == "Pending");

    const auto again = api.call("POST", k_pvcs, pvc("data"));
    CHECK(again.status == 409);
    CHECK(body(again)["reason"] == "AlreadyExists");
    CHECK(body(again)["message"] == "persistentvolumeclaims \"data\" already exists");
    CHECK(body(again)["details"] == Json{{"name", "data"}, {"kind", "persistentvolumeclaims"}});

    const auto missing =
        api.call("POST", "/api/v1/namespaces/nope/persistentvolumeclaims", pvc("x"));
    CHECK(missing.status == 404);
    CHECK(body(missing)["message"] == "namespaces \"nope\" not found");
}

TEST_CASE("create: 422 Invalid with causes, 415, 400") {
    Api api;
    const auto bad_name = api.call("POST", k_pvcs, pvc("Bad_Name"));
    CHECK(bad_name.status == 422);
    CHECK(body(bad_name)["reason"] == "Invalid");
    CHECK(body(bad_name)["details"]["causes"][0]["field"] == "metadata.name");
    Json no_size = Json::parse(pvc("nosize"));
    no_size["spec"].erase("resources");
    const auto required = api.call("POST", k_pvcs, no_size.dump());
    CHECK(required.status == 422);
    CHECK(body(required)["message"] ==
          "PersistentVolumeClaim \"nosize\" is invalid: spec.resources[storage]: Required value");
    CHECK(api.call("POST", k_pvcs, pvc("x"), "text/plain").status == 415);
    CHECK(body(api.call("POST", k_pvcs, "{\"apiVersion\":"))["reason"] == "BadRequest");
    const auto mismatch =
        api.call("POST", "/apis/apps/v1/namespaces/default/deployments", configmap("c"));
    CHECK(mismatch.status == 400);
    const auto no_selector = api.call(
        "POST", "/apis/apps/v1/namespaces/default/deployments",
        R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"metadata":{"labels":{"app":"x"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}})");
    CHECK(no_selector.status == 422);
    CHECK(body(no_selector)["details"]["causes"][0]["field"] == "spec.selector");
}

TEST_CASE("get and list: NotFound shape, XList without item kinds, selectors, paging") {
    Api api;
    const auto missing = api.call("GET", k_pvcs + "/nope");
    CHECK(missing.status == 404);
    CHECK(body(missing)["details"]["kind"] == "persistentvolumeclaims");
    for (const char* name : {"a", "b", "c", "d", "e"}) {
        REQUIRE(api.call("POST", "/api/v1/namespaces/default/configmaps",
                         configmap(name, {{"n", name}}))
                    .status == 201);
    }
    const Json all = body(api.call("GET", "/api/v1/namespaces/default/configmaps"));
    CHECK(all["kind"] == "ConfigMapList");
    CHECK(all["items"].size() == 5);
    CHECK_FALSE(all["items"][0].contains("kind"));
    CHECK_FALSE(all["items"][0].contains("apiVersion"));
    const Json selected = body(api.call("GET", "/api/v1/namespaces/default/configmaps", "", "",
                                        {{"labelSelector", "n in (b,d)"}}));
    CHECK(selected["items"].size() == 2);
    const Json by_name =
        body(api.call("GET", "/api/v1/configmaps", "", "", {{"fieldSelector", "metadata.name=c"}}));
    REQUIRE(by_name["items"].size() == 1);
    CHECK(by_name["items"][0]["metadata"]["name"] == "c");
    std::vector<std::string> names;
    std::string token;
    do {
        std::multimap<std::string, std::string> query = {{"limit", "2"}};
        if (!token.empty()) {
            query.emplace("continue", token);
        }
        const Json page =
            body(api.call("GET", "/api/v1/namespaces/default/configmaps", "", "", query));
        for (const Json& item : page["items"]) {
            names.push_back(item["metadata"]["name"]);
        }
        token = page["metadata"].value("continue", "");
    } while (!token.empty());
    CHECK(names == std::vector<std::string>{"a", "b", "c", "d", "e"});
}

TEST_CASE("update: resourceVersion is checked, generation follows the spec") {
    Api api;
    const std::string path = "/apis/apps/v1/namespaces/default/deployments";
    const Json deployment = {
        {"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", {{"name", "db"}}},
        {"spec",
         {{"replicas", 1},
          {"selector", {{"matchLabels", {{"app", "db"}}}}},
          {"template",
           {{"metadata", {{"labels", {{"app", "db"}}}}},
            {"spec", {{"containers", {{{"name", "pg"}, {"image", "postgres:16"}}}}}}}}}}};
    Json current = body(api.call("POST", path, deployment.dump()));
    CHECK(current["metadata"]["generation"] == 1);
    CHECK(current["spec"]["strategy"]["type"] == "RollingUpdate");
    Json stale = current;
    stale["metadata"]["resourceVersion"] = "1";
    const auto conflict = api.call("PUT", path + "/db", stale.dump());
    CHECK(conflict.status == 409);
    CHECK(body(conflict)["reason"] == "Conflict");
    Json no_rv = current;
    no_rv["metadata"].erase("resourceVersion");
    CHECK(api.call("PUT", path + "/db", no_rv.dump()).status == 422);
    current["spec"]["replicas"] = 3;
    const Json updated = body(api.call("PUT", path + "/db", current.dump()));
    CHECK(updated["metadata"]["generation"] == 2);
    Json labelled = updated;
    labelled["metadata"]["labels"]["x"] = "y";
    CHECK(body(api.call("PUT", path + "/db", labelled.dump()))["metadata"]["generation"] == 2);
    const auto scale = body(api.call("PATCH", path + "/db/scale", R"({"spec":{"replicas":0}})",
                                     "application/merge-patch+json"));
    CHECK(scale["kind"] == "Scale");
    CHECK(scale["spec"] == Json::object());
    CHECK(body(api.call("GET", path + "/db"))["spec"]["replicas"] == 0);
}

TEST_CASE("patch: merge, server-side apply create and update, 415, fieldManager") {
    Api api;
    const std::string path = "/api/v1/namespaces/default/configmaps/state";
    const std::string apply =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: state\ndata:\n  snap: s1\n";
    CHECK(api.call("PATCH", path, apply, "application/apply-patch+yaml").status == 400);
    const auto created = api.call("PATCH", path, apply, "application/apply-patch+yaml",
                                  {{"fieldManager", "pxclone"}, {"force", "true"}});
    CHECK(created.status == 201);
    const auto same = api.call("PATCH", path, apply, "application/apply-patch+yaml",
                               {{"fieldManager", "pxclone"}});
    CHECK(same.status == 200);
    CHECK(body(same)["metadata"]["resourceVersion"] ==
          body(created)["metadata"]["resourceVersion"]);
    const auto merged = api.call("PATCH", path, R"({"data":{"other":"x","snap":null}})",
                                 "application/merge-patch+json");
    CHECK(body(merged)["data"] == Json{{"other", "x"}});
    CHECK(api.call("PATCH", path, "{}", "application/json").status == 415);
    CHECK(api.call("PATCH", path + "-missing", "{}", "application/merge-patch+json").status == 404);
}

TEST_CASE("patch guarded by metadata.resourceVersion: 409 Conflict when stale, as kube-apiserver") {
    Api api;
    // A pool namespace (staging.pool): two runs claim it from the same read; the second loses.
    REQUIRE(
        api.call(
               "POST", "/api/v1/namespaces",
               R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"pool-a","labels":{"pxclone.io/pool":"ci"}}})")
            .status == 201);
    const auto read = body(api.call("GET", "/api/v1/namespaces/pool-a"));
    const std::string rv = read["metadata"]["resourceVersion"];
    const auto claim = [&](const std::string& run) {
        return api.call(
            "PATCH", "/api/v1/namespaces/pool-a",
            Json{{"metadata", {{"resourceVersion", rv}, {"labels", {{"pxclone.io/run", run}}}}}}
                .dump(),
            "application/merge-patch+json");
    };
    const auto won = claim("r1");
    CHECK(won.status == 200);
    CHECK(body(won)["metadata"]["labels"]["pxclone.io/run"] == "r1");
    CHECK(body(won)["metadata"]["labels"]["pxclone.io/pool"] == "ci");
    const auto lost = claim("r2");
    CHECK(lost.status == 409);
    CHECK(body(lost)["reason"] == "Conflict");
    CHECK(body(api.call(
              "GET", "/api/v1/namespaces/pool-a"))["metadata"]["labels"]["pxclone.io/run"] == "r1");
}

TEST_CASE("delete: 404, preconditions, finalizers, propagation, dry run") {
    Api api;
    CHECK(api.call("DELETE", k_pvcs + "/nope").status == 404);
    REQUIRE(api.call("POST", k_pvcs, pvc("data")).status == 201);
    const auto wrong_uid = api.call(
        "DELETE", k_pvcs + "/data",
        R"({"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"00000000-0000-0000-0000-000000000000"}})");
    CHECK(wrong_uid.status == 409);
    CHECK(body(api.call("DELETE", k_pvcs + "/data", "", "", {{"dryRun", "All"}}))["metadata"]
              .contains("deletionTimestamp") == false);
    const auto deleted = api.call("DELETE", k_pvcs + "/data");
    CHECK(deleted.status == 200);
    CHECK(body(deleted)["metadata"].contains("deletionTimestamp"));
    CHECK(api.call("GET", k_pvcs + "/data").status == 200); // held by kubernetes.io/pvc-protection
    // Removing the last finalizer completes the deletion.
    CHECK(api.call("PATCH", k_pvcs + "/data", R"({"metadata":{"finalizers":null}})",
                   "application/merge-patch+json")
              .status == 200);
    CHECK(api.call("GET", k_pvcs + "/data").status == 404);

    REQUIRE(api.call("POST", "/api/v1/namespaces/default/configmaps", configmap("c")).status ==
            201);
    const Json status = body(api.call("DELETE", "/api/v1/namespaces/default/configmaps/c"));
    CHECK(status["kind"] == "Status");
    CHECK(status["status"] == "Success");
    REQUIRE(api.call("POST", "/api/v1/namespaces/default/configmaps", configmap("f")).status ==
            201);
    const Json foreground = body(api.call("DELETE", "/api/v1/namespaces/default/configmaps/f",
                                          R"({"propagationPolicy":"Foreground"})"));
    CHECK(foreground["metadata"]["finalizers"] == Json::array({"foregroundDeletion"}));

    CHECK(api.call("POST", k_pvcs, pvc("dry"), "application/json", {{"dryRun", "All"}}).status ==
          201);
    CHECK(api.call("GET", k_pvcs + "/dry").status == 404);
}

TEST_CASE("a deleted namespace is Terminating and refuses new content") {
    Api api;
    REQUIRE(api.call("POST", "/api/v1/namespaces",
                     R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"stage"}})")
                .status == 201);
    const Json deleted = body(api.call("DELETE", "/api/v1/namespaces/stage"));
    CHECK(deleted["status"]["phase"] == "Terminating");
    const auto refused = api.call("POST", "/api/v1/namespaces/stage/configmaps", configmap("c"));
    CHECK(refused.status == 403);
}

TEST_CASE("watch: events after a resourceVersion, filtered, and 410 Expired when too old") {
    Api api(/*sources=*/{}, /*history=*/8);
    const std::uint64_t start = api.store.resource_version();
    REQUIRE(api.call("POST", "/api/v1/namespaces/default/configmaps", configmap("a")).status ==
            201);
    REQUIRE(api.call("POST", "/api/v1/namespaces/default/configmaps", configmap("b")).status ==
            201);
    REQUIRE(api.call("DELETE", "/api/v1/namespaces/default/configmaps/a").status == 200);

    pxsim::WatchSpec watch;
    watch.type = pxsim::find_resource("", "v1", "configmaps");
    watch.ns = "default";
    watch.fields = *pxsim::parse_field_selector("metadata.name=a");
    watch.since = start;
    std::vector<Json> events;
    api.api.stream_watch(
        watch,
        [&](const std::string& line) {
            CHECK(line.back() == '\n');
            events.push_back(Json::parse(line));
            return true;
        },
        [] { return false; }, 2);
    REQUIRE(events.size() == 2);
    CHECK(events[0]["type"] == "ADDED");
    CHECK(events[1]["type"] == "DELETED");
    CHECK(events[1]["object"]["metadata"]["name"] == "a");

    // Resume from the last seen resourceVersion: only newer events.
    watch.fields.clear();
    watch.since =
        std::stoull(events[1]["object"]["metadata"]["resourceVersion"].get<std::string>());
    REQUIRE(api.call("POST", "/api/v1/namespaces/default/configmaps", configmap("c")).status ==
            201);
    events.clear();
    api.api.stream_watch(
        watch,
        [&](const std::string& line) {
            events.push_back(Json::parse(line));
            return true;
        },
        [] { return false; }, 1);
    REQUIRE(events.size() == 1);
    CHECK(events[0]["object"]["metadata"]["name"] == "c");

    for (int i = 0; i < 10; ++i) {
        REQUIRE(api.call("POST", "/api/v1/namespaces/default/configmaps",
                         configmap("x" + std::to_string(i)))
                    .status == 201);
    }
    watch.since = start;
    events.clear();
    api.api.stream_watch(
        watch,
        [&](const std::string& line) {
            events.push_back(Json::parse(line));
            return true;
        },
        [] { return false; });
    REQUIRE(events.size() == 1);
    CHECK(events[0]["type"] == "ERROR");
    CHECK(events[0]["object"]["code"] == 410);
    CHECK(events[0]["object"]["reason"] == "Expired");
}

TEST_CASE("watch without a resourceVersion starts with the current objects") {
    Api api;
    REQUIRE(api.call("POST", "/api/v1/namespaces/default/configmaps", configmap("a")).status ==
            201);
    pxsim::WatchSpec watch;
    watch.type = pxsim::find_resource("", "v1", "configmaps");
    std::vector<Json> events;
    api.api.stream_watch(
        watch,
        [&](const std::string& line) {
            events.push_back(Json::parse(line));
            return true;
        },
        [] { return false; }, 1);
    REQUIRE(events.size() == 1);
    CHECK(events[0]["type"] == "ADDED");
    CHECK(events[0]["object"]["kind"] == "ConfigMap");
}

TEST_CASE("production guard: writes to source objects are recorded, answered normally") {
    Api api({"prod"});
    api.api.load({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "prod"}}}});
    Json claim = Json::parse(pvc("data"));
    claim["metadata"]["namespace"] = "prod";
    api.api.load(claim);
    api.api.load({{"apiVersion", "v1"},
                  {"kind", "PersistentVolume"},
                  {"metadata", {{"name", "pv-prod"}}},
                  {"spec",
                   {{"accessModes", {"ReadWriteOnce"}},
                    {"capacity", {{"storage", "1Gi"}}},
                    {"claimRef", {{"namespace", "prod"}, {"name", "data"}}},
                    {"csi", {{"driver", "pxd.portworx.com"}, {"volumeHandle", "123"}}}}}});
    const std::string prod = "/api/v1/namespaces/prod";
    CHECK(api.call("GET", prod + "/persistentvolumeclaims/data").status == 200);
    CHECK(api.violations.empty());

    // Creating pxclone's own, labelled object there is allowed; anything else is not.
    CHECK(api.call("POST", prod + "/configmaps",
                   configmap("ok", {{"app.kubernetes.io/managed-by", "pxclone"}}))
              .status == 201);
    CHECK(api.violations.empty());
    CHECK(api.call("POST", prod + "/configmaps", configmap("unlabelled")).status == 201);
    CHECK(api.violations.size() == 1);
    CHECK(api.call("PATCH", prod + "/persistentvolumeclaims/data",
                   R"({"metadata":{"labels":{"touched":"yes"}}})", "application/merge-patch+json")
              .status == 200);
    CHECK(api.violations.size() == 2);
    CHECK(api.call("DELETE", "/api/v1/persistentvolumes/pv-prod").status == 200);
    CHECK(api.violations.size() == 3);
    CHECK(api.violations.back() == "delete persistentvolumes pv-prod");
    // Dry runs change nothing and are not writes.
    CHECK(api.call("DELETE", prod + "/configmaps/ok", "", "", {{"dryRun", "All"}}).status == 200);
    CHECK(api.violations.size() == 3);
    // Labelling a production object is a write to it; deleting pxclone's own object is not.
    CHECK(api.call("PATCH", prod + "/configmaps/unlabelled",
                   R"({"metadata":{"labels":{"app.kubernetes.io/managed-by":"pxclone"}}})",
                   "application/merge-patch+json")
              .status == 200);
    CHECK(api.violations.size() == 4);
    CHECK(api.call("DELETE", prod + "/configmaps/ok").status == 200);
    CHECK(api.violations.size() == 4);
}

TEST_CASE("server-side printing: Tables for kubectl get") {
    Api api;
    REQUIRE(api.call("POST", k_pvcs, pvc("data")).status == 201);
    pxsim::SimRequest request;
    request.method = "GET";
    request.path = k_pvcs;
    request.headers["accept"] = "application/json;as=Table;v=v1;g=meta.k8s.io,application/"
                                "json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    const Json table = Json::parse(api.api.handle(request).reply.body);
    CHECK(table["kind"] == "Table");
    CHECK(table["apiVersion"] == "meta.k8s.io/v1");
    CHECK(table["columnDefinitions"][1]["name"] == "Status");
    REQUIRE(table["rows"].size() == 1);
    CHECK(table["rows"][0]["cells"][0] == "data");
    CHECK(table["rows"][0]["cells"][1] == "Pending");
    CHECK(table["rows"][0]["object"]["kind"] == "PartialObjectMetadata");
    CHECK(pxsim::human_duration(std::chrono::seconds(357)) == "5m57s");
    CHECK(pxsim::human_duration(std::chrono::seconds(90)) == "90s");
    CHECK(pxsim::human_duration(std::chrono::hours(53)) == "2d5h");
}

TEST_CASE("deletecollection deletes what the selector matches") {
    Api api;
    for (const char* name : {"a", "b", "c"}) {
        REQUIRE(api.call("POST", "/api/v1/namespaces/default/configmaps",
                         configmap(name, {{"keep", name == std::string("b") ? "yes" : "no"}}))
                    .status == 201);
    }
    const auto reply = api.call("DELETE", "/api/v1/namespaces/default/configmaps", "", "",
                                {{"labelSelector", "keep=no"}});
    CHECK(reply.status == 200);
    const Json left = body(api.call("GET", "/api/v1/namespaces/default/configmaps"));
    REQUIRE(left["items"].size() == 1);
    CHECK(left["items"][0]["metadata"]["name"] == "b");
}

TEST_CASE("store: wait_events reports the resourceVersion its events reach") {
    // A watch resumes (and bookmarks) from this value: it must not pass an event not returned.
    Api api;
    const std::uint64_t start = api.store.resource_version();
    REQUIRE(api.call("POST", "/api/v1/namespaces/default/configmaps", configmap("a")).status ==
            201);
    REQUIRE(api.call("POST", "/api/v1/namespaces/default/configmaps", configmap("b")).status ==
            201);
    const auto result = api.store.wait_events(start, std::chrono::milliseconds(0));
    REQUIRE(result.events.size() == 2);
    CHECK(result.resource_version == result.events.back().resource_version);
    CHECK(result.resource_version == api.store.resource_version());

    const auto quiet = api.store.wait_events(result.resource_version, std::chrono::milliseconds(0));
    CHECK(quiet.events.empty());
    CHECK(quiet.resource_version == result.resource_version);
}
