// Restore's discovery against strict fakes of both APIs: every read it makes is scripted in order,
// an unexpected one fails the test. The plans it hands on are checked where discovery decides
// (roll back or swap, the target set, the baselines, the workloads, the refusals).
#include "pxclone/discover/restore.hpp"
#include "pxclone/error.hpp"
#include "pxclone/profile/loader.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"
#include "support/fixtures.hpp"

using namespace pxclone;
using http::Method;
using nlohmann::json;
using test::FakeTransport;
using test::k_not_found;

namespace {

using test::deployment_mounting_data;
using test::list_of;
using test::staging_pv;
using test::staging_pvc;

json ours(const std::string& set, json extra = json::object()) {
    auto labels = test::pxclone_labels("41", "staging", set);
    labels.update(extra);
    return labels;
}

// A Portworx volume as inspect returns it.
json inspected(const std::string& id, const std::string& parent, json labels) {
    return {{"volume", test::px_volume(id, std::move(labels), parent)}};
}

json baselines_reply() {
    return test::px_volumes(json::array({inspected("base-1", "clone-1", test::baseline_labels())}));
}

// Set 42's snapshot of prod/data, as the catalog's inspectwithfilters returns it.
json sets_reply() {
    return test::px_volumes(json::array(
        {inspected("snap-42", "vol-0", test::set_snapshot_labels("42", "2026-11-27T10:00:00Z"))}));
}

// The profile as a user writes it; `snapshot`: its snapshot section.
profile::Profile orders(const std::string& snapshot = "method: portworx") {
    const util::MapEnvironment environment{{}};
    profile::LoadOptions options;
    options.substitution.environment = &environment;
    options.substitution.run_id = "41";
    auto loaded = profile::load_profile(fmt::format(R"(version: 1
name: orders
source: {{namespace: prod, pvcs: [data]}}
snapshot: {{{}}}
staging: {{namespace: stg, ttl: 24h}}
)",
                                                    snapshot),
                                        options);
    REQUIRE_MESSAGE(loaded.diagnostics.empty(), profile::format_all(loaded.diagnostics).front());
    return std::move(*loaded.profile);
}

const std::string k_pvc = "/api/v1/namespaces/stg/persistentvolumeclaims/data";
const std::string k_run_selector = "labelSelector=app.kubernetes.io%2Fmanaged-by%3Dpxclone%2C"
                                   "pxclone.io%2Fprofile%3Dorders%2Cpxclone.io%2Frole%3Dstaging%2C"
                                   "pxclone.io%2Frun%3D41&limit=500";

struct Fixture {
    FakeTransport kube_fake;
    FakeTransport px_fake{"https://px.test:9021"};
    k8s::Client kube{kube_fake, "https://k8s.test"};
    px::Client portworx{px_fake, "https://px.test:9021"};
    util::WorkerPool pool{1};
    test::FakeClock clock;
    util::MapEnvironment environment{{}};
    std::vector<std::string> notes;
    profile::RunInfo run{.id = "41"};
    // This cluster's snapshots (the catalog), as in one cluster.
    std::unique_ptr<discover::SetSource> local_sets = discover::make_snapshot_set_source(
        kube, [this]() -> const px::Client& { return portworx; }, pool);
    const discover::SetSource* sets = local_sets.get();

    discover::RestoreReaders readers() {
        return {.kube = kube,
                .portworx = [this]() -> const px::Client& { return portworx; },
                .pool = pool,
                .sets = *sets,
                .clock = clock,
                .environment = environment,
                .note =
                    [this](const std::string& line) {
                        notes.push_back(line);
                    }};
    }

    // What an in-place discovery of pvc/data in stg reads first: the staging PVC (twice) and
    // its PV.
    void expect_staging_pvc_and_pv() {
        kube_fake.expect(Method::get, k_pvc).reply(200, staging_pvc());
        kube_fake.expect(Method::get, k_pvc).reply(200, staging_pvc());
        kube_fake.expect(Method::get, "/api/v1/persistentvolumes/pv-data").reply(200, staging_pv());
    }

    // The clone behind the staging PVC, made by this run from set 41 (the one a swap replaces).
    void expect_clone_of_41() {
        px_fake.expect(Method::get, "/v1/volumes/inspect/clone-1")
            .reply(200, inspected("clone-1", "snap-41", ours("41")));
    }

