#include "pxclone/exec/teardown.hpp"

#include <algorithm>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/concurrent_transport.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"

using namespace pxclone;
using namespace pxclone::exec;
using namespace std::chrono_literals;
using http::Method;
using nlohmann::json;
using plan::FoundObject;
using plan::TeardownKind;
using test::FakeClock;
using test::FakeSleeper;
using test::FakeTransport;

namespace {

const std::string k_ns = "orders-stg-42";
const std::string k_selector = "?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dpxclone%2C"
                               "pxclone.io%2Fprofile%3Dorders%2Cpxclone.io%2Frun%3D42&limit=500";

plan::Labels owned() {
    plan::Lineage lineage;
    lineage.profile = "orders";
    lineage.run = "42";
    lineage.role = plan::Role::staging;
    lineage.snapshot_set = "41";
    return plan::kubernetes_labels(lineage);
}

json list_of(const json& items, const std::string& rv = "10") {
    return {{"metadata", {{"resourceVersion", rv}}}, {"items", items}};
}

json ns_object(const std::string& phase) {
    return {{"metadata",
             {{"name", k_ns}, {"labels", owned()}, {"deletionTimestamp", "2026-11-27T10:00:00Z"}}},
            {"status",
             {{"phase", phase},
              {"conditions",
               {{{"type", "NamespaceContentRemaining"},
                 {"status", "True"},
                 {"message", "Some content in the namespace has finalizers remaining"}}}}}}};
}

plan::TeardownTarget target() {
    return plan::TeardownTarget{.profile = "orders", .source_namespace = "prod", .runs = {"42"}};
}

plan::TeardownPlan make_plan() {
    const auto labels = owned();
    return plan::plan_teardown(
        target(), {FoundObject{TeardownKind::ns, "", k_ns, "", labels},
                   FoundObject{TeardownKind::portworx_volume, "", "orders-42-data", "900", labels},
                   FoundObject{TeardownKind::pv, "", "orders-42-data", "", labels},
                   FoundObject{TeardownKind::pvc, k_ns, "data", "", labels},
                   FoundObject{TeardownKind::deployment, k_ns, "app", "", labels}});
}

// The verification listing (csi: the snapshot kinds too), nothing left: the namespaces and the
// cluster-scoped kinds by the run's labels, its Portworx volumes, then (the run has no namespace
// any more) the namespaced kinds in every namespace.
void expect_nothing_left(FakeTransport& kube, FakeTransport& portworx) {
    for (const auto* path : {"/api/v1/namespaces", "/api/v1/persistentvolumes",
                             "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents"}) {
        kube.expect(Method::get, path + k_selector).reply(200, list_of(json::array()));
    }
    portworx.expect(Method::post, "/v1/volumes/inspectwithfilters")
        .body(json{{"labels",
                    {{"app.kubernetes.io/managed-by", "pxclone"},
                     {"pxclone.io/profile", "orders"},
                     {"pxclone.io/run", "42"}}}})
        .reply(200, "{}");
    for (const auto* path :
         {"/apis/apps/v1/deployments", "/apis/apps/v1/statefulsets", "/apis/batch/v1/jobs",
          "/api/v1/persistentvolumeclaims", "/apis/snapshot.storage.k8s.io/v1/volumesnapshots"}) {
        kube.expect(Method::get, path + k_selector).reply(200, list_of(json::array()));
    }
}

// The namespace's wait: listed Terminating, then a watch that ends with `events`.
void expect_ns_wait(FakeTransport& kube, std::vector<std::string> events) {
    kube.expect(Method::get, "/api/v1/namespaces?fieldSelector=metadata.name%3Dorders-stg-42"
                             "&limit=500")
        .reply(200, list_of(json::array({ns_object("Terminating")}), "20"));
    kube.expect(Method::get, "/api/v1/namespaces?watch=1&allowWatchBookmarks=true&fieldSelector="
                             "metadata.name%3Dorders-stg-42&resourceVersion=20&timeoutSeconds=60")
        .reply(200)
        .chunks(std::move(events));
}

std::string ns_deleted_event() {
    return json{{"type", "DELETED"}, {"object", ns_object("Terminating")}}.dump() + "\n";
}

json portworx_900(const plan::Labels& labels) {
    return json{{"volumes",
                 {{{"volume",
                    {{"id", "900"},
                     {"locator", {{"name", "orders-42-data"}, {"volume_labels", labels}}}}}}}}};
}

} // namespace

TEST_CASE("delete_request names the exact DELETE for --dry-run") {
    CHECK(delete_request(FoundObject{TeardownKind::deployment, k_ns, "app", "", {}}) ==
          "DELETE /apis/apps/v1/namespaces/orders-stg-42/deployments/app");
    CHECK(delete_request(FoundObject{TeardownKind::pv, "", "pv-1", "", {}}) ==
          "DELETE /api/v1/persistentvolumes/pv-1");
    CHECK(delete_request(FoundObject{TeardownKind::portworx_volume, "", "c", "900", {}}) ==
          "DELETE /v1/volumes/900");
    CHECK(delete_request(FoundObject{TeardownKind::ns, "", k_ns, "", {}}) ==
          "DELETE /api/v1/namespaces/orders-stg-42");
}

