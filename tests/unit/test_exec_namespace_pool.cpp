#include "pxclone/error.hpp"
#include "pxclone/exec/namespace_runner.hpp"

#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_transport.hpp"

using namespace pxclone;
using http::Method;
using nlohmann::json;
using test::FakeTransport;

namespace {

const std::string k_pool_list = "/api/v1/namespaces?labelSelector=pxclone.io%2Fpool%3Dci&limit=500";

json pool_ns(const std::string& name, const std::string& rv, json labels = json::object()) {
    labels["pxclone.io/pool"] = "ci";
    labels["team"] = "payments";
    return {{"metadata", {{"name", name}, {"resourceVersion", rv}, {"labels", labels}}}};
}

json list_of(const json& items) {
    return {{"metadata", {{"resourceVersion", "10"}}}, {"items", items}};
}

json run_labels(const std::string& run) {
    return {{"app.kubernetes.io/managed-by", "pxclone"},
            {"pxclone.io/profile", "orders"},
            {"pxclone.io/run", run},
            {"pxclone.io/role", "staging"}};
}

// What the plan gives a namespace of run 42.
json metadata_for(const std::string& name) {
    return {{"name", name},
            {"labels", run_labels("42")},
            {"annotations", {{"pxclone.io/expires-at", "2026-12-08T10:00:00Z"}}}};
}

json claim_of(const std::string& rv) {
    return {{"metadata",
             {{"resourceVersion", rv},
              {"labels", run_labels("42")},
              {"annotations", {{"pxclone.io/expires-at", "2026-12-08T10:00:00Z"}}}}}};
}

json conflict() {
    return {{"kind", "Status"},
            {"status", "Failure"},
            {"reason", "Conflict"},
            {"code", 409},
            {"message", "the object has been modified"}};
}

} // namespace

TEST_CASE("claim_pool_namespace claims the first free namespace by name with a guarded patch") {
    FakeTransport kube;
    const k8s::Client client(kube, "https://k8s.test");
    kube.expect(Method::get, k_pool_list)
        .reply(200, list_of(json::array({pool_ns("pool-b", "5"),
                                         pool_ns("pool-a", "3", run_labels("41")),
                                         pool_ns("pool-c", "6")})));
    kube.expect(Method::patch, "/api/v1/namespaces/pool-b")
        .body(claim_of("5"))
        .reply(200, pool_ns("pool-b", "8", run_labels("42")));
    auto runner = exec::make_namespace_runner(client);
    const auto claim =
        exec::claim_pool_namespace(client, *runner, "ci", "orders", "42", metadata_for);
    CHECK(claim.name == "pool-b");
    CHECK(claim.claimed_now);
    CHECK(kube.remaining() == 0);
}

TEST_CASE("claim_pool_namespace: a 409 Conflict means another run won it; the next is tried") {
    FakeTransport kube;
    const k8s::Client client(kube, "https://k8s.test");
    kube.expect(Method::get, k_pool_list)
        .reply(200, list_of(json::array({pool_ns("pool-a", "3"), pool_ns("pool-b", "5")})));
    kube.expect(Method::patch, "/api/v1/namespaces/pool-a")
        .body(claim_of("3"))
        .reply(409, conflict());
    kube.expect(Method::patch, "/api/v1/namespaces/pool-b")
        .body(claim_of("5"))
        .reply(200, pool_ns("pool-b", "9", run_labels("42")));
    auto runner = exec::make_namespace_runner(client);
    const auto claim =
        exec::claim_pool_namespace(client, *runner, "ci", "orders", "42", metadata_for);
    CHECK(claim.name == "pool-b");
    CHECK(claim.claimed_now);
    CHECK(kube.remaining() == 0);
}

TEST_CASE("claim_pool_namespace: none free (all claimed or lost) is exit 3, naming the pool") {
    FakeTransport kube;
    const k8s::Client client(kube, "https://k8s.test");
    kube.expect(Method::get, k_pool_list)
        .reply(200, list_of(json::array(
                        {pool_ns("pool-a", "3", run_labels("40")), pool_ns("pool-b", "5")})));
    kube.expect(Method::patch, "/api/v1/namespaces/pool-b").reply(409, conflict());
    auto runner = exec::make_namespace_runner(client);
    try {
        exec::claim_pool_namespace(client, *runner, "ci", "orders", "42", metadata_for);
        FAIL("no error");
    } catch (const Error& error) {
        CHECK(error.code() == ExitCode::not_found);
        CHECK(std::string(error.what()) ==
              "no free namespace in pool ci (2 namespaces labelled pxclone.io/pool=ci, none free)");
    }
    CHECK(kube.remaining() == 0);
}

