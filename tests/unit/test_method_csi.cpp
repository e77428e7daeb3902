// method: csi against a strict fake of the Kubernetes API: every request it sends is scripted in
// order, an unexpected one fails the test; and its pure rules.
#include "pxclone/method/csi.hpp"
#include "pxclone/plan/staging_plan.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"

using namespace pxclone;
using http::Method;
using nlohmann::json;
using test::FakeTransport;

namespace {

const std::string k_snapshots = "/apis/snapshot.storage.k8s.io/v1/namespaces/prod/volumesnapshots";
const std::string k_name = "orders-r1-data";
// wait_for lists the one snapshot by name before it watches.
const std::string k_list_one =
    k_snapshots + "?fieldSelector=metadata.name%3D" + k_name + "&limit=500";

profile::Profile orders() {
    profile::Profile profile;
    profile.name = "orders";
    profile.source.source_namespace = "prod";
    profile.snapshot.method = profile::SnapshotMethod::csi;
    profile.snapshot.snapshot_class = "px-csi-snapclass";
    return profile;
}

plan::SnapshotPlan csi_plan(const std::vector<plan::ExistingSnapshot>& existing = {}) {
    return plan::plan_snapshot(
        method::csi(), orders(),
        {.profile = "orders", .run = "r1", .created_at = "2026-11-27T10:00:00Z"},
        {{.pvc = "data", .volume_id = "vol-1", .size_bytes = 1 << 20}}, existing);
}

json snapshot_list(json status) {
    json item{{"metadata", {{"name", k_name}, {"namespace", "prod"}}},
              {"spec", {{"source", {{"persistentVolumeClaimName", "data"}}}}}};
    if (!status.is_null()) {
        item["status"] = std::move(status);
    }
    return {{"metadata", {{"resourceVersion", "7"}}}, {"items", json::array({item})}};
}

struct Fixture {
    FakeTransport kube_fake;
    FakeTransport px_fake{"https://px.test:9021"};
    const k8s::Client kube{kube_fake, "https://k8s.test"};
    const px::Client portworx{px_fake, "https://px.test:9021"};
    test::FakeClock clock;
    test::FakeSleeper sleeper{clock};
    std::unique_ptr<exec::SnapshotBackend> backend =
        method::csi().backend(kube, portworx, {.clock = &clock, .sleeper = &sleeper});
    std::chrono::system_clock::time_point deadline = clock.now() + std::chrono::minutes(1);
};

} // namespace

TEST_CASE("csi rules: lineage text in annotations, a PVC from a VolumeSnapshot of the handle") {
    const auto& method = method::csi();
    CHECK(method.kind() == profile::SnapshotMethod::csi);
    CHECK(method.name() == "csi");
    CHECK(&method::of(profile::SnapshotMethod::csi) == &method);
    CHECK(&method::named("csi") == &method);
    CHECK(method.kept_kinds() ==
          std::vector<std::string>{"VolumeSnapshot", "VolumeSnapshotContent"});

    const auto plan = csi_plan();
    REQUIRE(plan.snapshots.size() == 1);
    CHECK(plan.method == profile::SnapshotMethod::csi);
    CHECK_FALSE(plan.snapshots[0].labels.contains("pxclone.io/source"));
    CHECK(plan.snapshots[0].annotations.at("pxclone.io/source") == "prod/data");

    const auto object = method::volume_snapshot_object(plan, plan.snapshots[0]);
    CHECK(object.at("metadata").at("namespace") == "prod");
    CHECK(object.at("spec").at("volumeSnapshotClassName") == "px-csi-snapclass");
    CHECK(object.at("spec").at("source").at("persistentVolumeClaimName") == "data");

    plan::StagingVolume volume{.source_pvc = "data", .staging_pvc = "db", .snapshot_id = "s1"};
    const auto made = method.staging_volume(orders(), {.profile = "orders", .run = "r2"}, "stg",
                                            volume, {.source_pvc = "data", .snapshot_id = "s1"});
    CHECK_FALSE(made.clone);
    REQUIRE(made.objects.size() == 3);
    CHECK(made.objects[0].resource.kind == "VolumeSnapshotContent");
    CHECK(made.objects[1].resource.kind == "VolumeSnapshot");
    CHECK(made.objects[2].resource.kind == "PersistentVolumeClaim");
    CHECK(method.reserved_names(made) == std::vector<std::string>{"VolumeSnapshot/db"});

    // Restore's swap reusing the set's staging VolumeSnapshot: only the PVC, made from it.
    const auto target = method.swap_target(
        made, {.profile = "orders", .run = "r2", .snapshot_set = "s8"}, "", "", "db");
    REQUIRE(target.objects.size() == 1);
    CHECK(target.objects[0].resource.kind == "PersistentVolumeClaim");
    CHECK(target.clone_id == "db");
}