TEST_CASE(
    "teardown deletes the namespace first, then the PV; the clone once the namespace is gone") {
    FakeTransport kube;
    FakeTransport portworx("https://px.test:9021");
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const k8s::Client kube_client(kube, "https://k8s.test");
    const px::Client px_client(portworx, "https://px.test:9021");

    const json background = {
        {"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}};
    // The deployment and the PVC go with their namespace: no DELETE of their own.
    kube.expect(Method::del, "/api/v1/namespaces/orders-stg-42")
        .body(background)
        .reply(200, ns_object("Terminating"));
    // Already gone: success for teardown.
    kube.expect(Method::del, "/api/v1/persistentvolumes/orders-42-data")
        .reply(404, json{{"kind", "Status"}, {"reason", "NotFound"}, {"code", 404}});
    // No pod mounts the clone once its namespace is gone.
    expect_ns_wait(kube, {ns_deleted_event()});
    portworx.expect(Method::del, "/v1/volumes/900").reply(200, "{}");
    expect_nothing_left(kube, portworx);

    std::vector<std::string> deleted;
    std::vector<std::string> progress;
    TeardownContext context{.kube = kube_client,
                            .portworx = px_client,
                            .clock = clock,
                            .sleeper = sleeper,
                            .timeout = 60s};
    context.on_deleted = [&deleted](const FoundObject& object, bool existed) {
        deleted.push_back(object.describe() + (existed ? "" : " (gone)"));
    };
    context.on_progress = [&progress](const std::string&, const std::string& text) {
        progress.push_back(text);
    };
    const auto report = execute_teardown(target(), make_plan(), context);
    CHECK(report.ok());
    CHECK(deleted == std::vector<std::string>{"namespace/orders-stg-42",
                                              "persistentvolume/orders-42-data (gone)",
                                              "portworx volume 900 (orders-42-data)"});
    CHECK(std::find(progress.begin(), progress.end(), "namespace/orders-stg-42 deleted") !=
          progress.end());
    CHECK(kube.remaining() == 0);
    CHECK(portworx.remaining() == 0);
}

TEST_CASE("a namespace whose DELETE is refused: what is in it is read and deleted one by one") {
    FakeTransport kube;
    FakeTransport portworx("https://px.test:9021");
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const k8s::Client kube_client(kube, "https://k8s.test");
    const px::Client px_client(portworx, "https://px.test:9021");
    const auto labels = owned();
    auto teardown_target = target();
    teardown_target.method_kinds = std::vector<std::string>{};
    const auto plan = plan::plan_teardown(
        teardown_target,
        {FoundObject{TeardownKind::ns, "", k_ns, "", labels},
         FoundObject{TeardownKind::portworx_volume, "", "orders-42-data", "900", labels},
         FoundObject{TeardownKind::pv, "", "orders-42-data", "", labels}});

    kube.expect(Method::del, "/api/v1/namespaces/orders-stg-42")
        .reply(403, json{{"kind", "Status"},
                         {"reason", "Forbidden"},
                         {"code", 403},
                         {"message", "namespaces \"orders-stg-42\" is forbidden"}});
    // Its objects, listed in it by the run's labels.
    const std::string in_ns = "/namespaces/orders-stg-42";
    const json pvc = {{"metadata", {{"name", "data"}, {"namespace", k_ns}, {"labels", labels}}},
                      {"spec", {{"volumeName", "orders-42-data"}}}};
    kube.expect(Method::get, "/apis/apps/v1" + in_ns + "/deployments" + k_selector)
        .reply(200, list_of(json::array()));
    kube.expect(Method::get, "/apis/apps/v1" + in_ns + "/statefulsets" + k_selector)
        .reply(200, list_of(json::array()));
    kube.expect(Method::get, "/apis/batch/v1" + in_ns + "/jobs" + k_selector)
        .reply(200, list_of(json::array()));
    kube.expect(Method::get, "/api/v1" + in_ns + "/persistentvolumeclaims" + k_selector)
        .reply(200, list_of(json::array({pvc})));
    kube.expect(Method::del, "/api/v1/namespaces/orders-stg-42/persistentvolumeclaims/data")
        .reply(200, json::object());
    kube.expect(Method::del, "/api/v1/persistentvolumes/orders-42-data").reply(200, "{}");
    kube.expect(Method::get, "/api/v1/namespaces/orders-stg-42/persistentvolumeclaims"
                             "?fieldSelector=metadata.name%3Ddata&limit=500")
        .reply(200, list_of(json::array()));
    portworx.expect(Method::del, "/v1/volumes/900").reply(200, "{}");
    // Verification: the namespace stays (not being deleted), nothing else.
    json ns = ns_object("Active");
    ns["metadata"].erase("deletionTimestamp");
    kube.expect(Method::get, "/api/v1/namespaces" + k_selector)
        .reply(200, list_of(json::array({ns})));
    kube.expect(Method::get, "/api/v1/persistentvolumes" + k_selector)
        .reply(200, list_of(json::array()));
    portworx.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, "{}");

    TeardownContext context{.kube = kube_client,
                            .portworx = px_client,
                            .clock = clock,
                            .sleeper = sleeper,
                            .timeout = 60s};
    const auto report = execute_teardown(teardown_target, plan, context);
    REQUIRE(report.failed.size() == 1);
    CHECK(report.failed[0].object.describe() == "namespace/orders-stg-42");
    std::vector<std::string> deleted;
    for (const auto& object : report.deleted) {
        deleted.push_back(object.describe());
    }
    CHECK(deleted == std::vector<std::string>{"persistentvolumeclaim/data in orders-stg-42",
                                              "persistentvolume/orders-42-data",
                                              "portworx volume 900 (orders-42-data)"});
    CHECK(kube.remaining() == 0);
    CHECK(portworx.remaining() == 0);
}

TEST_CASE("a namespace that will not go and a refused deletion are failures; the rest goes on") {
    FakeTransport kube;
    FakeTransport portworx("https://px.test:9021");
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const k8s::Client kube_client(kube, "https://k8s.test");
    const px::Client px_client(portworx, "https://px.test:9021");

    kube.expect(Method::del, "/api/v1/namespaces/orders-stg-42")
        .reply(200, ns_object("Terminating"));
    kube.expect(Method::del, "/api/v1/persistentvolumes/orders-42-data").reply(200, "{}");
    // The namespace stays Terminating until the wait runs out (the stream ends at its timeout).
    kube.expect(Method::get, "/api/v1/namespaces?fieldSelector=metadata.name%3Dorders-stg-42"
                             "&limit=500")
        .reply(200, list_of(json::array({ns_object("Terminating")}), "20"));
    kube.expect(Method::get, "/api/v1/namespaces?watch=1&allowWatchBookmarks=true&fieldSelector="
                             "metadata.name%3Dorders-stg-42&resourceVersion=20&timeoutSeconds=60")
        .reply(200)
        .chunks({})
        .then([&clock] { clock.advance(60s); });
    portworx.expect(Method::del, "/v1/volumes/900")
        .reply(500, json{{"error", "volume is attached"}, {"code", 13}, {"message", "attached"}});
    // Verification finds the namespace (Terminating: what is in it is its to remove) and the
    // clone still there.
    const auto labels = owned();
    kube.expect(Method::get, "/api/v1/namespaces" + k_selector)
        .reply(200, list_of(json::array({ns_object("Terminating")})));
    for (const auto* path :
         {"/api/v1/persistentvolumes", "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents"}) {
        kube.expect(Method::get, path + k_selector).reply(200, list_of(json::array()));
    }
    portworx.expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, portworx_900(labels));

    TeardownContext context{.kube = kube_client,
                            .portworx = px_client,
                            .clock = clock,
                            .sleeper = sleeper,
                            .timeout = 60s};
    const auto report = execute_teardown(target(), make_plan(), context);
    CHECK_FALSE(report.ok());
    std::vector<std::string> failed;
    for (const auto& failure : report.failed) {
        failed.push_back(failure.object.describe());
    }
    // Each is reported once: the failed DELETEs are not waited for again in verification.
    CHECK(failed == std::vector<std::string>{"namespace/orders-stg-42",
                                             "portworx volume 900 (orders-42-data)"});
    CHECK(report.failed[0].error.find("finalizers remaining") != std::string::npos);
    CHECK(report.deleted.size() == 2);
    CHECK(kube.remaining() == 0);
    CHECK(portworx.remaining() == 0);
}