    // What every in-place discovery reads last: the workloads of the namespace (the statefulsets
    // first, as the arguments are evaluated) and the namespace, on set 41.
    void expect_workloads_and_namespace(const json& deployments) {
        kube_fake.expect(Method::get, "/apis/apps/v1/namespaces/stg/statefulsets?limit=500")
            .reply(200, list_of(json::array()));
        kube_fake.expect(Method::get, "/apis/apps/v1/namespaces/stg/deployments?limit=500")
            .reply(200, list_of(deployments));
        kube_fake.expect(Method::get, "/api/v1/namespaces/stg")
            .reply(200, json{{"metadata", {{"name", "stg"}, {"labels", ours("41")}}}});
    }

    // What --new-pvc reads first: its namespace, and the profile's sets.
    void expect_namespace_and_sets() {
        kube_fake.expect(Method::get, "/api/v1/namespaces/dev")
            .reply(200, json{{"metadata", {{"name", "dev"}}}});
        px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, sets_reply());
    }

    plan::RestorePlan in_place(discover::InPlaceRequest request,
                               const profile::Profile& profile = orders()) {
        return discover::discover_in_place(readers(), profile, run, request);
    }
};

} // namespace

TEST_CASE_FIXTURE(Fixture, "in place: a PVC on its own set is rolled back to its baseline") {
    expect_staging_pvc_and_pv();
    px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, baselines_reply());
    expect_workloads_and_namespace(json::array({deployment_mounting_data()}));

    const auto plan = in_place({.ns = "stg", .pvcs = {"data"}});
    CHECK(plan.ns == "stg");
    CHECK(plan.snapshot_set == "41");
    CHECK(plan.swaps.empty());
    REQUIRE(plan.volumes.size() == 1);
    CHECK(plan.volumes[0].clone_id == "clone-1");
    CHECK(plan.volumes[0].baseline_id == "base-1");
    REQUIRE(plan.workloads.size() == 1);
    CHECK(plan.workloads[0].label() == "deployment/app");
    CHECK(plan.workloads[0].replicas == 2);
}

TEST_CASE_FIXTURE(Fixture, "in place: --snapshot of another set swaps the PVC to its snapshot") {
    expect_staging_pvc_and_pv();
    // The old clone is deleted once replaced: it must be this run's.
    expect_clone_of_41();
    px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, sets_reply());
    kube_fake.expect(Method::get, "/api/v1/namespaces/prod/persistentvolumeclaims/data")
        .reply(404, k_not_found);
    px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, baselines_reply());
    expect_workloads_and_namespace(json::array());
    kube_fake.expect(Method::get, "/api/v1/namespaces/stg/persistentvolumeclaims?" + k_run_selector)
        .reply(200, list_of(json::array({staging_pvc()})));

    const auto plan = in_place({.ns = "stg", .pvcs = {"data"}, .snapshot_set = "42"});
    CHECK(plan.snapshot_set == "42");
    CHECK(plan.volumes.empty());
    REQUIRE(plan.swaps.size() == 1);
    const auto& swap = plan.swaps[0];
    CHECK(swap.pvc == "data");
    CHECK(swap.old_clone_id == "clone-1");
    CHECK(swap.old_pv == "pv-data");
    CHECK(swap.old_baselines == std::vector<std::string>{"base-1"});
    CHECK(swap.target.snapshot_id == "snap-42");
    CHECK(plan.baselines);
    // Every staging PVC of the run is then on set 42: the namespace's label follows.
    CHECK(plan.steps.back().kind == plan::RestoreStepKind::relabel_namespace);
}