TEST_CASE("csi take: a VolumeSnapshot, ready to use, its Portworx id from the content") {
    Fixture f;
    const auto plan = csi_plan();
    f.kube_fake.expect(Method::post, k_snapshots)
        .body(method::volume_snapshot_object(plan, plan.snapshots[0]))
        .reply(201, method::volume_snapshot_object(plan, plan.snapshots[0]));
    f.kube_fake.expect(Method::get, k_list_one)
        .reply(200, snapshot_list({{"readyToUse", true},
                                   {"boundVolumeSnapshotContentName", "snapcontent-1"}}));
    f.kube_fake
        .expect(Method::get,
                "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/snapcontent-1")
        .reply(200, json{{"metadata", {{"name", "snapcontent-1"}}},
                         {"status", {{"snapshotHandle", "px-snap-1"}}}});
    const auto taken = f.backend->take(plan, plan.snapshots[0], f.deadline);
    CHECK(taken.id == k_name);
    CHECK(taken.portworx_id == "px-snap-1");
    CHECK(taken.source == "prod/data");
    CHECK_FALSE(taken.reused);
}

TEST_CASE("csi take refuses a failed snapshot and a ready one without content") {
    Fixture f;
    const auto plan = csi_plan({{.id = k_name, .source = "prod/data"}});
    SUBCASE("the snapshot reports an error") {
        f.kube_fake.expect(Method::get, k_list_one)
            .reply(200, snapshot_list(
                            {{"readyToUse", false}, {"error", {{"message", "driver refused"}}}}));
        // The wait says why with what it can read (best effort; events may be absent).
        f.kube_fake.answer(404, "{}");
        CHECK_THROWS_WITH_AS(f.backend->take(plan, plan.snapshots[0], f.deadline),
                             doctest::Contains("driver refused"), Error);
    }
    SUBCASE("ready without a bound content") {
        f.kube_fake.expect(Method::get, k_list_one)
            .reply(200, snapshot_list({{"readyToUse", true}}));
        CHECK_THROWS_WITH_AS(f.backend->take(plan, plan.snapshots[0], f.deadline),
                             doctest::Contains("names no content"), Error);
    }
}

TEST_CASE("csi find_existing lists this run's VolumeSnapshots by label in the source namespace") {
    Fixture f;
    const auto plan = csi_plan();
    f.kube_fake.answer(200, snapshot_list(nullptr).dump());
    const auto existing = f.backend->find_existing(plan);
    REQUIRE(existing.size() == 1);
    CHECK(existing[0].id == k_name);
    CHECK(existing[0].source == "prod/data");
    const auto url = f.kube_fake.requests().at(0).url;
    CHECK(url.find(k_snapshots + "?labelSelector=") != std::string::npos);
    CHECK(url.find("pxclone.io%2Frun%3Dr1") != std::string::npos);
}

TEST_CASE("csi remove deletes the VolumeSnapshot; the dry-run lines are its requests") {
    Fixture f;
    const auto plan = csi_plan();
    f.kube_fake.expect(Method::del, k_snapshots + "/" + k_name).reply(200, "{}");
    f.backend->remove(plan, {.id = k_name});
    CHECK(f.backend->remove_request(plan, {.id = k_name}) ==
          "DELETE " + k_snapshots + "/" + k_name);
    CHECK(f.backend->create_request(plan, plan.snapshots[0]) ==
          "POST " + k_snapshots + " " +
              method::volume_snapshot_object(plan, plan.snapshots[0]).dump());
}
