// `pxclone teardown` through the composition root: a Session on strict fakes of both APIs, so every
// request the command sends is scripted in order, and a DELETE nobody scripted fails the test.
#include "pxclone/commands/teardown.hpp"
#include "pxclone/error.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_session.hpp"

using namespace pxclone;
using http::Method;
using nlohmann::json;
using test::list_of;
using test::no_volumes;
using test::orders_selector;
using test::px_volume;
using test::px_volumes;

namespace {

json labels_of_run(const std::string& run) {
    return test::pxclone_labels(run, "staging", "40");
}

json deployment(const std::string& ns, json labels) {
    return {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", "app"}, {"namespace", ns}, {"labels", std::move(labels)}}}};
}

const std::string k_run_41 = orders_selector("pxclone.io%2Frun%3D41");

struct Fixture : test::FakeSession {
    cmd::LoadedProfile loaded = test::orders_profile("41");

    Fixture() { globals.run_id = "41"; }

    // What is labelled for run 41 (the run's selector, `run`): its namespaces and PVs, its
    // Portworx volumes, and, as no namespace of the run is found, its namespaced objects in every
    // namespace. --run alone reads nothing else: no catalog.
    void expect_run_objects(const json& deployments, const json& volumes,
                            const std::string& run = k_run_41) {
        kube->expect(Method::get, "/api/v1/namespaces?" + run).reply(200, list_of());
        kube->expect(Method::get, "/api/v1/persistentvolumes?" + run).reply(200, list_of());
        px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, px_volumes(volumes));
        kube->expect(Method::get, "/apis/apps/v1/deployments?" + run)
            .reply(200, list_of(deployments));
        kube->expect(Method::get, "/apis/apps/v1/statefulsets?" + run).reply(200, list_of());
        kube->expect(Method::get, "/apis/batch/v1/jobs?" + run).reply(200, list_of());
        kube->expect(Method::get, "/api/v1/persistentvolumeclaims?" + run).reply(200, list_of());
    }

    void run(const cmd::TeardownOptions& options = {}) {
        cmd::validate_teardown(globals, options);
        auto session = this->session(loaded.profile);
        cmd::teardown(*session, globals, loaded, options, streams());
    }
};

} // namespace

TEST_CASE_FIXTURE(Fixture, "teardown --run: deletes the run's objects, then finds none left") {
    const auto clone = px_volume("clone-1", labels_of_run("41"));
    expect_run_objects(json::array({deployment("stg", labels_of_run("41"))}), json::array({clone}));
    kube->expect(Method::del, "/apis/apps/v1/namespaces/stg/deployments/app")
        .body(
            {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}})
        .reply(200, json::object());
    px->expect(Method::del, "/v1/volumes/clone-1").reply(200, json::object());
    expect_run_objects(json::array(), json::array()); // the check that nothing remains

    run();
    CHECK(out.str() == "teardown of run 41: 2 objects to delete\n"
                       "deployment/app in stg deleted\n"
                       "portworx volume clone-1 (clone-1) deleted\n"
                       "teardown complete: 2 objects deleted\n");
}

TEST_CASE_FIXTURE(Fixture, "teardown --run --dry-run: the same plan, printed by the dry-run "
                           "runner; only reads are sent") {
    globals.dry_run = true;
    const auto clone = px_volume("clone-1", labels_of_run("41"));
    expect_run_objects(json::array({deployment("stg", labels_of_run("41"))}), json::array({clone}));

    run();
    CHECK(out.str() ==
          "teardown of run 41: 2 objects to delete (dry run)\n"
          "  DELETE /apis/apps/v1/namespaces/stg/deployments/app   # deployment/app in stg\n"
          "  DELETE /v1/volumes/clone-1   # portworx volume clone-1 (clone-1)\n");
}

TEST_CASE_FIXTURE(Fixture, "teardown --run -o json --dry-run: the plan with each request") {
    globals.dry_run = true;
    globals.output = output::Format::json;
    expect_run_objects(json::array({deployment("stg", labels_of_run("41"))}), json::array());

    run();
    const auto document = json::parse(out.str());
    CHECK(document.at("dryRun") == true);
    CHECK(document.at("plan") ==
          json::parse(R"([{"kind":"Deployment","namespace":"stg","name":"app",
                "request":"DELETE /apis/apps/v1/namespaces/stg/deployments/app"}])"));
    CHECK_FALSE(document.contains("deleted"));
}

