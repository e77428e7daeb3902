#include "pxclone/k8s/client.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_transport.hpp"

using namespace pxclone;
using namespace pxclone::k8s;
using http::Method;
using nlohmann::json;
using test::FakeTransport;

namespace {

const json k_not_found = json::parse(R"({"apiVersion": "v1", "code": 404,
  "details": {"kind": "persistentvolumeclaims", "name": "data"}, "kind": "Status",
  "message": "persistentvolumeclaims \"data\" not found", "metadata": {}, "reason": "NotFound",
  "status": "Failure"})");

const json k_already_exists = json::parse(R"({"apiVersion": "v1", "code": 409,
  "details": {"kind": "persistentvolumeclaims", "name": "data"}, "kind": "Status",
  "message": "persistentvolumeclaims \"data\" already exists", "metadata": {},
  "reason": "AlreadyExists", "status": "Failure"})");

const json k_conflict = json::parse(R"({"apiVersion": "v1", "code": 409,
  "details": {"group": "apps", "kind": "deployments", "name": "db"}, "kind": "Status",
  "message": "Operation cannot be fulfilled on deployments.apps \"db\": the object has been modified; please apply your changes to the latest version and try again",
  "metadata": {}, "reason": "Conflict", "status": "Failure"})");

json pvc(const std::string& name, const json& labels = json::object()) {
    return {{"apiVersion", "v1"},
            {"kind", "PersistentVolumeClaim"},
            {"metadata", {{"name", name}, {"labels", labels}}},
            {"spec",
             {{"accessModes", {"ReadWriteOnce"}},
              {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}};
}

const Resource& k_pvcs = resource_of("PersistentVolumeClaim");
const Resource& k_deployments = resource_of("Deployment");

} // namespace

TEST_CASE("get returns the object, nullopt on NotFound, and throws on a missing API") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test/");
    fake.expect(Method::get, "/api/v1/namespaces/prod/persistentvolumeclaims/data")
        .with_header("Accept", "application/json")
        .reply(200, pvc("data"));
    fake.expect(Method::get, "/api/v1/namespaces/prod/persistentvolumeclaims/data")
        .reply(404, k_not_found);
    fake.expect(Method::get, "/apis/snapshot.storage.k8s.io/v1/namespaces/prod/volumesnapshots/s")
        .reply(404, "404 page not found\n");

    const auto found = client.get(k_pvcs, "prod", "data");
    REQUIRE(found);
    CHECK((*found)["metadata"]["name"] == "data");
    CHECK_FALSE(client.get(k_pvcs, "prod", "data"));
    CHECK_THROWS_AS(client.get(resource_of("VolumeSnapshot"), "prod", "s"), ApiError);

    const auto requests = fake.requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[0].api == "k8s");
    CHECK(requests[0].idempotent);
}

TEST_CASE("get_required turns absence into a NotFound error naming the object (exit 3)") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    fake.expect(Method::get, "/api/v1/namespaces/prod/persistentvolumeclaims/data")
        .reply(404, k_not_found);
    try {
        client.get_required(k_pvcs, "prod", "data");
        FAIL("expected an ApiError");
    } catch (const ApiError& error) {
        CHECK(error.code() == ExitCode::not_found);
        CHECK(std::string(error.what()) ==
              R"(persistentvolumeclaims "data" in namespace "prod" not found)");
    }
}

TEST_CASE("list follows continue pages and keeps the first page's resourceVersion") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    fake.expect(Method::get, "/api/v1/namespaces/ns/configmaps?labelSelector=app.kubernetes.io%2F"
                             "managed-by%3Dpxclone&limit=2")
        .reply(200, json::parse(R"({"kind":"ConfigMapList","apiVersion":"v1",
            "metadata":{"resourceVersion":"448","continue":"eyJ2Ijo","remainingItemCount":3},
            "items":[{"metadata":{"name":"c1"}},{"metadata":{"name":"c2"}}]})"));
    fake.expect(Method::get, "/api/v1/namespaces/ns/configmaps?labelSelector=app.kubernetes.io%2F"
                             "managed-by%3Dpxclone&limit=2&continue=eyJ2Ijo")
        .reply(200, json::parse(R"({"kind":"ConfigMapList","apiVersion":"v1",
            "metadata":{"resourceVersion":"448"},
            "items":[{"metadata":{"name":"c3"}}]})"));

    ListOptions options;
    options.label_selector = "app.kubernetes.io/managed-by=pxclone";
    options.page_size = 2;
    const auto list = client.list(resource_of("ConfigMap"), "ns", options);
    CHECK(list.resource_version == "448");
    REQUIRE(list.items.size() == 3);
    CHECK(list.items[2]["metadata"]["name"] == "c3");
}

