// deploy-staging's choice of a set (pure: pick_set), and its account of a stopped run
// (account_of: what it reads, where).
#include "pxclone/discover/staging_environment.hpp"
#include "pxclone/error.hpp"
#include "pxclone/plan/lineage.hpp"

#include <algorithm>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_transport.hpp"

using namespace pxclone;
using http::Method;
using nlohmann::json;
using test::FakeTransport;

namespace {

exec::SnapshotSet set(const std::string& id, const std::string& created_at,
                      exec::SetState state = exec::SetState::complete) {
    exec::SnapshotSet found;
    found.id = id;
    found.created_at = created_at;
    found.state = state;
    return found;
}

const std::string k_selector = "?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dpxclone%2C"
                               "pxclone.io%2Fprofile%3Dorders%2Cpxclone.io%2Frun%3D42&limit=500";

// Profile orders, method csi, staging.role_binding: its finders read inside the staging namespace.
profile::Profile csi_bound() {
    profile::Profile profile;
    profile.name = "orders";
    profile.source.source_namespace = "prod";
    profile.snapshot.method = profile::SnapshotMethod::csi;
    profile.staging.staging_namespace = "orders-stg-42";
    profile.staging.role_binding = profile::ServiceAccountRef{"ci", "pxclone"};
    return profile;
}

json list_of(const json& items) {
    return {{"metadata", {{"resourceVersion", "10"}}}, {"items", items}};
}

// account_of's reads of run 42 (its namespace orders-stg-42 with a Deployment), with the list of
// the VolumeSnapshots in the source namespace prod (a set the run took) when `in_prod`.
std::vector<std::string> account_with(const profile::Profile& profile, bool in_prod) {
    FakeTransport kube;
    FakeTransport portworx("https://px.test:9021");
    const k8s::Client kube_client(kube, "https://k8s.test");
    const px::Client px_client(portworx, "https://px.test:9021");
    plan::Lineage lineage;
    lineage.profile = "orders";
    lineage.run = "42";
    lineage.role = plan::Role::staging;
    lineage.snapshot_set = "41";
    const auto labels = plan::kubernetes_labels(lineage);
    const json ns = {{"metadata", {{"name", "orders-stg-42"}, {"labels", labels}}}};
    const json deployment = {
        {"metadata", {{"name", "app"}, {"namespace", "orders-stg-42"}, {"labels", labels}}}};
    kube.expect(Method::get, "/api/v1/persistentvolumes" + k_selector)
        .reply(200, list_of(json::array()));
    kube.expect(Method::get, "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents" + k_selector)
        .reply(200, list_of(json::array()));
    kube.expect(Method::get, "/api/v1/namespaces" + k_selector)
        .reply(200, list_of(json::array({ns})));
    portworx.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, "{}");
    const std::string in_ns = "/namespaces/orders-stg-42";
    kube.expect(Method::get, "/apis/apps/v1" + in_ns + "/deployments" + k_selector)
        .reply(200, list_of(json::array({deployment})));
    for (const auto& path :
         {"/apis/apps/v1" + in_ns + "/statefulsets", "/apis/batch/v1" + in_ns + "/jobs",
          "/api/v1" + in_ns + "/persistentvolumeclaims",
          "/apis/snapshot.storage.k8s.io/v1" + in_ns + "/volumesnapshots"}) {
        kube.expect(Method::get, path + k_selector).reply(200, list_of(json::array()));
    }
    if (in_prod) {
        kube.expect(Method::get,
                    "/apis/snapshot.storage.k8s.io/v1/namespaces/prod/volumesnapshots" + k_selector)
            .reply(200, list_of(json::array()));
    }
    auto lines = discover::account_of(kube_client, px_client, profile, "42", {"service/db"});
    CHECK(kube.remaining() == 0);
    CHECK(portworx.remaining() == 0);
    return lines;
}

} // namespace

TEST_CASE("pick_set: the requested set, else the newest complete one; refusals") {
    const std::vector<exec::SnapshotSet> sets{
        set("3", "2026-11-27T12:00:00Z", exec::SetState::partial), set("2", "2026-11-27T11:00:00Z"),
        set("1", "2026-11-27T10:00:00Z")};
    CHECK(discover::pick_set(sets, "orders", "").id == "2");
    CHECK(discover::pick_set(sets, "orders", "1").id == "1");
    CHECK_THROWS_AS(discover::pick_set(sets, "orders", "9"), NotFoundError);
    try {
        discover::pick_set(sets, "orders", "3");
        FAIL("a partial set was picked");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::failed);
    }
    CHECK_THROWS_AS(discover::pick_set({}, "orders", ""), NotFoundError);
}

TEST_CASE("account_of: a set the run took is looked for in the source namespace, but not on the "
          "staging cluster of a profile with staging.cluster") {
    // One cluster: deploy-staging --fresh's set is in the source namespace of the same cluster.
    const auto expected = std::vector<std::string>{"  deployment/app in orders-stg-42",
                                                   "  namespace/orders-stg-42", "  service/db"};
    CHECK(account_with(csi_bound(), true) == expected);
    // A staging cluster of its own holds no source namespace (and no set): a least-privilege
    // staging ServiceAccount may not read one there (403), nor is there anything to find.
    auto two = csi_bound();
    two.staging.cluster = profile::StagingCluster{};
    CHECK(account_with(two, false) == expected);
}