TEST_CASE_FIXTURE(Fixture, "teardown refuses what lacks this run's labels and what is in "
                           "production: no DELETE is sent") {
    // A server that ignores the selector: a production volume without pxclone's labels, and an
    // object labelled for the run but in the source namespace.
    expect_run_objects(json::array({deployment("prod", labels_of_run("41"))}),
                       json::array({px_volume("vol-0", json::object())}));

    run();
    CHECK(out.str() == "nothing to delete\n");
    CHECK(err.str().find("not deleting deployment/app in prod: it is in the source namespace "
                         "prod") != std::string::npos);
    CHECK(err.str().find("not deleting portworx volume vol-0 (vol-0): not labelled "
                         "app.kubernetes.io/managed-by=pxclone") != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "teardown of another run: the objects of run 41 are not selected") {
    globals.run_id = "42";
    loaded = test::orders_profile("42");
    // A server that ignores the selector answers with run 41's objects: not selected.
    expect_run_objects(json::array({deployment("stg", labels_of_run("41"))}),
                       json::array({px_volume("clone-1", labels_of_run("41"))}),
                       orders_selector("pxclone.io%2Frun%3D42"));

    run();
    CHECK(out.str() == "nothing to delete\n");
}

TEST_CASE("teardown validates how the runs are chosen and the output format") {
    cmd::GlobalOptions globals;
    CHECK_THROWS_AS(cmd::validate_teardown(globals, {}), UsageError);
    CHECK_THROWS_AS(cmd::validate_teardown(globals, {.expired = true, .all = true}), UsageError);
    globals.run_id = "41";
    CHECK_THROWS_AS(cmd::validate_teardown(globals, {.expired = true}), UsageError);
    CHECK_NOTHROW(cmd::validate_teardown(globals, {}));
    globals.output = output::Format::yaml;
    CHECK_NOTHROW(cmd::validate_teardown(globals, {}));
    globals.output = output::Format::env;
    CHECK_THROWS_AS(cmd::validate_teardown(globals, {}), UsageError);
}

namespace {

// Profile orders with a staging cluster of its own and a transfer: the environments on the
// staging side (kube_b, px_b), the sets and their backups on the source side (kube, px).
struct TwoClusterFixture : Fixture {
    TwoClusterFixture() { loaded = test::two_cluster_profile(); }

    // The staging side's catalog (no environment) and what is labelled for run 41 there (none).
    void expect_staging_side() {
        const auto staging = orders_selector("pxclone.io%2Frole%3Dstaging");
        for (const char* path : {"/api/v1/namespaces?", "/api/v1/persistentvolumeclaims?",
                                 "/api/v1/persistentvolumes?"}) {
            kube_b->expect(Method::get, path + staging).reply(200, list_of());
        }
        px_b->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, no_volumes());
        kube_b->expect(Method::get, "/api/v1/namespaces?" + k_run_41).reply(200, list_of());
        kube_b->expect(Method::get, "/api/v1/persistentvolumes?" + k_run_41).reply(200, list_of());
        px_b->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, no_volumes());
        for (const char* path : {"/apis/apps/v1/deployments?", "/apis/apps/v1/statefulsets?",
                                 "/apis/batch/v1/jobs?", "/api/v1/persistentvolumeclaims?"}) {
            kube_b->expect(Method::get, path + k_run_41).reply(200, list_of());
        }
    }

    // Set 41's objects on the source side: its snapshot s1 (`snapshots`).
    void expect_set_objects(const json& snapshots) {
        kube->expect(Method::get, "/api/v1/namespaces?" + k_run_41).reply(200, list_of());
        kube->expect(Method::get, "/api/v1/persistentvolumes?" + k_run_41).reply(200, list_of());
        px->expect(Method::post, "/v1/volumes/inspectwithfilters")
            .reply(200, px_volumes(snapshots));
    }

    void run_two(const cmd::TeardownOptions& options) {
        cmd::validate_teardown(globals, options);
        auto staging = session(loaded.profile, cmd::ClusterSide::staging);
        auto source = session(loaded.profile, cmd::ClusterSide::source);
        cmd::teardown(*staging, *source, globals, loaded, options, streams());
    }
};