TEST_CASE("a connection lost on one DELETE is that object's failure; the rest goes on") {
    // One error model: a request that got no answer (http::TransportError) is an Error like a
    // refusal, so teardown lists the object (exit 5) instead of stopping at it.
    FakeTransport kube;
    FakeTransport portworx("https://px.test:9021");
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const k8s::Client kube_client(kube, "https://k8s.test");
    const px::Client px_client(portworx, "https://px.test:9021");

    kube.expect(Method::del, "/api/v1/namespaces/orders-stg-42")
        .reply(200, ns_object("Terminating"));
    kube.expect(Method::del, "/api/v1/persistentvolumes/orders-42-data").reply(200, "{}");
    expect_ns_wait(kube, {ns_deleted_event()});
    portworx.expect(Method::del, "/v1/volumes/900")
        .fail(http::TransportError::Kind::reset,
              "DELETE https://px.test:9021/v1/volumes/900: Connection reset by peer");
    // Verification finds the clone still there.
    const auto labels = owned();
    for (const auto* path : {"/api/v1/namespaces", "/api/v1/persistentvolumes",
                             "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents"}) {
        kube.expect(Method::get, path + k_selector).reply(200, list_of(json::array()));
    }
    portworx.expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, portworx_900(labels));
    for (const auto* path :
         {"/apis/apps/v1/deployments", "/apis/apps/v1/statefulsets", "/apis/batch/v1/jobs",
          "/api/v1/persistentvolumeclaims", "/apis/snapshot.storage.k8s.io/v1/volumesnapshots"}) {
        kube.expect(Method::get, path + k_selector).reply(200, list_of(json::array()));
    }

    TeardownContext context{.kube = kube_client,
                            .portworx = px_client,
                            .clock = clock,
                            .sleeper = sleeper,
                            .timeout = 60s};
    const auto report = execute_teardown(target(), make_plan(), context);
    CHECK_FALSE(report.ok());
    REQUIRE(report.failed.size() == 1);
    CHECK(report.failed[0].object.describe() == "portworx volume 900 (orders-42-data)");
    CHECK(report.failed[0].error.find("Connection reset by peer") != std::string::npos);
    CHECK(report.failed[0].hint == http::transport_hint(http::TransportError::Kind::reset));
    CHECK(report.deleted.size() == 2);
    CHECK(kube.remaining() == 0);
    CHECK(portworx.remaining() == 0);
}