TEST_CASE("list of an empty collection, across namespaces, with a field selector") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    fake.expect(Method::get, "/api/v1/persistentvolumeclaims?fieldSelector=metadata.name%3Dx")
        .reply(200, json::parse(R"({"kind":"PersistentVolumeClaimList","apiVersion":"v1",
                                   "metadata":{"resourceVersion":"9"},"items":[]})"));
    ListOptions options;
    options.field_selector = "metadata.name=x";
    options.page_size = 0;
    const auto list = client.list(k_pvcs, "", options);
    CHECK(list.items.empty());
    CHECK(list.resource_version == "9");
}

TEST_CASE("create posts JSON; AlreadyExists is a value; dryRun=All when asked") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    auto stored = pvc("data");
    stored["metadata"]["uid"] = "u1";
    fake.expect(Method::post, "/api/v1/namespaces/pxdemo/persistentvolumeclaims")
        .with_header("Content-Type", "application/json")
        .body(pvc("data"))
        .reply(201, stored);
    fake.expect(Method::post, "/api/v1/namespaces/pxdemo/persistentvolumeclaims")
        .reply(409, k_already_exists);
    fake.expect(Method::post, "/api/v1/namespaces/pxdemo/persistentvolumeclaims?dryRun=All")
        .reply(201, stored);

    const auto created = client.create(k_pvcs, "pxdemo", pvc("data"));
    CHECK(created.outcome == CreateOutcome::created);
    CHECK(created.object["metadata"]["uid"] == "u1");
    const auto again = client.create(k_pvcs, "pxdemo", pvc("data"));
    CHECK(again.outcome == CreateOutcome::already_exists);
    CHECK(again.object.is_null());
    WriteOptions dry;
    dry.dry_run = true;
    CHECK(client.create(k_pvcs, "pxdemo", pvc("data"), dry).outcome == CreateOutcome::created);
    CHECK_FALSE(fake.requests()[0].idempotent);
}

TEST_CASE("create refused for another reason throws the Status as an ApiError") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    fake.expect(Method::post, "/api/v1/namespaces/nope/persistentvolumeclaims")
        .reply(404, json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},
            "status":"Failure","message":"namespaces \"nope\" not found","reason":"NotFound",
            "details":{"name":"nope","kind":"namespaces"},"code":404})"));
    CHECK_THROWS_WITH_AS(
        client.create(k_pvcs, "nope", pvc("data")),
        R"(persistentvolumeclaims "data" in namespace "nope": create: namespaces "nope" not found (NotFound))",
        ApiError);
}

TEST_CASE("create_or_adopt: AlreadyExists -> GET -> ours by labels -> continue") {
    const Labels ours{{"app.kubernetes.io/managed-by", "pxclone"}, {"pxclone.io/run", "r1"}};
    const json labels = {{"app.kubernetes.io/managed-by", "pxclone"}, {"pxclone.io/run", "r1"}};
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");

    SUBCASE("created") {
        fake.expect(Method::post, "/api/v1/namespaces/s/persistentvolumeclaims")
            .reply(201, pvc("data", labels));
        const auto result = client.create_or_adopt(k_pvcs, "s", pvc("data", labels), ours);
        CHECK(result.created);
    }
    SUBCASE("ours from an earlier attempt") {
        fake.expect(Method::post, "/api/v1/namespaces/s/persistentvolumeclaims")
            .reply(409, k_already_exists);
        fake.expect(Method::get, "/api/v1/namespaces/s/persistentvolumeclaims/data")
            .reply(200, pvc("data", labels));
        const auto result = client.create_or_adopt(k_pvcs, "s", pvc("data", labels), ours);
        CHECK_FALSE(result.created);
        CHECK(result.object["metadata"]["labels"]["pxclone.io/run"] == "r1");
    }
    SUBCASE("someone else's") {
        fake.expect(Method::post, "/api/v1/namespaces/s/persistentvolumeclaims")
            .reply(409, k_already_exists);
        fake.expect(Method::get, "/api/v1/namespaces/s/persistentvolumeclaims/data")
            .reply(200, pvc("data", {{"pxclone.io/run", "other"}}));
        try {
            client.create_or_adopt(k_pvcs, "s", pvc("data", labels), ours);
            FAIL("expected an Error");
        } catch (const Error& error) {
            CHECK(error.code() == ExitCode::failed);
            CHECK(std::string(error.what()).find(R"(persistentvolumeclaims "data")") == 0);
            CHECK(error.hint().find("pxclone.io/run=r1") != std::string::npos);
        }
    }
    SUBCASE("deleted between the 409 and the GET: create once more") {
        fake.expect(Method::post, "/api/v1/namespaces/s/persistentvolumeclaims")
            .reply(409, k_already_exists);
        fake.expect(Method::get, "/api/v1/namespaces/s/persistentvolumeclaims/data")
            .reply(404, k_not_found);
        fake.expect(Method::post, "/api/v1/namespaces/s/persistentvolumeclaims")
            .reply(201, pvc("data", labels));
        CHECK(client.create_or_adopt(k_pvcs, "s", pvc("data", labels), ours).created);
    }
}

