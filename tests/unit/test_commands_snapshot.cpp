// `pxclone snapshot` through the composition root: a Session on strict fakes of both APIs, so every
// request the command sends is scripted in order. The dry run walks the same plan through the
// session's dry-run snapshot runner and sends only reads; the refusals stop before any write, and
// a set that cannot be complete is rolled back.
#include "pxclone/commands/snapshot.hpp"
#include "pxclone/error.hpp"

#include <algorithm>
#include <optional>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_session.hpp"

using namespace pxclone;
using http::Method;
using nlohmann::json;
using test::k_not_found;
using test::list_of;
using test::orders_selector;
using test::source_pv;
using test::source_pvc;

namespace {

// A snapshot of vol-0 (prod/data) of set `set`, as inspectwithfilters lists it.
json set_snapshot(const std::string& id, const std::string& set, const std::string& created_at,
                  const std::string& state = "VOLUME_STATE_DETACHED") {
    return test::px_volume(id, test::set_snapshot_labels(set, created_at), "vol-0", state);
}

const std::string k_sets = orders_selector("pxclone.io%2Frole%3Dstaging");

struct Fixture : test::FakeSession {
    cmd::LoadedProfile loaded = test::orders_profile("41", "method: portworx, keep: 1");

    Fixture() { globals.output = output::Format::json; }

    // Discovery: the endpoint, the source PVC and its PV.
    void expect_sources() {
        px->expect(Method::get, "/v1/identities/version")
            .reply(200, json{{"sdk_version", {{"version", "0.101.0"}}},
                             {"version", {{"driver", "pxd"}, {"version", "3.1.0"}}}});
        kube->expect(Method::get, "/api/v1/namespaces/prod/persistentvolumeclaims/data")
            .reply(200, source_pvc());
        kube->expect(Method::get, "/api/v1/persistentvolumes/pv-data").reply(200, source_pv());
    }

    // The plan's reads: run 41's snapshots of an earlier attempt (none), the profile's sets
    // (`sets`) and the environments that use them (`namespaces`) for retention.
    void expect_plan(const json& sets, const json& namespaces = json::array()) {
        px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, test::px_volumes());
        px->expect(Method::post, "/v1/volumes/inspectwithfilters")
            .reply(200, test::px_volumes(sets));
        kube->expect(Method::get, "/api/v1/namespaces?" + k_sets).reply(200, list_of(namespaces));
        kube->expect(Method::get, "/api/v1/persistentvolumeclaims?" + k_sets).reply(200, list_of());
        kube->expect(Method::get, "/api/v1/persistentvolumes?" + k_sets).reply(200, list_of());
        px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, test::px_volumes());
    }

    // What is labelled for set `run` (retention's objects of a set, teardown's finder): the
    // cluster-scoped kinds a portworx profile keeps (namespaces, PVs; no VolumeSnapshotContents),
    // then the set's Portworx volumes by its labels. A set is no staging run, so no namespaced kind
    // is listed.
    void expect_run_objects(const std::string& run, const json& snapshots) {
        const auto selector = orders_selector("pxclone.io%2Frun%3D" + run);
        for (const char* path : {"/api/v1/namespaces?", "/api/v1/persistentvolumes?"}) {
            kube->expect(Method::get, path + selector).reply(200, list_of());
        }
        px->expect(Method::post, "/v1/volumes/inspectwithfilters")
            .reply(200, test::px_volumes(snapshots));
    }

    // Every read before the first write, with set 40 (older, unused) beyond keep: 1.
    void expect_reads_with_older_set() {
        const auto older = set_snapshot("snap-40", "40", "2023-01-01T00:00:00Z");
        expect_sources();
        expect_plan(json::array({older}));
        expect_run_objects("40", json::array({older}));
    }

    // SnapshotCreate of prod/data as s1, then the readiness round's look-up of run 41's
    // snapshots by their labels, which finds s1 in `state`.
    void expect_create(const std::string& state) {
        px->expect(Method::post, "/v1/volumes/snapshots").reply(200, R"({"snapshot_id":"s1"})");
        px->expect(Method::post, "/v1/volumes/inspectwithfilters")
            .reply(200, test::px_volumes(json::array({set_snapshot("s1", "41", "", state)})));
    }

    void run() {
        auto session = this->session(loaded.profile);
        cmd::snapshot(*session, globals, loaded, false, streams());
    }

    // run(), which must fail: the Error it threw (nullopt when it did not).
    std::optional<Error> failure() {
        try {
            run();
        } catch (const Error& e) {
            return e;
        }
        return std::nullopt;
    }

    bool sent_a_write() const {
        for (const auto* fake : {kube.get(), px.get()}) {
            for (const auto& request : fake->requests()) {
                const bool read = request.method == Method::get ||
                                  request.url.ends_with("/v1/volumes/inspectwithfilters");
                if (!read) {
                    return true;
                }
            }
        }
        return false;
    }
};

} // namespace