TEST_CASE("claim_pool_namespace: a re-run finds its claim and sends nothing") {
    FakeTransport kube;
    const k8s::Client client(kube, "https://k8s.test");
    kube.expect(Method::get, k_pool_list)
        .reply(200, list_of(json::array(
                        {pool_ns("pool-a", "3"), pool_ns("pool-b", "5", run_labels("42"))})));
    auto runner = exec::make_namespace_runner(client);
    const auto claim =
        exec::claim_pool_namespace(client, *runner, "ci", "orders", "42", metadata_for);
    CHECK(claim.name == "pool-b");
    CHECK_FALSE(claim.claimed_now);
    CHECK(kube.remaining() == 0);
}

TEST_CASE("claim_pool_namespace under --dry-run prints the claim and sends no write") {
    FakeTransport kube;
    const k8s::Client client(kube, "https://k8s.test");
    kube.expect(Method::get, k_pool_list)
        .reply(200, list_of(json::array({pool_ns("pool-a", "3")})));
    std::ostringstream out;
    auto runner = exec::make_dry_run_namespace_runner(out);
    const auto claim =
        exec::claim_pool_namespace(client, *runner, "ci", "orders", "42", metadata_for);
    CHECK(claim.name == "pool-a");
    CHECK(claim.claimed_now);
    CHECK(out.str() == "PATCH /api/v1/namespaces/pool-a " + claim_of("3").dump() + "\n");
    CHECK(kube.remaining() == 0);
}

TEST_CASE("release_pool_namespace removes only pxclone's labels; re-reads after a conflict") {
    FakeTransport kube;
    const k8s::Client client(kube, "https://k8s.test");
    const json release{{"metadata",
                        {{"resourceVersion", "12"},
                         {"labels",
                          {{"app.kubernetes.io/managed-by", nullptr},
                           {"pxclone.io/profile", nullptr},
                           {"pxclone.io/role", nullptr},
                           {"pxclone.io/run", nullptr}}}}}};
    kube.expect(Method::get, "/api/v1/namespaces/pool-a")
        .reply(200, pool_ns("pool-a", "11", run_labels("42")));
    auto stale = release;
    stale["metadata"]["resourceVersion"] = "11";
    kube.expect(Method::patch, "/api/v1/namespaces/pool-a").body(stale).reply(409, conflict());
    // An admin labelled it meanwhile: read again, that label stays.
    auto relabelled = pool_ns("pool-a", "12", run_labels("42"));
    relabelled["metadata"]["labels"]["cost-centre"] = "7";
    kube.expect(Method::get, "/api/v1/namespaces/pool-a").reply(200, relabelled);
    kube.expect(Method::patch, "/api/v1/namespaces/pool-a")
        .body(release)
        .reply(200, pool_ns("pool-a", "13"));
    CHECK(exec::release_pool_namespace(client, "pool-a", "orders", "42"));
    // Released already, or gone: nothing is sent.
    kube.expect(Method::get, "/api/v1/namespaces/pool-a").reply(200, pool_ns("pool-a", "13"));
    CHECK_FALSE(exec::release_pool_namespace(client, "pool-a", "orders", "42"));
    // Claimed by another run since (a second teardown of run 42 ran late): not touched.
    kube.expect(Method::get, "/api/v1/namespaces/pool-a")
        .reply(200, pool_ns("pool-a", "14", run_labels("43")));
    CHECK_FALSE(exec::release_pool_namespace(client, "pool-a", "orders", "42"));
    kube.expect(Method::get, "/api/v1/namespaces/pool-a")
        .reply(404, json{{"kind", "Status"}, {"reason", "NotFound"}, {"code", 404}});
    CHECK_FALSE(exec::release_pool_namespace(client, "pool-a", "orders", "42"));
    CHECK(kube.remaining() == 0);
}