namespace {

// Answers every DELETE 200 and every listing with nothing, from any thread; holds each PVC DELETE
// until `together` of them are in flight at once (test::ConcurrentTransport: a sequential
// teardown fails the test instead of hanging).
test::ConcurrentTransport concurrent_transport(std::size_t together) {
    return test::ConcurrentTransport(
        [](const http::Request& request) {
            if (request.method == Method::del || request.method == Method::post) {
                return test::json_response(200, "{}");
            }
            return test::json_response(200, list_of(json::array()).dump());
        },
        [](const http::Request& request) {
            return request.method == Method::del &&
                   request.url.find("/persistentvolumeclaims/") != std::string::npos;
        },
        together);
}

// Both clusters' APIs on concurrent transports (PVC DELETEs held until `together` are in flight
// at once on Kubernetes, `px_together` on Portworx), and a context without pools.
struct ConcurrentTeardown {
    ConcurrentTeardown(std::size_t together, std::size_t px_together)
        : kube(concurrent_transport(together)), portworx(concurrent_transport(px_together)) {}
    test::ConcurrentTransport kube;
    test::ConcurrentTransport portworx;
    FakeClock clock;
    FakeSleeper sleeper{clock};
    const k8s::Client kube_client{kube, "https://k8s.test"};
    const px::Client px_client{portworx, "https://px.test:9021"};
    TeardownContext context() {
        return TeardownContext{.kube = kube_client,
                               .portworx = px_client,
                               .clock = clock,
                               .sleeper = sleeper,
                               .timeout = 60s};
    }
};

} // namespace

TEST_CASE("with a pool, one stage's deletions run in parallel and are reported in plan order") {
    ConcurrentTeardown apis(3, 3);
    auto& kube = apis.kube;
    auto& portworx = apis.portworx;
    const auto labels = owned();
    std::vector<FoundObject> found;
    for (const auto* name : {"data-2", "data-0", "data-1"}) {
        found.push_back(FoundObject{TeardownKind::pvc, k_ns, name, "", labels});
        found.push_back(FoundObject{TeardownKind::portworx_volume, "", name,
                                    std::string("id-") + name, labels});
    }
    const auto plan = plan::plan_teardown(target(), found);
    util::WorkerPool pool(4);
    std::vector<std::string> deleted;
    auto context = apis.context();
    context.on_deleted = [&deleted](const FoundObject& object, bool) {
        deleted.push_back(object.describe());
    };
    context.pool = &pool;
    const auto report = execute_teardown(target(), plan, context);
    CHECK(report.ok());
    CHECK(kube.most_in_flight() == 3);
    CHECK(kube.requests(Method::del, "https://k8s.test/api/v1/namespaces/orders-stg-42/"
                                     "persistentvolumeclaims/")
              .size() == 3);
    CHECK(portworx.requests(Method::del, "https://px.test:9021/v1/volumes/id-").size() == 3);
    std::vector<std::string> planned;
    for (const auto& deletion : plan.deletions) {
        planned.push_back(deletion.object.describe());
    }
    CHECK(deleted == planned);
    REQUIRE(report.deleted.size() == 6);
    CHECK(report.deleted.front().describe() == planned.front());
}

TEST_CASE("a stage's deletions run on the deletions pool when one is given") {
    // No pool for the waits: were the deletions still sent on it, they would go one at a time
    // and never be three in flight.
    ConcurrentTeardown apis(3, 0);
    const auto labels = owned();
    std::vector<FoundObject> found;
    for (const auto* name : {"data-0", "data-1", "data-2"}) {
        found.push_back(FoundObject{TeardownKind::pvc, k_ns, name, "", labels});
    }
    const auto plan = plan::plan_teardown(target(), found);
    util::WorkerPool deletions(3);
    auto context = apis.context();
    context.deletions_pool = &deletions;
    const auto report = execute_teardown(target(), plan, context);
    CHECK(report.ok());
    CHECK(apis.kube.most_in_flight() == 3);
    CHECK(apis.kube.requests(Method::del, "/persistentvolumeclaims/").size() == 3);
}

