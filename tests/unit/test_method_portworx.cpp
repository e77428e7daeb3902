// method: portworx against a strict fake of the SDK REST gateway: every request it sends is
// scripted in order, an unexpected one fails the test; and its pure rules.
#include "pxclone/method/portworx.hpp"
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

profile::Profile orders() {
    profile::Profile profile;
    profile.name = "orders";
    profile.source.source_namespace = "prod";
    profile.snapshot.method = profile::SnapshotMethod::portworx;
    return profile;
}

plan::SnapshotPlan portworx_plan(const std::vector<plan::ExistingSnapshot>& existing = {}) {
    return plan::plan_snapshot(
        method::portworx(), orders(),
        {.profile = "orders", .run = "r1", .created_at = "2026-11-27T10:00:00Z"},
        {{.pvc = "data", .volume_id = "vol-1", .size_bytes = 1 << 20}}, existing);
}

json inspected(const std::string& id, const std::string& parent, const std::string& state,
               json labels = json::object()) {
    return {{"volume",
             {{"id", id},
              {"source", {{"parent", parent}}},
              {"locator", {{"name", id}, {"volume_labels", std::move(labels)}}},
              {"spec", {{"size", "1048576"}}},
              {"state", state}}}};
}

// A px client and a k8s client over strict fakes; the method may use only the px one.
struct Fixture {
    FakeTransport px_fake{"https://px.test:9021"};
    FakeTransport kube_fake;
    const px::Client portworx{px_fake, "https://px.test:9021"};
    const k8s::Client kube{kube_fake, "https://k8s.test"};
    test::FakeClock clock;
    test::FakeSleeper sleeper{clock};
    std::unique_ptr<exec::SnapshotBackend> backend =
        method::portworx().backend(kube, portworx, {.clock = &clock, .sleeper = &sleeper});
    std::chrono::system_clock::time_point deadline = clock.now() + std::chrono::minutes(1);
};

} // namespace

TEST_CASE("portworx rules: every lineage label on the snapshot, a clone behind a static PV") {
    const auto& method = method::portworx();
    CHECK(method.kind() == profile::SnapshotMethod::portworx);
    CHECK(method.name() == "portworx");
    CHECK(&method::of(profile::SnapshotMethod::portworx) == &method);
    CHECK(&method::named("portworx") == &method);
    CHECK(&method::named("") == &method); // sets made before the method label
    CHECK(method.kept_kinds().empty());

    const auto plan = portworx_plan();
    REQUIRE(plan.snapshots.size() == 1);
    CHECK(plan.method == profile::SnapshotMethod::portworx);
    CHECK(plan.snapshots[0].labels.at("pxclone.io/source") == "prod/data");
    CHECK(plan.snapshots[0].annotations.empty());

    plan::StagingVolume volume{.source_pvc = "data", .staging_pvc = "data", .snapshot_id = "s1"};
    const auto made = method.staging_volume(orders(), {.profile = "orders", .run = "r2"}, "stg",
                                            volume, {.source_pvc = "data", .snapshot_id = "s1"});
    REQUIRE(made.clone);
    CHECK(made.clone->parent_id == "s1");
    REQUIRE(made.objects.size() == 2);
    CHECK(made.objects[0].resource.kind == "PersistentVolume");
    CHECK(made.objects[1].resource.kind == "PersistentVolumeClaim");
    CHECK(method.reserved_names(made).empty());

    // Restore's swap: the clone and PV named for the set, the PV saying what it replaces.
    const auto target = method.swap_target(
        made, {.profile = "orders", .run = "r2", .snapshot_set = "s8"}, "clone-old", "pv-old", "");
    REQUIRE(target.clone);
    CHECK(target.clone->name == "orders-r2-clone-data-s8");
    CHECK(target.objects[0].object.at("metadata").at("name") == "orders-r2-data-s8");
}

// await_ready's look-up: the run's snapshots by their labels, answered with `volumes`.
auto& expect_lookup(FakeTransport& fake, std::vector<json> volumes) {
    return fake.expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, json{{"volumes", std::move(volumes)}});
}

// await_ready on the plan's only snapshot, taken as `taken`: its error, rethrown.
void await_one(Fixture& f, const plan::SnapshotPlan& plan, const exec::TakenSnapshot& taken) {
    const auto errors = f.backend->await_ready(plan, {taken}, {0}, f.deadline);
    REQUIRE(errors.size() == 1);
    if (errors[0]) {
        std::rethrow_exception(errors[0]);
    }
}