TEST_CASE_FIXTURE(Fixture, "in place, csi: the PVC is made again from the set's VolumeSnapshot") {
    auto pvc = staging_pvc();
    pvc["spec"]["dataSource"] = {
        {"apiGroup", "snapshot.storage.k8s.io"}, {"kind", "VolumeSnapshot"}, {"name", "data"}};
    auto pv = staging_pv();
    pv["spec"]["csi"]["volumeHandle"] = "prov-1";
    const json volume_snapshot{
        {"metadata", {{"name", "data"}, {"namespace", "stg"}, {"labels", ours("41")}}},
        {"spec", {{"source", {{"volumeSnapshotContentName", "content-data"}}}}}};
    const json csi_set_snapshot{{"metadata",
                                 {{"name", "orders-41-data"},
                                  {"namespace", "prod"},
                                  {"labels",
                                   {{"app.kubernetes.io/managed-by", "pxclone"},
                                    {"pxclone.io/profile", "orders"},
                                    {"pxclone.io/run", "41"},
                                    {"pxclone.io/role", "snapshot"},
                                    {"pxclone.io/snapshot-set", "41"}}},
                                  {"annotations", {{"pxclone.io/source", "prod/data"}}}}},
                                {"status", {{"readyToUse", true}, {"restoreSize", "1Gi"}}}};

    kube_fake.expect(Method::get, k_pvc).reply(200, pvc);
    kube_fake.expect(Method::get, k_pvc).reply(200, pvc);
    px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, "{}");
    kube_fake
        .expect(Method::get,
                "/apis/snapshot.storage.k8s.io/v1/namespaces/prod/volumesnapshots?labelSelector="
                "app.kubernetes.io%2Fmanaged-by%3Dpxclone%2Cpxclone.io%2Fprofile%3Dorders%2C"
                "pxclone.io%2Frole%3Dsnapshot&limit=500")
        .reply(200, list_of(json::array({csi_set_snapshot})));
    kube_fake
        .expect(Method::get, "/apis/snapshot.storage.k8s.io/v1/namespaces/stg/volumesnapshots/data")
        .reply(200, volume_snapshot);
    kube_fake.expect(Method::get, "/api/v1/namespaces/prod/persistentvolumeclaims/data")
        .reply(404, k_not_found);
    kube_fake.expect(Method::get, "/api/v1/persistentvolumes/pv-data").reply(200, pv);
    expect_workloads_and_namespace(json::array());

    const auto plan =
        in_place({.ns = "stg", .pvcs = {"data"}}, orders("method: csi, class: px-csi-snapclass"));
    CHECK(plan.snapshot_set == "41");
    REQUIRE(plan.swaps.size() == 1);
    const auto& swap = plan.swaps[0];
    CHECK(swap.target.method == profile::SnapshotMethod::csi);
    // Its own VolumeSnapshot is of the target set: reused, not replaced; the provisioned volume
    // goes.
    CHECK(swap.old_snapshot.empty());
    CHECK(swap.old_clone_id == "prov-1");
    CHECK(swap.old_pv == "pv-data");
    CHECK_FALSE(plan.baselines);
}

TEST_CASE_FIXTURE(Fixture, "in place refuses the source namespace without a request") {
    CHECK_THROWS_AS(in_place({.ns = "prod", .pvcs = {"data"}}), UsageError);
}

TEST_CASE_FIXTURE(Fixture, "in place refuses a PVC pxclone did not make (a production PVC)") {
    json production{{"metadata", {{"name", "data"}, {"namespace", "stg"}}}};
    kube_fake.expect(Method::get, k_pvc).reply(200, production);
    kube_fake.expect(Method::get, k_pvc).reply(200, production);
    try {
        in_place({.ns = "stg", .pvcs = {"data"}});
        FAIL("no refusal");
    } catch (const UsageError& error) {
        CHECK(std::string(error.what()).find("restore refused") != std::string::npos);
        REQUIRE(error.details().size() == 1);
        CHECK(error.details()[0].find("managed-by=pxclone") != std::string::npos);
    }
}

TEST_CASE_FIXTURE(Fixture, "in place: an unknown PVC is not found once no swap left it") {
    kube_fake.expect(Method::get, k_pvc).reply(404, k_not_found);
    kube_fake.expect(Method::get, "/api/v1/persistentvolumes?" + k_run_selector)
        .reply(200, list_of(json::array()));
    CHECK_THROWS_WITH_AS(in_place({.ns = "stg", .pvcs = {"data"}}),
                         "persistentvolumeclaim stg/data not found", NotFoundError);
}

TEST_CASE_FIXTURE(Fixture, "in place --all: a run without staging PVCs is not found") {
    kube_fake.expect(Method::get, "/api/v1/namespaces/stg/persistentvolumeclaims?" + k_run_selector)
        .reply(200, list_of(json::array()));
    kube_fake.expect(Method::get, "/api/v1/persistentvolumes?" + k_run_selector)
        .reply(200, list_of(json::array()));
    CHECK_THROWS_WITH_AS(in_place({.ns = "stg", .all = true}),
                         "run 41 of profile orders has no staging PVC in namespace stg",
                         NotFoundError);
}

TEST_CASE_FIXTURE(Fixture, "--new-pvc plans one volume from the set's snapshot, nothing else") {
    expect_namespace_and_sets();
    kube_fake.expect(Method::get, "/api/v1/namespaces/dev/persistentvolumeclaims/copy")
        .reply(404, k_not_found);
    kube_fake.expect(Method::get, "/api/v1/namespaces/prod/persistentvolumeclaims/data")
        .reply(404, k_not_found);

    const auto found = discover::discover_new_pvc(
        readers(), orders(), run,
        {.ns = "dev", .pvc = "copy", .from = "data", .snapshot_set = "42"});
    CHECK(found.plan.lineage.run == "41");
    CHECK(found.plan.lineage.snapshot_set == "42");
    CHECK(found.plan.staging_namespace == "dev");
    REQUIRE(found.plan.volumes.size() == 1);
    CHECK(found.plan.volumes[0].staging_pvc == "copy");
    CHECK(found.plan.volumes[0].source == "prod/data");
    REQUIRE(found.plan.steps.size() == 2);
    CHECK(found.plan.steps[0].kind == plan::StepKind::make_volumes);
    CHECK(notes.empty());
}

