// `pxclone list` through the composition root: a Session on strict fakes of both APIs; list sends
// only the catalog's reads.
#include "pxclone/commands/list.hpp"
#include "pxclone/error.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_session.hpp"

using namespace pxclone;
using http::Method;
using nlohmann::json;
using test::list_of;
using test::orders_selector;

namespace {

json labels(const std::string& run, const std::string& role) {
    return {{"app.kubernetes.io/managed-by", "pxclone"},
            {"pxclone.io/profile", "orders"},
            {"pxclone.io/run", run},
            {"pxclone.io/role", role},
            {"pxclone.io/snapshot-set", "40"}};
}

json set_40() {
    auto snapshot_labels = labels("40", "snapshot");
    snapshot_labels["pxclone.io/source"] = "prod/data";
    snapshot_labels["pxclone.io/created-at"] = "2023-11-14T20:00:00Z";
    return {{"volumes",
             json::array({{{"id", "snap-40"},
                           {"locator", {{"name", "snap-40"}, {"volume_labels", snapshot_labels}}},
                           {"source", {{"parent", "vol-0"}}},
                           {"spec", {{"size", "1073741824"}}},
                           {"state", "VOLUME_STATE_DETACHED"}}})}};
}

json staging_namespace() {
    return {{"metadata",
             {{"name", "stg"},
              {"labels", labels("41", "staging")},
              {"annotations",
               {{"pxclone.io/created-at", "2023-11-14T21:00:00Z"},
                {"pxclone.io/expires-at", "2023-11-15T21:00:00Z"}}}}}};
}

const std::string k_staging = orders_selector("pxclone.io%2Frole%3Dstaging");

struct Fixture : test::FakeSession {
    cmd::LoadedProfile loaded = bound(test::orders_profile("41"));

    // staging.role_binding: pxclone may read only inside the staging namespaces, so the catalog
    // lists PVCs there (without it, one list across the cluster: test_exec_catalog).
    static cmd::LoadedProfile bound(cmd::LoadedProfile loaded) {
        loaded.profile.staging.role_binding = profile::ServiceAccountRef{"ci", "pxclone"};
        return loaded;
    }

    void expect_catalog(const json& sets, const json& namespaces) {
        px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, sets);
        kube->expect(Method::get, "/api/v1/namespaces?" + k_staging)
            .reply(200, list_of(namespaces));
        kube->expect(Method::get, "/api/v1/persistentvolumes?" + k_staging).reply(200, list_of());
        // PVCs only inside the staging namespaces found.
        for (const auto& ns : namespaces) {
            kube->expect(Method::get, "/api/v1/namespaces/" +
                                          ns["metadata"]["name"].get<std::string>() +
                                          "/persistentvolumeclaims?" + k_staging)
                .reply(200, list_of());
        }
        px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, test::no_volumes());
    }

    void run(const cmd::ListOptions& options = {}) {
        cmd::validate_list(globals);
        auto session = this->session(loaded.profile);
        cmd::list(*session, globals, loaded, options, streams());
    }
};

} // namespace

TEST_CASE_FIXTURE(Fixture, "list -o name: the profile's sets and environments, reads only") {
    globals.output = output::Format::name;
    expect_catalog(set_40(), json::array({staging_namespace()}));

    run();
    CHECK(out.str() == "snapshot-set/40\nrun/41\n");
}

TEST_CASE_FIXTURE(Fixture, "list: the set is used by the run's environment") {
    expect_catalog(set_40(), json::array({staging_namespace()}));

    run();
    const auto text = out.str();
    CHECK(text.find("SNAPSHOT SETS") != std::string::npos);
    CHECK(text.find("STAGING ENVIRONMENTS") != std::string::npos);
    CHECK(text.find("41") != std::string::npos);
    CHECK(text.find("stg") != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "list: nothing found is said on stderr, stdout stays empty") {
    expect_catalog(test::no_volumes(), json::array());

    run();
    CHECK(out.str().empty());
    CHECK(err.str() == "No snapshot sets or staging environments found for profile orders.\n");
}

TEST_CASE("list refuses -o env") {
    cmd::GlobalOptions globals;
    globals.output = output::Format::env;
    CHECK_THROWS_AS(cmd::validate_list(globals), UsageError);
    globals.output = output::Format::name;
    CHECK_NOTHROW(cmd::validate_list(globals));
}

TEST_CASE_FIXTURE(Fixture, "list with a staging cluster of its own: the sets from the source "
                           "cluster with each volume's transfer state, the environments from "
                           "the staging cluster") {
    loaded = bound(test::two_cluster_profile());
    globals.output = output::Format::json;
    // The source cluster: the sets, then the transfer credential and the profile's backups.
    px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, set_40());
    px->expect(Method::get, "/v1/credentials").reply(200, test::credential_list());
    px->expect(Method::get, "/v1/credentials/inspect/" + test::k_backup_credential)
        .reply(200, test::credential_inspect());
    // The staging cluster: the environments.
    kube_b->expect(Method::get, "/api/v1/namespaces?" + k_staging)
        .reply(200, list_of(json::array({staging_namespace()})));
    kube_b->expect(Method::get, "/api/v1/persistentvolumes?" + k_staging).reply(200, list_of());
    kube_b->expect(Method::get, "/api/v1/namespaces/stg/persistentvolumeclaims?" + k_staging)
        .reply(200, list_of());
    px_b->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, test::no_volumes());
    px->expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .body({{"credential_id", test::k_backup_credential},
               {"metadata_filter",
                {{"app.kubernetes.io/managed-by", "pxclone"}, {"pxclone.io/profile", "orders"}}}})
        .reply(200, json{{"backups",
                          {test::cloud_backup("b/vol-0-snap-40", "40", "snap-40", "Active")}}});

    auto staging = session(loaded.profile, cmd::ClusterSide::staging);
    auto source = session(loaded.profile, cmd::ClusterSide::source);
    cmd::list(*staging, *source, globals, loaded, {}, streams());
    const auto items = json::parse(out.str()).at("items");
    REQUIRE(items.size() == 2);
    CHECK(items[0].at("kind") == "SnapshotSet");
    CHECK(items[0].at("snapshots")[0].at("transfer") == "Active");
    CHECK(items[0].at("usedBy") == json::array({"41"}));
    CHECK(items[1].at("kind") == "StagingEnvironment");
}

TEST_CASE_FIXTURE(Fixture, "list: the TRANSFER column names each volume's backup state; missing "
                           "when it has none") {
    loaded = bound(test::two_cluster_profile());
    px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, set_40());
    px->expect(Method::get, "/v1/credentials").reply(200, test::credential_list());
    px->expect(Method::get, "/v1/credentials/inspect/" + test::k_backup_credential)
        .reply(200, test::credential_inspect());
    kube_b->expect(Method::get, "/api/v1/namespaces?" + k_staging).reply(200, list_of());
    kube_b->expect(Method::get, "/api/v1/persistentvolumes?" + k_staging).reply(200, list_of());
    px_b->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, test::no_volumes());
    px->expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, "{}");

    auto staging = session(loaded.profile, cmd::ClusterSide::staging);
    auto source = session(loaded.profile, cmd::ClusterSide::source);
    cmd::list(*staging, *source, globals, loaded, {}, streams());
    CHECK(out.str().find("TRANSFER") != std::string::npos);
    CHECK(out.str().find("data:missing") != std::string::npos);
}