TEST_CASE("what a denied deletion leaves still refers to its PV and volume: they are kept") {
    FakeTransport kube;
    FakeTransport portworx("https://px.test:9021");
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const k8s::Client kube_client(kube, "https://k8s.test");
    const px::Client px_client(portworx, "https://px.test:9021");
    const auto labels = owned();
    const json denied = {
        {"kind", "Status"}, {"reason", "Forbidden"}, {"code", 403}, {"message", "forbidden"}};
    // pvc/data is bound to pv-a (CSI, volume 900); pv-b (in-tree, volume 901) has no PVC.
    const json pvc = {{"metadata", {{"name", "data"}, {"namespace", k_ns}, {"labels", labels}}},
                      {"spec", {{"volumeName", "pv-a"}}}};
    const json pv_a = {
        {"metadata", {{"name", "pv-a"}, {"labels", labels}}},
        {"spec", {{"csi", {{"driver", "pxd.portworx.com"}, {"volumeHandle", "900"}}}}}};
    const json pv_b = {{"metadata", {{"name", "pv-b"}, {"labels", labels}}},
                       {"spec", {{"portworxVolume", {{"volumeID", "901"}}}}}};
    const json volumes = {
        {"volumes",
         {{{"volume", {{"id", "900"}, {"locator", {{"name", "c-a"}, {"volume_labels", labels}}}}}},
          {{"volume",
            {{"id", "901"}, {"locator", {{"name", "c-b"}, {"volume_labels", labels}}}}}}}}};
    // Found by the listings of a portworx profile (no VolumeSnapshot kinds), twice: to plan,
    // and to verify.
    const auto expect_listings = [&] {
        kube.expect(Method::get, "/api/v1/namespaces" + k_selector)
            .reply(200, list_of(json::array()));
        kube.expect(Method::get, "/api/v1/persistentvolumes" + k_selector)
            .reply(200, list_of(json::array({pv_a, pv_b})));
        portworx.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, volumes);
        // No namespace of the run: its namespaced objects are looked for everywhere.
        for (const auto* path :
             {"/apis/apps/v1/deployments", "/apis/apps/v1/statefulsets", "/apis/batch/v1/jobs"}) {
            kube.expect(Method::get, path + k_selector).reply(200, list_of(json::array()));
        }
        kube.expect(Method::get, "/api/v1/persistentvolumeclaims" + k_selector)
            .reply(200, list_of(json::array({pvc})));
    };
    auto teardown_target = target();
    teardown_target.method_kinds = std::vector<std::string>{};
    expect_listings();
    const auto found = find_target_objects(kube_client, px_client, teardown_target);
    const auto plan = plan::plan_teardown(teardown_target, found);

    // The PVC's and pv-b's DELETEs are refused; nothing else is sent a DELETE.
    kube.expect(Method::del, "/api/v1/namespaces/orders-stg-42/persistentvolumeclaims/data")
        .reply(403, denied);
    kube.expect(Method::del, "/api/v1/persistentvolumes/pv-b").reply(403, denied);
    expect_listings();
    TeardownContext context{.kube = kube_client,
                            .portworx = px_client,
                            .clock = clock,
                            .sleeper = sleeper,
                            .timeout = 60s};
    const auto report = execute_teardown(teardown_target, plan, context);
    std::vector<std::string> failed;
    for (const auto& failure : report.failed) {
        failed.push_back(failure.object.describe() + (failure.kept ? " kept: " : ": ") +
                         failure.error.substr(0, failure.error.find(':')));
    }
    CHECK(failed == std::vector<std::string>{
                        "persistentvolumeclaim/data in orders-stg-42: persistentvolumeclaims "
                        "\"data\" in namespace \"orders-stg-42\"",
                        "persistentvolume/pv-a kept: kept",
                        "persistentvolume/pv-b: persistentvolumes \"pv-b\"",
                        "portworx volume 900 (c-a) kept: kept",
                        "portworx volume 901 (c-b) kept: kept"});
    CHECK(report.failed[1].error ==
          "kept: persistentvolumeclaim/data in orders-stg-42 still refers to it");
    CHECK(report.failed[4].error == "kept: persistentvolume/pv-b still refers to it");
    CHECK(report.deleted.empty());
    CHECK(kube.remaining() == 0);
    CHECK(portworx.remaining() == 0);
}

TEST_CASE("a VolumeSnapshot that stays keeps its content, and the content its Portworx snapshot") {
    const json item = {{"metadata", {{"name", "vs"}, {"namespace", k_ns}}},
                       {"status", {{"boundVolumeSnapshotContentName", "content-1"}}}};
    const json content = {{"metadata", {{"name", "content-1"}}},
                          {"spec", {{"source", {{"snapshotHandle", "777"}}}}}};
    FakeTransport kube;
    FakeTransport portworx("https://px.test:9021");
    const k8s::Client kube_client(kube, "https://k8s.test");
    const px::Client px_client(portworx, "https://px.test:9021");
    for (const auto* path : {"/apis/apps/v1/deployments", "/apis/apps/v1/statefulsets",
                             "/apis/batch/v1/jobs", "/api/v1/persistentvolumeclaims"}) {
        kube.expect(Method::get, path + k_selector).reply(200, list_of(json::array()));
    }
    auto labelled = [](json object) {
        object["metadata"]["labels"] = owned();
        return object;
    };
    kube.expect(Method::get, "/apis/snapshot.storage.k8s.io/v1/volumesnapshots" + k_selector)
        .reply(200, list_of(json::array({labelled(item)})));
    kube.expect(Method::get, "/api/v1/persistentvolumes" + k_selector)
        .reply(200, list_of(json::array()));
    kube.expect(Method::get, "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents" + k_selector)
        .reply(200, list_of(json::array({labelled(content)})));
    kube.expect(Method::get, "/api/v1/namespaces" + k_selector).reply(200, list_of(json::array()));
    portworx.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, "{}");
    const auto found =
        find_run_objects(kube_client, px_client, "orders", "42",
                         CatalogScope{.method_kinds = {"VolumeSnapshot", "VolumeSnapshotContent"},
                                      .source_namespace = "prod",
                                      .staging_only = false});
    REQUIRE(found.size() == 2);
    CHECK(found[0].key() == "VolumeSnapshot/orders-stg-42/vs");
    CHECK(found[0].refers_to == std::vector<std::string>{"VolumeSnapshotContent//content-1"});
    CHECK(found[1].refers_to == std::vector<std::string>{"PortworxVolume//777"});
    CHECK(plan::object_key(TeardownKind::portworx_volume, "", "777") == "PortworxVolume//777");
}

