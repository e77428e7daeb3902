// `pxclone deploy-staging` through the composition root: a Session on strict fakes of both APIs.
// The dry run walks the same plan through the dry-run runner and sends only reads; the refusals
// (no such set, another run's namespace) stop before any write. With staging.cluster the whole
// deploy is on the staging side's fakes, the volumes restored from the set's cloud backups.
#include "pxclone/commands/deploy_staging.hpp"
#include "pxclone/error.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_session.hpp"

using namespace pxclone;
using http::Method;
using nlohmann::json;
using test::k_not_found;

namespace {

// Set 40's snapshot of prod/data, as the catalog's inspectwithfilters returns it.
json sets_reply() {
    return test::px_volumes(json::array({test::px_volume(
        "snap-40", test::set_snapshot_labels("40", "2026-11-27T10:00:00Z"), "vol-0")}));
}

// What pxclone labels run 40's staging namespace with.
json staged_by_run_40() {
    auto labels = test::pxclone_labels("40", "staging", "");
    labels.erase("pxclone.io/snapshot-set");
    return labels;
}

struct Fixture : test::FakeSession {
    cmd::LoadedProfile loaded = test::orders_profile("41");

    Fixture() { globals.run_id = "41"; }

    // The sets, then the source PVC of set 40's one snapshot (gone from production: the
    // profile's defaults describe it).
    void expect_set_40() {
        px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, sets_reply());
        kube->expect(Method::get, "/api/v1/namespaces/prod/persistentvolumeclaims/data")
            .reply(404, k_not_found);
    }

    void run(const cmd::DeployOptions& options = {}) {
        cmd::validate_deploy_staging(options);
        auto session = this->session(loaded.profile, cmd::ClusterSide::staging);
        cmd::deploy_staging(*session, globals, loaded, options, environment, streams());
    }
};

} // namespace

TEST_CASE_FIXTURE(Fixture, "deploy-staging --dry-run: the dry-run runner prints the plan's "
                           "writes; only reads are sent") {
    globals.dry_run = true;
    expect_set_40();

    run();
    const auto printed = out.str();
    CHECK(printed.find("POST /api/v1/namespaces {") != std::string::npos);
    CHECK(printed.find("POST /v1/volumes/clone {") != std::string::npos);
    CHECK(printed.find("\"pxclone.io/snapshot-set\":\"40\"") != std::string::npos);
    CHECK(printed.find("ready in") == std::string::npos); // no report of what does not exist
    for (const auto& request : kube->requests()) {
        CHECK(request.method == Method::get);
    }
}

TEST_CASE_FIXTURE(Fixture, "deploy-staging refuses a snapshot set that does not exist (exit 3)") {
    px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, sets_reply());
    try {
        run({.snapshot_set = "39"});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::not_found);
        CHECK(std::string(e.what()) == "snapshot set 39 of profile orders not found");
    }
}

TEST_CASE_FIXTURE(Fixture, "deploy-staging refuses a profile without a snapshot set (exit 3)") {
    px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, test::no_volumes());
    CHECK_THROWS_AS(run(), NotFoundError);
}

TEST_CASE_FIXTURE(Fixture, "deploy-staging refuses an existing environment of another run") {
    expect_set_40();
    kube->expect(Method::get, "/api/v1/namespaces/stg")
        .reply(200, json{{"metadata", {{"name", "stg"}, {"labels", staged_by_run_40()}}}});
    try {
        run();
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::usage);
        CHECK(std::string(e.what()) ==
              "namespace stg exists and was not created by pxclone for run 41");
    }
    CHECK(out.str().empty());
}

// A profile with staging.cluster and a transfer: deploy-staging runs on the staging side (kube_b,
// px_b), and the source side (kube, px) must get no request at all.
struct TwoClusterFixture : Fixture {
    TwoClusterFixture() { loaded = test::two_cluster_profile("41"); }

    // The staging credential, then set 40's one backup (of prod/data), on the staging cluster.
    void expect_backups_of_40(const std::string& set = "40") {
        px_b->expect(Method::get, "/v1/credentials").reply(200, test::credential_list());
        px_b->expect(Method::get, "/v1/credentials/inspect/" + test::k_backup_credential)
            .reply(200, test::credential_inspect());
        auto filter =
            json{{"credential_id", test::k_backup_credential},
                 {"all", true},
                 {"metadata_filter",
                  {{"app.kubernetes.io/managed-by", "pxclone"}, {"pxclone.io/profile", "orders"}}}};
        if (!set.empty()) {
            filter["metadata_filter"]["pxclone.io/snapshot-set"] = set;
        }
        auto backup = test::cloud_backup(k_backup_40, "40", "prod/data", "snap-40", "Done");
        backup["metadata"]["pxclone.io/set-size"] = "1"; // the profile's one PVC
        px_b->expect(Method::post, "/v1/cloudbackups/enumerate/filters")
            .body(filter)
            .reply(200, json{{"backups", {backup}}});
    }

    void check_source_untouched() {
        CHECK(kube->requests().empty());
        CHECK(px->requests().empty());
    }

    static inline const std::string k_backup_40 = "cluster-a/vol-0-snap-40";
};