TEST_CASE("apply is a server-side apply PATCH with pxclone as field manager") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    const json config = {{"apiVersion", "v1"},
                         {"kind", "ConfigMap"},
                         {"metadata", {{"name", "pxclone-state"}}},
                         {"data", {{"snap", "s1"}}}};
    fake.expect(Method::patch,
                "/api/v1/namespaces/ns/configmaps/pxclone-state?fieldManager=pxclone&force=true")
        .with_header("Content-Type", "application/apply-patch+yaml")
        .body(config)
        .reply(200, config);
    fake.expect(Method::patch, "/api/v1/namespaces/ns/configmaps/pxclone-state?dryRun=All&"
                               "fieldManager=pxclone&force=true")
        .reply(201, config);
    CHECK(client.apply(resource_of("ConfigMap"), "ns", config)["data"]["snap"] == "s1");
    WriteOptions dry;
    dry.dry_run = true;
    client.apply(resource_of("ConfigMap"), "ns", config, dry);
    CHECK(fake.requests()[0].idempotent);
    CHECK_THROWS_AS(client.apply(resource_of("ConfigMap"), "ns", json::object()),
                    std::invalid_argument);
}

TEST_CASE("update_with_retry re-reads and re-applies the change after a Conflict") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    const auto deployment = [](const std::string& rv, int replicas) {
        return json{{"apiVersion", "apps/v1"},
                    {"kind", "Deployment"},
                    {"metadata", {{"name", "db"}, {"resourceVersion", rv}}},
                    {"spec", {{"replicas", replicas}}}};
    };
    const auto path = std::string("/apis/apps/v1/namespaces/pxdemo/deployments/db");
    fake.expect(Method::get, path).reply(200, deployment("1", 1));
    fake.expect(Method::put, path).body(deployment("1", 0)).reply(409, k_conflict);
    fake.expect(Method::get, path).reply(200, deployment("2", 1));
    fake.expect(Method::put, path).body(deployment("2", 0)).reply(200, deployment("3", 0));

    int calls = 0;
    const auto updated = client.update_with_retry(k_deployments, "pxdemo", "db", [&](json& object) {
        ++calls;
        object["spec"]["replicas"] = 0;
        return true;
    });
    CHECK(calls == 2);
    CHECK(updated["metadata"]["resourceVersion"] == "3");
}

TEST_CASE("update_with_retry gives up after max_attempts and skips the PUT when nothing changes") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    const json object = {{"metadata", {{"name", "db"}, {"resourceVersion", "1"}}}};
    const auto path = std::string("/apis/apps/v1/namespaces/pxdemo/deployments/db");
    fake.expect(Method::get, path).reply(200, object);
    fake.expect(Method::put, path).reply(409, k_conflict);
    fake.expect(Method::get, path).reply(200, object);
    fake.expect(Method::put, path).reply(409, k_conflict);
    const auto always = [](json&) {
        return true;
    };
    try {
        client.update_with_retry(k_deployments, "pxdemo", "db", always, {}, 2);
        FAIL("expected a Conflict");
    } catch (const ApiError& error) {
        CHECK(error.is_conflict());
    }

    fake.expect(Method::get, path).reply(200, object);
    const auto unchanged =
        client.update_with_retry(k_deployments, "pxdemo", "db", [](json&) { return false; });
    CHECK(unchanged == object);
}