TEST_CASE_FIXTURE(Fixture, "snapshot: creates the set's snapshot, waits until it is ready, "
                           "prunes the set beyond snapshot.keep, prints the SnapshotSet") {
    expect_reads_with_older_set();
    expect_create("VOLUME_STATE_AVAILABLE");
    px->expect(Method::del, "/v1/volumes/snap-40").reply(200, json::object());
    expect_run_objects("40", json::array()); // the check that nothing of set 40 remains

    run();
    const auto document = json::parse(out.str());
    CHECK(document.at("kind") == "SnapshotSet");
    CHECK(document.at("snapshotSet") == "41");
    CHECK(document.at("method") == "portworx");
    REQUIRE(document.at("snapshots").size() == 1);
    CHECK(document.at("snapshots")[0].at("snapshotId") == "s1");
    CHECK(document.at("snapshots")[0].at("reused") == false);
    CHECK(document.at("pruned") == json::array({"40"}));
    const auto requests = px->requests();
    const auto create = std::find_if(requests.begin(), requests.end(), [](const auto& request) {
        return request.url.ends_with("/v1/volumes/snapshots");
    });
    REQUIRE(create != requests.end());
    const auto body = json::parse(create->body);
    CHECK(body.at("volume_id") == "vol-0");
    CHECK(body.at("labels").at("pxclone.io/snapshot-set") == "41");
}

TEST_CASE_FIXTURE(Fixture, "snapshot --dry-run: the dry-run runner prints the SnapshotCreate and "
                           "retention's DELETE; only reads are sent") {
    globals.dry_run = true;
    expect_reads_with_older_set();

    run();
    const auto printed = out.str();
    CHECK(printed.find("POST /v1/volumes/snapshots {") == 0);
    CHECK(printed.find("\"pxclone.io/snapshot-set\":\"41\"") != std::string::npos);
    CHECK(printed.find("\nDELETE /v1/volumes/snap-40\n") != std::string::npos);
    CHECK(printed.find("\"kind\"") == std::string::npos); // no set is reported as taken
    CHECK_FALSE(sent_a_write());
}

TEST_CASE_FIXTURE(Fixture, "snapshot refuses a missing source PVC (exit 3) before any write") {
    px->expect(Method::get, "/v1/identities/version")
        .reply(200, json{{"sdk_version", {{"version", "0.101.0"}}}});
    kube->expect(Method::get, "/api/v1/namespaces/prod/persistentvolumeclaims/data")
        .reply(404, k_not_found);
    const auto error = failure();
    REQUIRE(error);
    CHECK(error->code() == ExitCode::not_found);
    CHECK(std::string(error->what()).find("orders") != std::string::npos);
    CHECK(out.str().empty());
    CHECK_FALSE(sent_a_write());
}

TEST_CASE_FIXTURE(Fixture, "snapshot keeps a set a live staging environment uses, even beyond "
                           "snapshot.keep") {
    expect_sources();
    expect_plan(json::array({set_snapshot("snap-40", "40", "2023-01-01T00:00:00Z")}),
                json::array({{{"metadata",
                               {{"name", "stg"},
                                {"labels", test::pxclone_labels("40", "staging", "40")}}}}}));
    expect_create("VOLUME_STATE_AVAILABLE");

    run();
    CHECK(json::parse(out.str()).at("pruned") == json::array());
}

TEST_CASE_FIXTURE(Fixture, "snapshot rolls back a set whose snapshot failed: the snapshot made is "
                           "found by its labels and deleted; nothing is pruned (exit 1)") {
    expect_reads_with_older_set();
    expect_create("VOLUME_STATE_ERROR");
    px->expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, test::px_volumes(json::array({set_snapshot("s1", "41", "")})));
    px->expect(Method::del, "/v1/volumes/s1").reply(200, json::object());

    const auto error = failure();
    REQUIRE(error);
    CHECK(error->code() == ExitCode::failed);
    CHECK(std::string(error->what()).find("41") != std::string::npos);
    CHECK(out.str().empty());
}

namespace {

// The set's backup filter (enumerate by pxclone's metadata of set `set`).
json backup_filter(const std::string& set) {
    return {{"credential_id", test::k_backup_credential},
            {"metadata_filter",
             {{"app.kubernetes.io/managed-by", "pxclone"},
              {"pxclone.io/profile", "orders"},
              {"pxclone.io/snapshot-set", set}}}};
}

// The profile with a transfer (staging in the same cluster: both credentials resolve there).
struct TransferFixture : Fixture {
    TransferFixture() {
        loaded = test::orders_profile("41", "method: portworx, keep: 1",
                                      "transfer: {credential: s3-orders}\n");
    }

    // The source credential, resolved once (list, inspect).
    void expect_credential() {
        px->expect(Method::get, "/v1/credentials").reply(200, test::credential_list());
        px->expect(Method::get, "/v1/credentials/inspect/" + test::k_backup_credential)
            .reply(200, test::credential_inspect());
    }
};

} // namespace