namespace {

// A staging PV of run 42 on Portworx volume `id`, bound (or once bound) to `ns`/data.
json claimed_pv(const std::string& name, const std::string& id, const std::string& ns) {
    return {{"metadata", {{"name", name}, {"labels", owned()}}},
            {"spec",
             {{"csi", {{"driver", "pxd.portworx.com"}, {"volumeHandle", id}}},
              {"claimRef", {{"namespace", ns}, {"name", "data"}}}}}};
}

// The list of namespaces by name that says whether `ns` exists.
void expect_namespace_lookup(FakeTransport& kube, const std::string& ns, const json& items) {
    kube.expect(Method::get,
                "/api/v1/namespaces?fieldSelector=metadata.name%3D" + ns + "&limit=500")
        .reply(200, list_of(items));
}

plan::TeardownTarget bound_target() {
    auto bound = target();
    bound.method_kinds = std::vector<std::string>{};
    bound.staging_only = true;
    return bound;
}

} // namespace

TEST_CASE("with staging.role_binding a run without its namespace is read where its PVs' claims "
          "are and still exist, never across the cluster") {
    // orders-stg-42 is gone (its RoleBinding with it: nothing may be read there); pv-b's claim is
    // a `restore --new-pvc -n scratch` copy in a namespace that exists.
    FakeTransport kube;
    FakeTransport portworx("https://px.test:9021");
    const k8s::Client kube_client(kube, "https://k8s.test");
    const px::Client px_client(portworx, "https://px.test:9021");
    kube.expect(Method::get, "/api/v1/namespaces" + k_selector).reply(200, list_of(json::array()));
    kube.expect(Method::get, "/api/v1/persistentvolumes" + k_selector)
        .reply(200, list_of(json::array(
                        {claimed_pv("pv-a", "900", k_ns), claimed_pv("pv-b", "901", "scratch")})));
    portworx.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, "{}");
    expect_namespace_lookup(kube, k_ns, json::array());
    expect_namespace_lookup(kube, "scratch",
                            json::array({json{{"metadata", {{"name", "scratch"}}}}}));
    const std::string in_scratch = "/namespaces/scratch";
    for (const auto& path : {"/apis/apps/v1" + in_scratch + "/deployments",
                             "/apis/apps/v1" + in_scratch + "/statefulsets",
                             "/apis/batch/v1" + in_scratch + "/jobs"}) {
        kube.expect(Method::get, path + k_selector).reply(200, list_of(json::array()));
    }
    const json pvc = {
        {"metadata", {{"name", "data"}, {"namespace", "scratch"}, {"labels", owned()}}},
        {"spec", {{"volumeName", "pv-b"}}}};
    kube.expect(Method::get, "/api/v1" + in_scratch + "/persistentvolumeclaims" + k_selector)
        .reply(200, list_of(json::array({pvc})));

    const auto found = find_target_objects(kube_client, px_client, bound_target());
    std::vector<std::string> keys;
    for (const auto& object : found) {
        keys.push_back(object.key());
    }
    CHECK(keys == std::vector<std::string>{"PersistentVolume//pv-a", "PersistentVolume//pv-b",
                                           "PersistentVolumeClaim/scratch/data"});
    CHECK(kube.remaining() == 0);
    CHECK(portworx.remaining() == 0);
}

namespace {

// With staging.role_binding, a run whose staging namespace is gone while its PV (claimed by a PVC
// of that namespace) and Portworx volume `volume_id` (as inspectwithfilters answers `volumes`)
// remain: found from the cluster-scoped kinds and Portworx alone, nothing namespaced read, and
// deleted. Returns what the report says was deleted.
std::vector<std::string> tear_down_with_namespace_gone(const json& volumes,
                                                       const std::string& volume_id) {
    FakeTransport kube;
    FakeTransport portworx("https://px.test:9021");
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const k8s::Client kube_client(kube, "https://k8s.test");
    const px::Client px_client(portworx, "https://px.test:9021");
    // Found: no namespace, the PV still claimed by a PVC of the gone namespace, its volume.
    kube.expect(Method::get, "/api/v1/namespaces" + k_selector).reply(200, list_of(json::array()));
    kube.expect(Method::get, "/api/v1/persistentvolumes" + k_selector)
        .reply(200, list_of(json::array({claimed_pv("orders-42-data", volume_id, k_ns)})));
    portworx.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, volumes);
    // Nothing is read in it: it is gone.
    expect_namespace_lookup(kube, k_ns, json::array());
    const auto found = find_target_objects(kube_client, px_client, bound_target());
    const auto plan = plan::plan_teardown(bound_target(), found);