TEST_CASE("merge_patch and the scale subresource") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    const auto scale_path = std::string("/apis/apps/v1/namespaces/pxdemo/deployments/db/scale");
    fake.expect(Method::patch, "/apis/apps/v1/namespaces/pxdemo/deployments/db")
        .with_header("Content-Type", "application/merge-patch+json")
        .body({{"metadata", {{"annotations", {{"pxclone.io/snapshot-set", "s1"}}}}}})
        .reply(200, json{{"metadata", {{"name", "db"}}}});
    // Recorded replies: a Scale at 1, then at 0 with "spec": {}.
    fake.expect(Method::get, scale_path)
        .reply(200, json::parse(R"({"apiVersion":"autoscaling/v1","kind":"Scale",
            "metadata":{"name":"db","namespace":"pxdemo","resourceVersion":"227"},
            "spec":{"replicas":1},"status":{"replicas":1,"selector":"app=db"}})"));
    fake.expect(Method::patch, scale_path)
        .with_header("Content-Type", "application/merge-patch+json")
        .body({{"spec", {{"replicas", 0}}}})
        .reply(200, json::parse(R"({"apiVersion":"autoscaling/v1","kind":"Scale",
            "metadata":{"name":"db","namespace":"pxdemo","resourceVersion":"232"},
            "spec":{},"status":{"replicas":1,"selector":"app=db"}})"));

    client.merge_patch(k_deployments, "pxdemo", "db",
                       {{"metadata", {{"annotations", {{"pxclone.io/snapshot-set", "s1"}}}}}});
    CHECK(scale_replicas(client.get_scale(k_deployments, "pxdemo", "db")) == 1);
    CHECK(scale_replicas(client.set_replicas(k_deployments, "pxdemo", "db", 0)) == 0);
}

TEST_CASE("remove sends DeleteOptions; 404 means already gone; a uid precondition is sent") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    const auto path = std::string("/api/v1/namespaces/s/persistentvolumeclaims/data");
    fake.expect(Method::del, path)
        .body(
            {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}})
        .reply(200, pvc("data"));
    fake.expect(Method::del, path).reply(404, k_not_found);
    fake.expect(Method::del, path + "?dryRun=All")
        .body({{"kind", "DeleteOptions"},
               {"apiVersion", "v1"},
               {"propagationPolicy", "Foreground"},
               {"preconditions", {{"uid", "u1"}}}})
        .reply(409, json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},
            "status":"Failure","message":"Operation cannot be fulfilled on PersistentVolumeClaim \"data\": the UID in the precondition (u1) does not match the UID in record (u2). The object might have been deleted and then recreated",
            "reason":"Conflict","details":{"name":"data","kind":"PersistentVolumeClaim"},"code":409})"));

    CHECK(client.remove(k_pvcs, "s", "data"));
    CHECK_FALSE(client.remove(k_pvcs, "s", "data"));
    DeleteOptions options;
    options.propagation_policy = "Foreground";
    options.precondition_uid = "u1";
    options.dry_run = true;
    CHECK_THROWS_AS(client.remove(k_pvcs, "s", "data", options), ApiError);
}

TEST_CASE("a 2xx reply that is not JSON is an ApiError, not a parse exception") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    fake.expect(Method::get, "/api/v1/namespaces/prod/persistentvolumeclaims/data")
        .reply(200, "<html>login</html>");
    CHECK_THROWS_AS(client.get(k_pvcs, "prod", "data"), ApiError);
}

TEST_CASE("has_labels requires every label with the same value") {
    const auto object = pvc("x", {{"a", "1"}, {"b", "2"}});
    CHECK(has_labels(object, {{"a", "1"}}));
    CHECK(has_labels(object, {}));
    CHECK_FALSE(has_labels(object, {{"a", "2"}}));
    CHECK_FALSE(has_labels(object, {{"c", "1"}}));
    CHECK_FALSE(has_labels(json::object(), {{"a", "1"}}));
}