TEST_CASE_FIXTURE(TwoClusterFixture, "deploy-staging in a staging cluster of its own: the set "
                                     "found by its backups there, each volume restored from its "
                                     "backup behind a static PV + PVC, all on the staging side") {
    expect_backups_of_40();
    kube_b->expect(Method::get, "/api/v1/namespaces/stg").reply(404, k_not_found);
    kube_b->expect(Method::post, "/api/v1/namespaces")
        .reply(201, json{{"metadata", {{"name", "stg"}}}});
    // The volume: restored from set 40's backup with the staging credential, labelled, Done.
    px_b->expect(Method::post, "/v1/volumes/inspectwithfilters")
        .body({{"name", "orders-41-clone-data"}})
        .reply(200, "{}");
    px_b->expect(Method::post, "/v1/cloudbackups/restore")
        .reply(200, json{{"restore_volume_id", "rv-1"}});
    px_b->expect(Method::put, "/v1/volumes/rv-1").reply(200, "{}");
    px_b->expect(Method::post, "/v1/cloudbackups/status")
        .body({{"volume_id", "rv-1"}})
        .reply(200, test::cloud_restore_status("rv-1", "Done"));
    kube_b->expect(Method::post, "/api/v1/persistentvolumes")
        .reply(201, json{{"metadata", {{"name", "orders-41-data"}}}});
    kube_b->expect(Method::post, "/api/v1/namespaces/stg/persistentvolumeclaims")
        .reply(201, json{{"metadata", {{"name", "data"}}}});
    // The baseline snapshot is of the restored volume.
    px_b->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, test::no_volumes());
    px_b->expect(Method::post, "/v1/volumes/snapshots").reply(200, json{{"snapshot_id", "bl-1"}});
    kube_b
        ->expect(Method::get, "/api/v1/namespaces/stg/persistentvolumeclaims?fieldSelector="
                              "metadata.name%3Ddata&limit=500")
        .reply(200, test::list_of(
                        json::array({json{{"metadata", {{"name", "data"}, {"namespace", "stg"}}},
                                          {"status", {{"phase", "Bound"}}}}})));
    kube_b->expect(Method::patch, "/api/v1/namespaces/stg")
        .reply(200, json{{"metadata", {{"name", "stg"}}}});

    run({.snapshot_set = "40"});
    CHECK(kube_b->exhausted());
    CHECK(px_b->exhausted());
    check_source_untouched();
    const auto sent = [this](const std::string& path) {
        for (const auto& request : px_b->requests()) {
            if (request.url.ends_with(path)) {
                return json::parse(request.body);
            }
        }
        for (const auto& request : kube_b->requests()) {
            if (request.url.ends_with(path)) {
                return json::parse(request.body);
            }
        }
        return json();
    };
    const auto restore = sent("/v1/cloudbackups/restore");
    CHECK(restore["backup_id"] == k_backup_40);
    CHECK(restore["credential_id"] == test::k_backup_credential);
    CHECK(restore["restore_volume_name"] == "orders-41-clone-data");
    CHECK(sent("/v1/volumes/snapshots")["volume_id"] == "rv-1");
    const auto pv = sent("/api/v1/persistentvolumes");
    CHECK(pv["spec"]["csi"]["volumeHandle"] == "rv-1");
    CHECK(pv["spec"]["capacity"]["storage"] == "1Gi");
    CHECK(pv["metadata"]["labels"]["pxclone.io/snapshot-set"] == "40");
    CHECK(sent("/api/v1/namespaces/stg/persistentvolumeclaims")["spec"]["volumeName"] ==
          pv["metadata"]["name"]);
}

TEST_CASE_FIXTURE(TwoClusterFixture, "deploy-staging in a staging cluster of its own --dry-run: "
                                     "the set found by its backups there, each volume restored "
                                     "from its backup into a static PV + PVC; the source cluster "
                                     "gets no request") {
    globals.dry_run = true;
    expect_backups_of_40("");

    run();
    const auto printed = out.str();
    CHECK(printed.find("POST /api/v1/namespaces {") != std::string::npos);
    CHECK(printed.find("POST /v1/cloudbackups/restore {\"backup_id\":\"" + k_backup_40) !=
          std::string::npos);
    CHECK(printed.find("POST /api/v1/persistentvolumes {") != std::string::npos);
    CHECK(printed.find("POST /api/v1/namespaces/stg/persistentvolumeclaims {") !=
          std::string::npos);
    CHECK(printed.find("POST /v1/volumes/clone") == std::string::npos);
    CHECK(printed.find("\"pxclone.io/snapshot-set\":\"40\"") != std::string::npos);
    check_source_untouched();
}

TEST_CASE_FIXTURE(TwoClusterFixture, "deploy-staging in a staging cluster of its own: a set "
                                     "without backups there is exit 3") {
    px_b->expect(Method::get, "/v1/credentials").reply(200, test::credential_list());
    px_b->expect(Method::get, "/v1/credentials/inspect/" + test::k_backup_credential)
        .reply(200, test::credential_inspect());
    px_b->expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .reply(200, json{{"backups", json::array()}});
    try {
        run({.snapshot_set = "39"});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::not_found);
        CHECK(std::string(e.what()).find("39") != std::string::npos);
    }
    CHECK(out.str().empty());
    check_source_untouched();
}

TEST_CASE_FIXTURE(TwoClusterFixture, "deploy-staging --fresh in a staging cluster of its own is "
                                     "refused (exit 2) before any request") {
    try {
        run({.fresh = true});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::usage);
        CHECK(std::string(e.what()).find("staging.cluster") != std::string::npos);
        CHECK(e.hint().find("pxclone snapshot") != std::string::npos);
    }
    check_source_untouched();
    CHECK(kube_b->requests().empty());
    CHECK(px_b->requests().empty());
}

TEST_CASE("deploy-staging validates its flags") {
    CHECK_THROWS_AS(cmd::validate_deploy_staging({.snapshot_set = "40", .fresh = true}),
                    UsageError);
    CHECK_THROWS_AS(cmd::validate_deploy_staging({.skip_hooks = true}), UsageError);
    CHECK_NOTHROW(cmd::validate_deploy_staging({.fresh = true, .skip_hooks = true}));
}