    kube.expect(Method::del, "/api/v1/persistentvolumes/orders-42-data").reply(200, "{}");
    portworx.expect(Method::del, "/v1/volumes/" + volume_id).reply(200, "{}");
    // Verification: the cluster-scoped kinds and Portworx, nothing left; still no namespaced list.
    for (const auto* path : {"/api/v1/namespaces", "/api/v1/persistentvolumes"}) {
        kube.expect(Method::get, path + k_selector).reply(200, list_of(json::array()));
    }
    portworx.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, "{}");
    TeardownContext context{.kube = kube_client,
                            .portworx = px_client,
                            .clock = clock,
                            .sleeper = sleeper,
                            .timeout = 60s};
    const auto report = execute_teardown(bound_target(), plan, context);
    CHECK(report.ok());
    CHECK(kube.remaining() == 0);
    CHECK(portworx.remaining() == 0);
    std::vector<std::string> deleted;
    for (const auto& object : report.deleted) {
        deleted.push_back(object.describe());
    }
    return deleted;
}

} // namespace

TEST_CASE("with staging.role_binding a run whose staging namespace is gone: its PVs and Portworx "
          "clones are found and deleted") {
    CHECK(tear_down_with_namespace_gone(portworx_900(owned()), "900") ==
          std::vector<std::string>{"persistentvolume/orders-42-data",
                                   "portworx volume 900 (orders-42-data)"});
}

TEST_CASE("a staging run made from cloud backups (transfer): its restored Portworx volumes carry "
          "the run's labels as clones do, and are found and deleted like them") {
    // A restored volume as the SDK shows it: no source.parent (not a clone of a local snapshot),
    // ha_level 1, the labels exec/cloud_restore gave it (a clone's: the staging lineage).
    plan::Lineage lineage{.profile = "orders",
                          .run = "42",
                          .role = plan::Role::staging,
                          .snapshot_set = "41",
                          .source = "prod/data",
                          .created_at = "2026-11-27T11:00:00Z"};
    const json restored = {{"volumes",
                            {{{"volume",
                               {{"id", "rv-1"},
                                {"source", json::object()},
                                {"locator",
                                 {{"name", "orders-42-clone-data"},
                                  {"volume_labels", plan::portworx_labels(lineage)}}},
                                {"spec", {{"size", "1073741824"}, {"ha_level", "1"}}}}}}}}};
    CHECK(tear_down_with_namespace_gone(restored, "rv-1") ==
          std::vector<std::string>{"persistentvolume/orders-42-data",
                                   "portworx volume rv-1 (orders-42-clone-data)"});
}

TEST_CASE("find_run_objects with staging_only lists namespaced kinds in the run's namespace and "
          "a set's VolumeSnapshots in the source namespace") {
    FakeTransport kube;
    FakeTransport portworx("https://px.test:9021");
    const k8s::Client kube_client(kube, "https://k8s.test");
    const px::Client px_client(portworx, "https://px.test:9021");
    // The cluster-scoped kinds first: the namespace (and the PVs' claims) say where to read.
    const json ns = {{"metadata", {{"name", k_ns}, {"labels", owned()}}}};
    kube.expect(Method::get, "/api/v1/persistentvolumes" + k_selector)
        .reply(200, list_of(json::array({claimed_pv("orders-42-data", "900", k_ns)})));
    kube.expect(Method::get, "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents" + k_selector)
        .reply(200, list_of(json::array()));
    kube.expect(Method::get, "/api/v1/namespaces" + k_selector)
        .reply(200, list_of(json::array({ns})));
    portworx.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, "{}");
    const std::string in_ns = "/namespaces/" + k_ns;
    const json deployment = {
        {"metadata", {{"name", "app"}, {"namespace", k_ns}, {"labels", owned()}}}};
    kube.expect(Method::get, "/apis/apps/v1" + in_ns + "/deployments" + k_selector)
        .reply(200, list_of(json::array({deployment})));
    for (const auto& path :
         {"/apis/apps/v1" + in_ns + "/statefulsets", "/apis/batch/v1" + in_ns + "/jobs",
          "/api/v1" + in_ns + "/persistentvolumeclaims",
          "/apis/snapshot.storage.k8s.io/v1" + in_ns + "/volumesnapshots",
          std::string("/apis/snapshot.storage.k8s.io/v1/namespaces/prod/volumesnapshots")}) {
        kube.expect(Method::get, path + k_selector).reply(200, list_of(json::array()));
    }
    const auto found =
        find_run_objects(kube_client, px_client, "orders", "42",
                         CatalogScope{.method_kinds = {"VolumeSnapshot", "VolumeSnapshotContent"},
                                      .source_namespace = "prod",
                                      .staging_only = true});
    std::vector<std::string> keys;
    for (const auto& object : found) {
        keys.push_back(object.key());
    }
    CHECK(keys == std::vector<std::string>{"Deployment/orders-stg-42/app",
                                           "PersistentVolume//orders-42-data",
                                           "Namespace//orders-stg-42"});
    CHECK(kube.remaining() == 0);
    CHECK(portworx.remaining() == 0);
}