TEST_CASE("portworx take: SnapshotCreate; await_ready looks the set up until it is available") {
    Fixture f;
    const auto plan = portworx_plan();
    f.px_fake.expect(Method::post, "/v1/volumes/snapshots")
        .body(px::to_json(method::portworx_snapshot_request(plan.snapshots[0])))
        .reply(200, R"({"snapshot_id":"s1"})");
    const auto taken = f.backend->take(plan, plan.snapshots[0], f.deadline);
    CHECK(taken.id == "s1");
    CHECK(taken.portworx_id == "s1");
    CHECK(taken.source == "prod/data");
    CHECK_FALSE(taken.reused);
    // One look-up per round for the whole set, not one inspect per snapshot.
    expect_lookup(f.px_fake, {inspected("s1", "vol-1", "VOLUME_STATE_PENDING")});
    expect_lookup(f.px_fake, {inspected("s1", "vol-1", "VOLUME_STATE_AVAILABLE")});
    CHECK_NOTHROW(await_one(f, plan, taken));
}

TEST_CASE("portworx take: a snapshot of an earlier attempt is checked, not made again") {
    Fixture f;
    const auto plan = portworx_plan({{.id = "s0", .source = "prod/data"}});
    const auto taken = f.backend->take(plan, plan.snapshots[0], f.deadline);
    CHECK(taken.id == "s0");
    CHECK(taken.reused);
    expect_lookup(f.px_fake, {inspected("s0", "vol-1", "VOLUME_STATE_DETACHED")});
    CHECK_NOTHROW(await_one(f, plan, taken));
}

TEST_CASE("portworx take refuses a snapshot of another volume, a failed one, a vanished one") {
    Fixture f;
    const auto plan = portworx_plan();
    const exec::TakenSnapshot taken{.id = "s1", .portworx_id = "s1"};
    SUBCASE("another parent") {
        expect_lookup(f.px_fake, {inspected("s1", "vol-9", "VOLUME_STATE_AVAILABLE")});
        CHECK_THROWS_WITH_AS(await_one(f, plan, taken),
                             doctest::Contains("is not a snapshot of volume vol-1"), Error);
    }
    SUBCASE("state error") {
        expect_lookup(f.px_fake, {inspected("s1", "vol-1", "VOLUME_STATE_ERROR")});
        CHECK_THROWS_WITH_AS(await_one(f, plan, taken), doctest::Contains("VOLUME_STATE_ERROR"),
                             Error);
    }
    SUBCASE("vanished") {
        expect_lookup(f.px_fake, {inspected("s2", "vol-1", "VOLUME_STATE_AVAILABLE")});
        CHECK_THROWS_WITH_AS(await_one(f, plan, taken),
                             doctest::Contains("vanished after it was created"), Error);
    }
    SUBCASE("still pending at the deadline") {
        expect_lookup(f.px_fake, {inspected("s1", "vol-1", "VOLUME_STATE_PENDING")}).then([&f] {
            f.clock.advance(std::chrono::minutes(2));
        });
        CHECK_THROWS_WITH_AS(await_one(f, plan, taken),
                             doctest::Contains("timed out waiting for snapshot s1"), TimeoutError);
    }
    SUBCASE("the server refuses the create") {
        f.px_fake.expect(Method::post, "/v1/volumes/snapshots")
            .reply(400, R"({"code":3,"message":"volume vol-1 not found"})");
        CHECK_THROWS_AS(f.backend->take(plan, plan.snapshots[0], f.deadline), Error);
    }
    SUBCASE("made only after the deadline") {
        f.px_fake.expect(Method::post, "/v1/volumes/snapshots")
            .reply(200, R"({"snapshot_id":"s1"})")
            .then([&f] { f.clock.advance(std::chrono::minutes(2)); });
        CHECK_THROWS_WITH_AS(f.backend->take(plan, plan.snapshots[0], f.deadline),
                             doctest::Contains("only after the timeout ran out"), TimeoutError);
    }
}

TEST_CASE("portworx find_existing: this run's snapshots by labels, only of the planned volume") {
    Fixture f;
    const auto plan = portworx_plan();
    const json ours{{"pxclone.io/source", "prod/data"}};
    f.px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, json{{"volumes",
                          {inspected("s0", "vol-1", "VOLUME_STATE_DETACHED", ours),
                           // Labels can be copied: a snapshot of another volume is not ours.
                           inspected("s9", "vol-9", "VOLUME_STATE_DETACHED", ours)}}});
    const auto existing = f.backend->find_existing(plan);
    REQUIRE(existing.size() == 1);
    CHECK(existing[0].id == "s0");
    CHECK(existing[0].source == "prod/data");
}

TEST_CASE("portworx remove deletes the Portworx snapshot; the dry-run lines are its requests") {
    Fixture f;
    const auto plan = portworx_plan();
    f.px_fake.expect(Method::del, "/v1/volumes/s1").reply(200, "{}");
    f.backend->remove(plan, {.id = "s1", .portworx_id = "s1"});
    CHECK(f.backend->remove_request(plan, {.id = "s1", .portworx_id = "s1"}) ==
          "DELETE /v1/volumes/s1");
    CHECK(f.backend->create_request(plan, plan.snapshots[0]) ==
          "POST /v1/volumes/snapshots " +
              px::to_json(method::portworx_snapshot_request(plan.snapshots[0])).dump());
}