TEST_CASE("list starts over when a continue token expires (410) mid-listing") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    const auto expired = json::parse(R"({"kind":"Status","apiVersion":"v1","status":"Failure",
        "message":"The provided continue parameter is too old to display a consistent list result.",
        "reason":"Expired","code":410})");
    const auto page = [](const std::string& rv, const std::string& next,
                         std::vector<std::string> names) {
        json items = json::array();
        for (const auto& name : names) {
            items.push_back({{"metadata", {{"name", name}}}});
        }
        json metadata = {{"resourceVersion", rv}};
        if (!next.empty()) {
            metadata["continue"] = next;
        }
        return json{{"kind", "PodList"}, {"metadata", metadata}, {"items", items}};
    };
    fake.expect(Method::get, "/api/v1/namespaces/ns/pods?limit=1")
        .reply(200, page("10", "t1", {"a"}));
    fake.expect(Method::get, "/api/v1/namespaces/ns/pods?limit=1&continue=t1").reply(410, expired);
    fake.expect(Method::get, "/api/v1/namespaces/ns/pods?limit=1")
        .reply(200, page("20", "t2", {"a"}));
    fake.expect(Method::get, "/api/v1/namespaces/ns/pods?limit=1&continue=t2")
        .reply(200, page("20", "", {"b"}));
    ListOptions options;
    options.page_size = 1;
    const auto list = client.list(resource_of("Pod"), "ns", options);
    CHECK(list.resource_version == "20");
    REQUIRE(list.items.size() == 2);
    CHECK(list.items[1]["metadata"]["name"] == "b");

    // A 410 on the first page is not a continue problem: it is thrown.
    fake.expect(Method::get, "/api/v1/namespaces/ns/pods?limit=1").reply(410, expired);
    try {
        client.list(resource_of("Pod"), "ns", options);
        FAIL("expected an ApiError");
    } catch (const ApiError& error) {
        CHECK(error.is_gone());
    }
}

// The fake itself must be strict, or every test above proves less than it claims: a request that
// was not scripted fails the test (this case is expected to fail) and throws.
TEST_CASE("the fake transport fails the test on an unexpected request" * doctest::should_fail()) {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    fake.expect(Method::get, "/api/v1/namespaces/a/pods/p").reply(200, json::object());
    CHECK_THROWS_AS(client.get(resource_of("Pod"), "b", "p"), test::UnexpectedRequest);
}

// Bad-input corpus (tests/cli/bad_input.sh): replies of the wrong shape are errors, not crashes.
TEST_CASE("string_field reads strings and gives empty for absent fields or other types") {
    const auto pvc = json::parse(R"({"spec":{"volumeName":42,"storageClassName":"px"},"a":"x"})");
    CHECK(string_field(pvc, "/spec/storageClassName") == "px");
    CHECK(string_field(pvc, "/spec/volumeName").empty());
    CHECK(string_field(pvc, "/spec/missing").empty());
    CHECK(string_field(pvc, "/a/deeper").empty());
    CHECK(string_field(json::parse("[1]"), "/spec").empty());
}

TEST_CASE("list refuses items that are not a list of objects, and a continue token that repeats") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    fake.expect(Method::get, "/api/v1/namespaces?limit=500")
        .reply(200, json::parse(R"({"items":"none"})"));
    fake.expect(Method::get, "/api/v1/namespaces?limit=500")
        .reply(200, json::parse(R"({"items":[1,2]})"));
    fake.expect(Method::get, "/api/v1/namespaces?limit=500")
        .reply(200, json::parse(R"({"metadata":{"continue":"c1"},"items":[]})"));
    fake.expect(Method::get, "/api/v1/namespaces?limit=500&continue=c1")
        .reply(200, json::parse(R"({"metadata":{"continue":"c1"},"items":[]})"));
    const auto& namespaces = resource_of("Namespace");
    CHECK_THROWS_WITH_AS(client.list(namespaces, ""),
                         "namespaces: list: HTTP 200 with a reply that is not a list (items is "
                         "not an array)",
                         ApiError);
    CHECK_THROWS_WITH_AS(client.list(namespaces, ""),
                         doctest::Contains("(an item is not an object)"), ApiError);
    CHECK_THROWS_WITH_AS(client.list(namespaces, ""),
                         doctest::Contains("(the continue token did not change)"), ApiError);
}