const std::string k_backup_path =
    "/v1/cloudbackups/backup/vol-0-s1?bucket=orders-backups&credential_id=" +
    test::k_backup_credential;

} // namespace

TEST_CASE_FIXTURE(TwoClusterFixture, "teardown --snapshots with a staging cluster: the run's "
                                     "environment there, the set in the source cluster: its "
                                     "backups (just listed), then its snapshots") {
    const auto snapshot =
        px_volume("s1", test::set_snapshot_labels("41", "2026-11-27T10:00:00Z"), "vol-0");
    const auto backup = test::cloud_backup("orders-backups/vol-0-s1", "41", "s1");
    expect_staging_side();
    px->expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, px_volumes(json::array({snapshot}))); // the source side's sets
    expect_set_objects(json::array({snapshot}));
    px->expect(Method::get, "/v1/credentials").reply(200, test::credential_list());
    px->expect(Method::get, "/v1/credentials/inspect/" + test::k_backup_credential)
        .reply(200, test::credential_inspect());
    px->expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .reply(200, json{{"backups", {backup}}});
    px->expect(Method::del, k_backup_path).reply(200, json::object());
    px->expect(Method::del, "/v1/volumes/s1").reply(200, json::object());
    expect_set_objects(json::array()); // the check that nothing of the set remains

    run_two({.expired = false, .all = false, .snapshots = true});
    CHECK(out.str() == "teardown of run 41 and snapshot set 41: 1 object to delete\n"
                       "cloud backup orders-backups/vol-0-s1 of prod/data deleted\n"
                       "portworx volume s1 (s1) deleted\n"
                       "teardown complete: 1 object and 1 cloud backup deleted\n");
}

TEST_CASE_FIXTURE(TwoClusterFixture, "teardown --snapshots --dry-run with a staging cluster: "
                                     "prints the backups' and the snapshots' DELETEs, sends no "
                                     "write") {
    globals.dry_run = true;
    const auto snapshot =
        px_volume("s1", test::set_snapshot_labels("41", "2026-11-27T10:00:00Z"), "vol-0");
    expect_staging_side();
    px->expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, px_volumes(json::array({snapshot})));
    expect_set_objects(json::array({snapshot}));
    px->expect(Method::get, "/v1/credentials").reply(200, test::credential_list());
    px->expect(Method::get, "/v1/credentials/inspect/" + test::k_backup_credential)
        .reply(200, test::credential_inspect());
    px->expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .reply(200, json{{"backups", {test::cloud_backup("orders-backups/vol-0-s1", "41", "s1")}}});

    run_two({.expired = false, .all = false, .snapshots = true});
    CHECK(out.str() == "teardown of run 41 and snapshot set 41: 1 object to delete (dry run)\n"
                       "  DELETE " +
                           k_backup_path +
                           "\n"
                           "  DELETE /v1/volumes/s1   # portworx volume s1 (s1)\n");
}

TEST_CASE_FIXTURE(TwoClusterFixture, "teardown --snapshots: a backup that cannot be deleted "
                                     "keeps the set's snapshots (exit 5)") {
    const auto snapshot =
        px_volume("s1", test::set_snapshot_labels("41", "2026-11-27T10:00:00Z"), "vol-0");
    const json listed{{"backups", {test::cloud_backup("orders-backups/vol-0-s1", "41", "s1")}}};
    expect_staging_side();
    px->expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, px_volumes(json::array({snapshot})));
    expect_set_objects(json::array({snapshot}));
    px->expect(Method::get, "/v1/credentials").reply(200, test::credential_list());
    px->expect(Method::get, "/v1/credentials/inspect/" + test::k_backup_credential)
        .reply(200, test::credential_inspect());
    px->expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, listed);
    px->expect(Method::del, k_backup_path)
        .reply(500, R"({"error":"store down","code":13,"message":"store down"})");
    px->expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, listed);
    // No DELETE of s1: the strict fake fails the test if one is sent.

    try {
        run_two({.expired = false, .all = false, .snapshots = true});
        FAIL("teardown succeeded with a backup left");
    } catch (const Error& error) {
        CHECK(error.code() == ExitCode::partial);
        CHECK(std::string(error.what()).find("1 cloud backup could not be deleted") !=
              std::string::npos);
    }
}