TEST_CASE_FIXTURE(Fixture, "--new-pvc: a set that does not exist is not found") {
    expect_namespace_and_sets();
    CHECK_THROWS_WITH_AS(discover::discover_new_pvc(
                             readers(), orders(), run,
                             {.ns = "dev", .pvc = "copy", .from = "data", .snapshot_set = "99"}),
                         "snapshot set 99 of profile orders not found", NotFoundError);
}

TEST_CASE_FIXTURE(Fixture, "--new-pvc refuses an existing PVC that is not its copy") {
    expect_namespace_and_sets();
    kube_fake.expect(Method::get, "/api/v1/namespaces/dev/persistentvolumeclaims/copy")
        .reply(200, json{{"metadata", {{"name", "copy"}, {"namespace", "dev"}}}});
    CHECK_THROWS_AS(discover::discover_new_pvc(
                        readers(), orders(), run,
                        {.ns = "dev", .pvc = "copy", .from = "data", .snapshot_set = "42"}),
                    UsageError);
}

TEST_CASE_FIXTURE(Fixture, "a swap refuses to replace a clone the run did not make") {
    expect_staging_pvc_and_pv();
    px_fake.expect(Method::get, "/v1/volumes/inspect/clone-1")
        .reply(200, inspected("clone-1", "snap-41", ours("41", {{"pxclone.io/run", "40"}})));
    CHECK_THROWS_WITH_AS(in_place({.ns = "stg", .pvcs = {"data"}, .snapshot_set = "42"}),
                         "pvc/data is bound to persistentvolume pv-data (Portworx volume clone-1), "
                         "which run 41 did not make; it is not replaced",
                         UsageError);
}

TEST_CASE_FIXTURE(Fixture, "a swap to another set waits for an unfinished one to be finished") {
    // The PV of an interrupted swap to set 42 still says what it replaces.
    auto pv = staging_pv();
    pv["metadata"]["labels"]["pxclone.io/snapshot-set"] = "42";
    pv["metadata"]["annotations"] = {{"pxclone.io/restore-replaces", "clone-0"}};
    kube_fake.expect(Method::get, k_pvc).reply(200, staging_pvc("42"));
    kube_fake.expect(Method::get, k_pvc).reply(200, staging_pvc("42"));
    kube_fake.expect(Method::get, "/api/v1/persistentvolumes/pv-data").reply(200, pv);
    CHECK_THROWS_WITH_AS(in_place({.ns = "stg", .pvcs = {"data"}, .snapshot_set = "43"}),
                         "pvc/data: a restore to snapshot set 42 is unfinished; finish it before "
                         "restoring to 43",
                         UsageError);
}

// ---- a staging cluster of its own: the sets are found by their cloud backups -------------------

namespace {

const std::string k_backup_42 = "cluster-a/vol-1-snap-42";

// The enumerate of set `set`'s backups (of profile orders) in the staging credential's store.
json set_backups_filter(const std::string& set) {
    return {{"credential_id", "stg-cred"},
            {"all", true},
            {"metadata_filter",
             {{"app.kubernetes.io/managed-by", "pxclone"},
              {"pxclone.io/profile", "orders"},
              {"pxclone.io/snapshot-set", set}}}};
}

// The Fixture, its sets found by their backups on this (the staging) cluster's Portworx; the
// credential's uuid counted as it is asked for.
struct BackupFixture : Fixture {
    int credentials = 0;
    std::unique_ptr<discover::SetSource> backups = discover::make_backup_set_source(
        [this]() -> const px::Client& { return portworx; }, "staging cluster",
        [this] {
            ++credentials;
            return std::string("stg-cred");
        });
    BackupFixture() { sets = backups.get(); }

    void expect_backups_of(const std::string& set, json backups_reply) {
        px_fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
            .body(set_backups_filter(set))
            .reply(200, json{{"backups", std::move(backups_reply)}});
    }
    // Set 42's one backup, of prod/data, in `state`.
    void expect_backup_of_42(const std::string& state, const std::string& size = "1073741824") {
        expect_backups_of("42", json::array({test::cloud_backup(k_backup_42, "42", "prod/data",
                                                                "snap-42", state, size)}));
    }
};

} // namespace