TEST_CASE("a pool namespace: what the run made in it is deleted and awaited gone, then the "
          "namespace is released, never deleted; the admin's keys stay") {
    FakeTransport kube;
    FakeTransport portworx("https://px.test:9021");
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const k8s::Client kube_client(kube, "https://k8s.test");
    const px::Client px_client(portworx, "https://px.test:9021");

    auto ns_labels = owned();
    ns_labels.emplace("pxclone.io/pool", "ci");
    const auto plan = plan::plan_teardown(
        target(), {FoundObject{TeardownKind::ns, "", "pool-a", "", ns_labels},
                   FoundObject{TeardownKind::deployment, "pool-a", "app", "", owned()}});
    REQUIRE(plan.releases.size() == 1);

    kube.expect(Method::del, "/apis/apps/v1/namespaces/pool-a/deployments/app")
        .reply(200, json{{"kind", "Status"}, {"status", "Success"}});
    // Awaited gone before the namespace is released.
    kube.expect(Method::get,
                "/apis/apps/v1/namespaces/pool-a/deployments?fieldSelector=metadata.name%3Dapp"
                "&limit=500")
        .reply(200, list_of(json::array()));
    expect_nothing_left(kube, portworx);
    json labels(ns_labels);
    labels["team"] = "payments";
    kube.expect(Method::get, "/api/v1/namespaces/pool-a")
        .reply(200, json{{"metadata",
                          {{"name", "pool-a"},
                           {"resourceVersion", "31"},
                           {"labels", labels},
                           {"annotations", {{"owner", "platform"}}}}}});
    kube.expect(Method::patch, "/api/v1/namespaces/pool-a")
        .body(json{{"metadata",
                    {{"resourceVersion", "31"},
                     {"labels",
                      {{"app.kubernetes.io/managed-by", nullptr},
                       {"pxclone.io/profile", nullptr},
                       {"pxclone.io/role", nullptr},
                       {"pxclone.io/run", nullptr},
                       {"pxclone.io/snapshot-set", nullptr}}}}}})
        .reply(200, json{{"metadata", {{"name", "pool-a"}}}});

    const auto report = execute_teardown(
        target(), plan,
        {.kube = kube_client, .portworx = px_client, .clock = clock, .sleeper = sleeper});
    CHECK(report.ok());
    REQUIRE(report.released.size() == 1);
    CHECK(report.released[0].name == "pool-a");
    REQUIRE(report.deleted.size() == 1);
    CHECK(report.deleted[0].describe() == "deployment/app in pool-a");
    CHECK(kube.remaining() == 0);
    CHECK(portworx.remaining() == 0);
}

TEST_CASE("find_target_objects at_once: the namespaced kinds with the namespaces, in one round, "
          "and what it finds is what the lookup after them finds") {
    const auto labels = owned();
    const json ns = {{"metadata", {{"name", k_ns}, {"labels", labels}}},
                     {"status", {{"phase", "Active"}}}};
    // A Deployment of run 42 elsewhere (a run without its namespace is looked for everywhere),
    // and one of another run that the server's selector let through.
    auto other_labels = labels;
    other_labels["pxclone.io/run"] = "7";
    const json app = {{"metadata", {{"name", "app"}, {"namespace", "apps"}, {"labels", labels}}}};
    const json other = {
        {"metadata", {{"name", "other"}, {"namespace", "apps"}, {"labels", other_labels}}}};
    const auto server = [&](bool with_namespace) {
        return [=](const http::Request& request) {
            if (request.url.find("/api/v1/namespaces?") != std::string::npos) {
                return test::json_response(
                    200, list_of(with_namespace ? json::array({ns}) : json::array()).dump());
            }
            if (request.url.find("/apis/apps/v1/deployments?") != std::string::npos) {
                return test::json_response(200, list_of(json::array({app, other})).dump());
            }
            if (request.method == Method::post) {
                return test::json_response(200, "{}");
            }
            return test::json_response(200, list_of(json::array()).dump());
        };
    };
    // The namespaces' and the Deployments' listings are held until both are in flight.
    const auto held = [](const http::Request& request) {
        return request.url.find("/api/v1/namespaces?") != std::string::npos ||
               request.url.find("/apis/apps/v1/deployments?") != std::string::npos;
    };
    const auto describe = [](const std::vector<FoundObject>& found) {
        std::vector<std::string> lines;
        for (const auto& object : found) {
            lines.push_back(object.describe());
        }
        return lines;
    };
    util::WorkerPool pool(8);
    for (const bool with_namespace : {false, true}) {
        CAPTURE(with_namespace);
        test::ConcurrentTransport kube(server(with_namespace), held, 2);
        test::ConcurrentTransport portworx(server(with_namespace));
        test::ConcurrentTransport kube_after(server(with_namespace));
        const k8s::Client kube_client(kube, "https://k8s.test");
        const k8s::Client kube_after_client(kube_after, "https://k8s.test");
        const px::Client px_client(portworx, "https://px.test:9021");
        const auto found =
            find_target_objects(kube_client, px_client, target(), &pool, NamespacedLookup::at_once);
        CHECK(kube.most_in_flight() == 2);
        const auto after = find_target_objects(kube_after_client, px_client, target(), &pool,
                                               NamespacedLookup::when_needed);
        CHECK(describe(found) == describe(after));
        const auto lines = describe(found);
        const bool app_found =
            std::find(lines.begin(), lines.end(), "deployment/app in apps") != lines.end();
        // Inside a namespace being deleted nothing is kept: its deletion takes it along.
        CHECK(app_found == !with_namespace);
        CHECK(std::find(lines.begin(), lines.end(), "deployment/other in apps") == lines.end());
        // The lookup after the namespaces lists the namespaced kinds only without one.
        CHECK(kube_after.requests(Method::get, "/apis/apps/v1/deployments").size() ==
              (with_namespace ? 0U : 1U));
    }
}