TEST_CASE_FIXTURE(TransferFixture, "snapshot with a transfer: the credential resolved once, each "
                                   "snapshot backed up with the set's labels until Done; "
                                   "retention deletes the pruned set's backups, then its "
                                   "snapshots") {
    const auto older = set_snapshot("snap-40", "40", "2023-01-01T00:00:00Z");
    expect_sources();
    expect_credential();
    // The plan's reads: the run's snapshots, then (cloudsnap) the set's backups of an earlier
    // attempt; retention's reads, then the pruned set's backups.
    px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, test::px_volumes());
    px->expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .body(backup_filter("41"))
        .reply(200, "{}");
    px->expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, test::px_volumes(json::array({older})));
    kube->expect(Method::get, "/api/v1/namespaces?" + k_sets).reply(200, list_of());
    kube->expect(Method::get, "/api/v1/persistentvolumeclaims?" + k_sets).reply(200, list_of());
    kube->expect(Method::get, "/api/v1/persistentvolumes?" + k_sets).reply(200, list_of());
    px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, test::px_volumes());
    expect_run_objects("40", json::array({older}));
    const auto old_backup = test::cloud_backup("orders-backups/vol-0-snap-40", "40", "snap-40");
    px->expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .body(backup_filter("40"))
        .reply(200, json{{"backups", {old_backup}}});
    // The snapshot, its readiness, its backup (its own task id) until Done.
    expect_create("VOLUME_STATE_AVAILABLE");
    px->expect(Method::post, "/v1/cloudbackups").reply(200, R"({"task_id":"pxclone-s1"})");
    px->expect(Method::post, "/v1/cloudbackups/status")
        .body({{"task_id", "pxclone-s1"}})
        .reply(200, json{{"statuses",
                          {{"pxclone-s1",
                            {{"backup_id", "orders-backups/vol-0-s1"},
                             {"status", "SdkCloudBackupStatusTypeDone"},
                             {"src_volume_id", "s1"}}}}}});
    // Retention: set 40's backup (just listed: no look-up before its DELETE), then its snapshot.
    px->expect(Method::del, "/v1/cloudbackups/backup/vol-0-snap-40?bucket=orders-backups&"
                            "credential_id=" +
                                test::k_backup_credential)
        .reply(200, json::object());
    px->expect(Method::del, "/v1/volumes/snap-40").reply(200, json::object());
    expect_run_objects("40", json::array());

    run();
    const auto document = json::parse(out.str());
    CHECK(document.at("snapshots")[0].at("snapshotId") == "s1");
    CHECK(document.at("pruned") == json::array({"40"}));
    const auto requests = px->requests();
    const auto backup = std::find_if(requests.begin(), requests.end(), [](const auto& request) {
        return request.url.ends_with("/v1/cloudbackups");
    });
    REQUIRE(backup != requests.end());
    const auto body = json::parse(backup->body);
    CHECK(body.at("volume_id") == "s1");
    CHECK(body.at("credential_id") == test::k_backup_credential);
    const auto& labels = body.at("labels");
    CHECK(labels.at("pxclone.io/snapshot-set") == "41");
    CHECK(labels.at("pxclone.io/run") == "41");
    CHECK(labels.at("pxclone.io/profile") == "orders");
    CHECK(labels.at("pxclone.io/source") == "prod/data");
    CHECK(labels.at("pxclone.io/snapshot-id") == "s1");
}

TEST_CASE_FIXTURE(TransferFixture, "snapshot with a transfer: a backup that cannot be deleted "
                                   "keeps the pruned set's snapshots (a warning; the new set is "
                                   "complete)") {
    const auto older = set_snapshot("snap-40", "40", "2023-01-01T00:00:00Z");
    expect_sources();
    expect_credential();
    px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, test::px_volumes());
    px->expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, "{}");
    px->expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, test::px_volumes(json::array({older})));
    kube->expect(Method::get, "/api/v1/namespaces?" + k_sets).reply(200, list_of());
    kube->expect(Method::get, "/api/v1/persistentvolumeclaims?" + k_sets).reply(200, list_of());
    kube->expect(Method::get, "/api/v1/persistentvolumes?" + k_sets).reply(200, list_of());
    px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, test::px_volumes());
    expect_run_objects("40", json::array({older}));
    const auto old_backup = test::cloud_backup("orders-backups/vol-0-snap-40", "40", "snap-40");
    const json listed{{"backups", {old_backup}}};
    px->expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, listed);
    expect_create("VOLUME_STATE_AVAILABLE");
    px->expect(Method::post, "/v1/cloudbackups").reply(200, R"({"task_id":"pxclone-s1"})");
    px->expect(Method::post, "/v1/cloudbackups/status")
        .reply(200,
               json{{"statuses", {{"pxclone-s1", {{"status", "SdkCloudBackupStatusTypeDone"}}}}}});
    px->expect(Method::del, "/v1/cloudbackups/backup/vol-0-snap-40?bucket=orders-backups&"
                            "credential_id=" +
                                test::k_backup_credential)
        .reply(500, R"({"error":"store down","code":13,"message":"store down"})");
    px->expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, listed);
    // No DELETE of snap-40: the strict fake fails the test if one is sent.
    globals.quiet = false;

    run();
    CHECK(json::parse(out.str()).at("pruned") == json::array());
    CHECK(err.str().find("kept until its cloud backups are deleted") != std::string::npos);
}