TEST_CASE_FIXTURE(BackupFixture, "in place, staging cluster: a roll-back to the baseline asks for "
                                 "no backup (nor the credential)") {
    expect_staging_pvc_and_pv();
    px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, baselines_reply());
    expect_workloads_and_namespace(json::array({deployment_mounting_data()}));

    const auto plan = in_place({.ns = "stg", .pvcs = {"data"}});
    REQUIRE(plan.volumes.size() == 1);
    CHECK(plan.volumes[0].baseline_id == "base-1");
    CHECK(plan.swaps.empty());
    CHECK(credentials == 0);
}

TEST_CASE_FIXTURE(BackupFixture, "in place, staging cluster: --snapshot of another set swaps the "
                                 "PVC to a restore of that set's backup, without the source PVC") {
    expect_staging_pvc_and_pv();
    expect_clone_of_41();
    // The set asked for by its id; no read of prod/data (it is in the source cluster).
    expect_backup_of_42("Done", "2147483648");
    px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, baselines_reply());
    expect_workloads_and_namespace(json::array());
    kube_fake.expect(Method::get, "/api/v1/namespaces/stg/persistentvolumeclaims?" + k_run_selector)
        .reply(200, list_of(json::array({staging_pvc()})));

    const auto plan = in_place({.ns = "stg", .pvcs = {"data"}, .snapshot_set = "42"});
    CHECK(plan.snapshot_set == "42");
    REQUIRE(plan.swaps.size() == 1);
    const auto& target = plan.swaps[0].target;
    CHECK(target.snapshot_id == k_backup_42);
    REQUIRE(target.clone.has_value());
    // The cloud restore runner restores the clone's parent: the backup.
    CHECK(target.clone->parent_id == k_backup_42);
    CHECK(target.clone->name == "orders-41-clone-data-42");
    CHECK(plan.swaps[0].old_baselines == std::vector<std::string>{"base-1"});
    CHECK(credentials == 1);
}

TEST_CASE_FIXTURE(BackupFixture, "in place, staging cluster: a set without a backup of the PVC's "
                                 "source is not found") {
    expect_staging_pvc_and_pv();
    expect_clone_of_41();
    expect_backups_of("42", json::array());
    CHECK_THROWS_WITH_AS(in_place({.ns = "stg", .pvcs = {"data"}, .snapshot_set = "42"}),
                         "snapshot set 42 of profile orders not found", NotFoundError);
}

TEST_CASE_FIXTURE(BackupFixture, "--new-pvc, staging cluster: one volume restored from the set's "
                                 "backup of the source PVC, sized by it") {
    kube_fake.expect(Method::get, "/api/v1/namespaces/dev")
        .reply(200, json{{"metadata", {{"name", "dev"}}}});
    expect_backup_of_42("Done", "2147483648");
    kube_fake.expect(Method::get, "/api/v1/namespaces/dev/persistentvolumeclaims/copy")
        .reply(404, k_not_found);

    const auto found = discover::discover_new_pvc(
        readers(), orders(), run,
        {.ns = "dev", .pvc = "copy", .from = "data", .snapshot_set = "42"});
    REQUIRE(found.plan.volumes.size() == 1);
    const auto& volume = found.plan.volumes[0];
    CHECK(volume.staging_pvc == "copy");
    CHECK(volume.source == "prod/data");
    REQUIRE(volume.clone.has_value());
    CHECK(volume.clone->parent_id == k_backup_42);
    // Its PV has the backup's size (the source PVC is in the other cluster).
    const auto pv = std::find_if(volume.objects.begin(), volume.objects.end(), [](const auto& o) {
        return o.resource.kind == "PersistentVolume";
    });
    REQUIRE(pv != volume.objects.end());
    CHECK(pv->object["spec"]["capacity"]["storage"] == "2Gi");
}

TEST_CASE_FIXTURE(BackupFixture, "--new-pvc, staging cluster: a backup not Done yet is refused") {
    kube_fake.expect(Method::get, "/api/v1/namespaces/dev")
        .reply(200, json{{"metadata", {{"name", "dev"}}}});
    expect_backup_of_42("Active");
    CHECK_THROWS_WITH_AS(discover::discover_new_pvc(
                             readers(), orders(), run,
                             {.ns = "dev", .pvc = "copy", .from = "data", .snapshot_set = "42"}),
                         "snapshot set 42 has no ready snapshot of prod/data", NotFoundError);
}
