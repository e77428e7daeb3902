#include "pxclone/exec/catalog.hpp"
#include "pxclone/plan/snapshot_plan.hpp"
#include "pxclone/util/time.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/fake_transport.hpp"

using namespace pxclone;
using namespace pxclone::exec;
using http::Method;
using nlohmann::json;
using test::FakeTransport;

namespace {

// Portworx snapshots as inspectwithfilters returns them (labels carry every lineage field).
const json k_px_snapshots = json::parse(R"({"volumes": [
 {"volume": {"id": "snap-a", "locator": {"name": "orders-41-data-0", "volume_labels": {
    "app.kubernetes.io/managed-by": "pxclone", "pxclone.io/profile": "orders",
    "pxclone.io/run": "41", "pxclone.io/role": "snapshot", "pxclone.io/snapshot-set": "41",
    "pxclone.io/source": "prod/data-0", "pxclone.io/created-at": "2026-11-27T09:00:00Z",
    "pxclone.io/git-sha": "abc", "pxclone.io/build-id": "b41", "pxclone.io/set-size": "2"}},
   "source": {"parent": "vol-0"}, "spec": {"size": "1073741824", "ha_level": "1"},
   "state": "VOLUME_STATE_DETACHED", "status": "VOLUME_STATUS_UP"}},
 {"volume": {"id": "snap-b", "locator": {"name": "orders-41-data-1", "volume_labels": {
    "app.kubernetes.io/managed-by": "pxclone", "pxclone.io/profile": "orders",
    "pxclone.io/run": "41", "pxclone.io/role": "snapshot", "pxclone.io/snapshot-set": "41",
    "pxclone.io/source": "prod/data-1", "pxclone.io/created-at": "2026-11-27T09:00:00Z",
    "pxclone.io/set-size": "2"}},
   "spec": {"size": "2147483648", "ha_level": "1"}, "state": "VOLUME_STATE_DETACHED",
   "status": "VOLUME_STATUS_UP"}},
 {"volume": {"id": "snap-c", "locator": {"name": "orders-43-data-0", "volume_labels": {
    "app.kubernetes.io/managed-by": "pxclone", "pxclone.io/profile": "orders",
    "pxclone.io/run": "43", "pxclone.io/role": "snapshot", "pxclone.io/snapshot-set": "43",
    "pxclone.io/source": "prod/data-0", "pxclone.io/created-at": "2026-11-27T11:00:00Z",
    "pxclone.io/set-size": "2"}},
   "spec": {"size": "1073741824", "ha_level": "1"}, "state": "VOLUME_STATE_DETACHED"}}
]})");

// A CSI set: VolumeSnapshots in the source namespace, as a list returns them (no kind).
const json k_volume_snapshots = json::parse(R"([
 {"metadata": {"name": "orders-42-data-0", "namespace": "prod",
   "labels": {"app.kubernetes.io/managed-by": "pxclone", "pxclone.io/profile": "orders",
     "pxclone.io/run": "42", "pxclone.io/role": "snapshot", "pxclone.io/snapshot-set": "42",
     "pxclone.io/set-size": "1"},
   "annotations": {"pxclone.io/source": "prod/data-0",
     "pxclone.io/created-at": "2026-11-27T10:00:00Z", "pxclone.io/git-sha": "def"}},
  "spec": {"source": {"persistentVolumeClaimName": "data-0"}},
  "status": {"boundVolumeSnapshotContentName": "snapcontent-1", "readyToUse": true,
    "restoreSize": "1Gi"}},
 {"metadata": {"name": "unlabelled", "namespace": "prod"}, "status": {"readyToUse": true}}
])");

std::vector<px::Volume> px_volumes(const json& reply) {
    std::vector<px::Volume> volumes;
    for (const auto& entry : reply["volumes"]) {
        volumes.push_back(px::parse_volume(entry));
    }
    return volumes;
}

std::map<std::string, json> contents() {
    return {{"snapcontent-1", json::parse(R"({"metadata": {"name": "snapcontent-1"},
        "status": {"snapshotHandle": "px-snap-77", "readyToUse": true}})")}};
}

json staging_namespace(const std::string& run, const std::string& phase, bool ready) {
    json ns = {{"metadata",
                {{"name", "orders-stg-" + run},
                 {"labels",
                  {{"app.kubernetes.io/managed-by", "pxclone"},
                   {"pxclone.io/profile", "orders"},
                   {"pxclone.io/run", run},
                   {"pxclone.io/role", "staging"},
                   {"pxclone.io/snapshot-set", "41"}}},
                 {"annotations",
                  {{"pxclone.io/created-at", "2026-11-27T10:30:00Z"},
                   {"pxclone.io/expires-at", "2026-11-28T10:30:00Z"},
                   {"pxclone.io/git-sha", "sha-" + run},
                   {"pxclone.io/build-id", "build-" + run}}}}},
               {"status", {{"phase", phase}}}};
    if (ready) {
        ns["metadata"]["annotations"]["pxclone.io/ready-at"] = "2026-11-27T10:35:00Z";
    }
    return ns;
}

json staging_pv(const std::string& run, const std::string& set) {
    return {{"metadata",
             {{"name", "pv-" + run},
              {"labels",
               {{"app.kubernetes.io/managed-by", "pxclone"},
                {"pxclone.io/profile", "orders"},
                {"pxclone.io/run", run},
                {"pxclone.io/role", "staging"},
                {"pxclone.io/snapshot-set", set}}},
              {"annotations", {{"pxclone.io/expires-at", "2026-11-27T08:00:00Z"}}}}}};
}

px::Volume staging_clone(const std::string& run, const std::string& set) {
    px::Volume clone;
    clone.id = "clone-" + run;
    clone.labels = {{"app.kubernetes.io/managed-by", "pxclone"},
                    {"pxclone.io/profile", "orders"},
                    {"pxclone.io/run", run},
                    {"pxclone.io/role", "staging"},
                    {"pxclone.io/snapshot-set", set},
                    {"pxclone.io/created-at", "2026-11-27T07:00:00Z"},
                    {"pxclone.io/expires-at", "2026-11-27T08:00:00Z"},
                    {"pxclone.io/git-sha", "clone-sha-" + run}};
    return clone;
}

std::chrono::system_clock::time_point at(const std::string& text) {
    return *util::parse_rfc3339(text);
}

} // namespace

TEST_CASE("snapshot sets are grouped by set id from both APIs, newest first") {
    const auto sets = group_snapshot_sets(px_volumes(k_px_snapshots),
                                          k_volume_snapshots.get<std::vector<json>>(), contents());
    REQUIRE(sets.size() == 3);
    CHECK(sets[0].id == "43");
    CHECK(sets[1].id == "42");
    CHECK(sets[2].id == "41");

    const auto& portworx = sets[2];
    CHECK(portworx.method == "portworx");
    CHECK(portworx.profile == "orders");
    CHECK(portworx.created_at == "2026-11-27T09:00:00Z");
    CHECK(portworx.source_namespace == "prod");
    CHECK(portworx.git_sha == "abc");
    CHECK(portworx.build_id == "b41");
    CHECK(portworx.expected == 2u);
    CHECK(portworx.state == SetState::complete);
    REQUIRE(portworx.snapshots.size() == 2);
    CHECK(portworx.snapshots[0].source == "prod/data-0");
    CHECK(portworx.snapshots[0].id == "snap-a");
    CHECK(portworx.snapshots[0].portworx_id == "snap-a");
    CHECK(portworx.snapshots[0].size == 1073741824);
    CHECK(portworx.snapshots[0].name == "orders-41-data-0");
    CHECK(portworx.snapshots[1].size == 2147483648);

    const auto& csi = sets[1];
    CHECK(csi.method == "csi");
    CHECK(csi.git_sha == "def");
    CHECK(csi.state == SetState::complete);
    REQUIRE(csi.snapshots.size() == 1);
    CHECK(csi.snapshots[0].id == "prod/orders-42-data-0");
    CHECK(csi.snapshots[0].portworx_id == "px-snap-77");
    CHECK(csi.snapshots[0].size == 1073741824);
}

TEST_CASE("a set with fewer snapshots than its set-size, or one not ready, is partial") {
    const auto sets = group_snapshot_sets(px_volumes(k_px_snapshots), {}, {});
    REQUIRE(sets.size() == 2);
    CHECK(sets[0].id == "43");
    CHECK(sets[0].snapshots.size() == 1);
    CHECK(sets[0].state == SetState::partial);

    auto snapshots = k_volume_snapshots.get<std::vector<json>>();
    snapshots[0]["status"]["readyToUse"] = false;
    const auto csi = group_snapshot_sets({}, snapshots, contents());
    REQUIRE(csi.size() == 1);
    CHECK(csi[0].state == SetState::partial);

    snapshots[0]["status"]["readyToUse"] = true;
    snapshots[0]["status"]["error"] = {{"message", "failed"}};
    CHECK(group_snapshot_sets({}, snapshots, contents())[0].state == SetState::partial);
}

TEST_CASE("without a set-size label a set is complete when every snapshot is ready") {
    auto volumes = px_volumes(k_px_snapshots);
    volumes[2].labels.erase("pxclone.io/set-size");
    const auto sets = group_snapshot_sets(volumes, {}, {});
    CHECK(sets[0].id == "43");
    CHECK_FALSE(sets[0].expected);
    CHECK(sets[0].state == SetState::complete);
    volumes[2].state = "VOLUME_STATE_PENDING";
    CHECK(group_snapshot_sets(volumes, {}, {})[0].state == SetState::partial);
}

TEST_CASE("newest_complete skips partial sets; find_set finds by id") {
    const auto sets = group_snapshot_sets(px_volumes(k_px_snapshots),
                                          k_volume_snapshots.get<std::vector<json>>(), contents());
    const auto* newest = newest_complete(sets);
    REQUIRE(newest != nullptr);
    CHECK(newest->id == "42");
    CHECK(find_set(sets, "41") != nullptr);
    CHECK(find_set(sets, "40") == nullptr);
    CHECK(newest_complete({}) == nullptr);
}

TEST_CASE("environments are grouped by run; orphaned volumes form their own environment") {
    StagingObjects objects;
    objects.namespaces = {staging_namespace("50", "Active", true)};
    objects.pvcs = {json{{"metadata",
                          {{"name", "data"},
                           {"namespace", "orders-stg-50"},
                           {"labels",
                            {{"app.kubernetes.io/managed-by", "pxclone"},
                             {"pxclone.io/profile", "orders"},
                             {"pxclone.io/run", "50"},
                             {"pxclone.io/role", "staging"}}}}}}};
    objects.pvs = {staging_pv("50", "41"), staging_pv("49", "40")};
    objects.clones = {staging_clone("50", "41"), staging_clone("49", "40")};

    const auto environments = group_environments(objects);
    REQUIRE(environments.size() == 2);
    const auto& live = environments[0];
    CHECK(live.run == "50");
    CHECK(live.profile == "orders");
    CHECK(live.ns == "orders-stg-50");
    CHECK(live.phase == "Active");
    CHECK(live.snapshot_set == "41");
    CHECK(live.expires_at == "2026-11-28T10:30:00Z"); // the namespace's, not the PV's
    CHECK(live.counts.at("namespace") == 1);
    CHECK(live.counts.at("persistentvolumeclaim") == 1);
    CHECK(live.counts.at("persistentvolume") == 1);
    CHECK(live.counts.at("portworx-clone") == 1);
    CHECK(live.git_sha == "sha-50"); // the namespace's lineage first
    CHECK(live.build_id == "build-50");

    const auto& orphan = environments[1];
    CHECK(orphan.run == "49");
    CHECK(orphan.ns.empty());
    CHECK(orphan.phase == "Orphaned");
    CHECK(orphan.kind == "volumes");
    CHECK(live.kind == "namespace");
    CHECK(orphan.snapshot_set == "40");
    CHECK(orphan.created_at == "2026-11-27T07:00:00Z");
    CHECK(orphan.git_sha == "clone-sha-49");
    CHECK(orphan.build_id.empty());
    CHECK(orphan.counts.count("namespace") == 0);

    CHECK(snapshot_sets_used(objects) == std::set<std::string>{"40", "41"});
    // Tearing run 49 down frees set 40; run 50 still holds 41.
    CHECK(snapshot_sets_used(objects, {"49"}) == std::set<std::string>{"41"});
}

TEST_CASE("an environment swapped in part to another set uses both: list and retention see both") {
    // Run 50 was deployed from set 41; `restore --pvc` swapped one volume to set 42: its PV and
    // clone are of 42, the namespace and the other volume still of 41.
    StagingObjects objects;
    objects.namespaces = {staging_namespace("50", "Active", true)};
    auto swapped = staging_pv("50", "42");
    swapped["metadata"]["name"] = "pv-50-42";
    objects.pvs = {staging_pv("50", "41"), swapped};
    objects.clones = {staging_clone("50", "41"), staging_clone("50", "42")};

    const auto environments = group_environments(objects);
    REQUIRE(environments.size() == 1);
    CHECK(environments[0].snapshot_set == "41"); // the namespace's
    CHECK(environments[0].snapshot_sets == std::set<std::string>{"41", "42"});

    // Retention (keep 1, taking set 43 now) deletes the older sets but neither one in use.
    const auto in_use = snapshot_sets_used(objects);
    CHECK(in_use == std::set<std::string>{"41", "42"});
    const auto pruned = plan::sets_to_prune({{"40", "2026-11-27T06:00:00Z"},
                                             {"41", "2026-11-27T07:00:00Z"},
                                             {"42", "2026-11-27T08:00:00Z"},
                                             {"43", "2026-11-27T09:00:00Z"}},
                                            1, in_use, "43");
    CHECK(pruned == std::vector<std::string>{"40"});
}

TEST_CASE("environment states: ready, partial (not ready, terminating, orphaned), expired") {
    StagingObjects objects;
    objects.namespaces = {staging_namespace("50", "Active", true),
                          staging_namespace("51", "Active", false),
                          staging_namespace("52", "Terminating", true)};
    objects.pvs = {staging_pv("49", "40")};
    auto environments = group_environments(objects);
    REQUIRE(environments.size() == 4);
    const auto now = at("2026-11-27T12:00:00Z");
    std::map<std::string, EnvironmentState> states;
    for (const auto& environment : environments) {
        states[environment.run] = judge_environment(environment, now);
    }
    CHECK(states["50"] == EnvironmentState::ready);
    CHECK(states["51"] == EnvironmentState::partial);
    CHECK(states["52"] == EnvironmentState::partial);
    CHECK(states["49"] == EnvironmentState::expired); // its PV expired at 08:00

    // After the namespaces' TTL everything is expired; exactly at it, not yet.
    const auto& first = environments[0];
    CHECK(is_expired(first, at("2026-11-28T10:30:01Z")));
    CHECK_FALSE(is_expired(first, at("2026-11-28T10:30:00Z")));
    Environment no_ttl;
    CHECK_FALSE(is_expired(no_ttl, now));
    no_ttl.expires_at = "garbage";
    CHECK_FALSE(is_expired(no_ttl, now));
}

TEST_CASE("a namespace pinned by extend (expires-at never) is never expired, though its volumes' "
          "labels keep deploy-staging's expiry") {
    StagingObjects objects;
    objects.namespaces = {staging_namespace("50", "Active", true)};
    objects.namespaces[0]["metadata"]["annotations"]["pxclone.io/expires-at"] = "never";
    objects.pvs = {staging_pv("50", "41")};
    objects.clones = {staging_clone("50", "41")};

    const auto environments = group_environments(objects);
    REQUIRE(environments.size() == 1);
    const auto& pinned = environments[0];
    CHECK(pinned.pinned);
    CHECK(pinned.expires_at.empty());
    const auto years_later = at("2036-11-27T12:00:00Z");
    CHECK_FALSE(is_expired(pinned, years_later));
    CHECK(judge_environment(pinned, years_later) == EnvironmentState::ready);
}

TEST_CASE("Catalog lists snapshot sets by labels on both APIs and reads bound contents") {
    FakeTransport kube_fake;
    FakeTransport px_fake("https://px.test:9021");
    const k8s::Client kube(kube_fake, "https://k8s.test");
    const px::Client portworx(px_fake, "https://px.test:9021");
    const Catalog catalog(kube, portworx,
                          {.method_kinds = {"VolumeSnapshot", "VolumeSnapshotContent"},
                           .source_namespace = "prod",
                           .staging_only = true});

    px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters")
        .body(json{{"labels",
                    {{"app.kubernetes.io/managed-by", "pxclone"},
                     {"pxclone.io/profile", "orders"},
                     {"pxclone.io/role", "snapshot"}}}})
        .reply(200, k_px_snapshots);
    kube_fake
        .expect(Method::get,
                "/apis/snapshot.storage.k8s.io/v1/namespaces/prod/volumesnapshots?labelSelector="
                "app.kubernetes.io"
                "%2Fmanaged-by%3Dpxclone%2Cpxclone.io%2Fprofile%3Dorders%2Cpxclone.io%2Frole%3D"
                "snapshot&limit=500")
        .reply(200, json{{"kind", "VolumeSnapshotList"},
                         {"metadata", {{"resourceVersion", "7"}}},
                         {"items", k_volume_snapshots}});
    kube_fake
        .expect(Method::get, "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/"
                             "snapcontent-1")
        .reply(200, contents().at("snapcontent-1"));

    const auto sets = catalog.snapshot_sets("orders");
    REQUIRE(sets.size() == 3);
    CHECK(sets[1].snapshots[0].portworx_id == "px-snap-77");
    CHECK(kube_fake.remaining() == 0);
    CHECK(px_fake.remaining() == 0);
}

TEST_CASE("Catalog of a portworx profile reads no snapshot.storage.k8s.io resource") {
    // Without the CSI CRDs, or without permission on them, a portworx profile must work: any
    // VolumeSnapshot request would be unexpected here (the fake fails the test).
    FakeTransport kube_fake;
    FakeTransport px_fake("https://px.test:9021");
    const k8s::Client kube(kube_fake, "https://k8s.test");
    const px::Client portworx(px_fake, "https://px.test:9021");
    const Catalog catalog(kube, portworx,
                          {.method_kinds = {}, .source_namespace = "prod", .staging_only = true});

    px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, k_px_snapshots);
    CHECK(catalog.snapshot_sets("orders").size() == 2);

    const std::string selector = "?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dpxclone%2C"
                                 "pxclone.io%2Fprofile%3Dorders%2Cpxclone.io%2Frole%3Dstaging&"
                                 "limit=500";
    const json empty{{"metadata", {{"resourceVersion", "9"}}}, {"items", json::array()}};
    // No staging namespace and no PV: no namespace to list PVCs in.
    kube_fake.expect(Method::get, "/api/v1/namespaces" + selector).reply(200, empty);
    kube_fake.expect(Method::get, "/api/v1/persistentvolumes" + selector).reply(200, empty);
    px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, "{}");
    CHECK(catalog.sets_in_use("orders").empty());
    CHECK(kube_fake.remaining() == 0);
    CHECK(px_fake.remaining() == 0);
}

TEST_CASE(
    "Catalog finds staging objects inside the staging namespaces only, and the sets they use") {
    FakeTransport kube_fake;
    FakeTransport px_fake("https://px.test:9021");
    const k8s::Client kube(kube_fake, "https://k8s.test");
    const px::Client portworx(px_fake, "https://px.test:9021");
    const Catalog catalog(kube, portworx,
                          {.method_kinds = {"VolumeSnapshot", "VolumeSnapshotContent"},
                           .source_namespace = "",
                           .staging_only = true});

    const std::string selector = "?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dpxclone%2C"
                                 "pxclone.io%2Frole%3Dstaging&limit=500";
    const auto list = [](const json& items) {
        return json{{"metadata", {{"resourceVersion", "9"}}}, {"items", items}};
    };
    kube_fake.expect(Method::get, "/api/v1/namespaces" + selector)
        .reply(200, list(json::array({staging_namespace("50", "Active", true)})));
    // An object the server sent although it lacks the role label is dropped.
    json foreign = staging_pv("48", "39");
    foreign["metadata"]["labels"].erase("pxclone.io/role");
    foreign["spec"]["claimRef"] = {{"namespace", "elsewhere"}, {"name", "x"}};
    // A restore --new-pvc copy's PV: its PVC's namespace is searched too.
    json copy = staging_pv("47", "41");
    copy["spec"]["claimRef"] = {{"namespace", "dev"}, {"name", "mongo-copy"}};
    kube_fake.expect(Method::get, "/api/v1/persistentvolumes" + selector)
        .reply(200, list(json::array({staging_pv("50", "41"), foreign, copy})));
    // "dev" is named only by a claim: read there only once a list by name shows it exists.
    kube_fake.expect(Method::get, "/api/v1/namespaces?fieldSelector=metadata.name%3Ddev&limit=500")
        .reply(200, list(json::array({json{{"metadata", {{"name", "dev"}}}}})));
    // The namespaced kinds: in those namespaces only, never across the cluster.
    for (const auto* ns : {"dev", "orders-stg-50"}) {
        kube_fake
            .expect(Method::get,
                    fmt::format("/api/v1/namespaces/{}/persistentvolumeclaims{}", ns, selector))
            .reply(200, list(json::array()));
    }
    for (const auto* ns : {"dev", "orders-stg-50"}) {
        kube_fake
            .expect(Method::get,
                    fmt::format("/apis/snapshot.storage.k8s.io/v1/namespaces/{}/volumesnapshots{}",
                                ns, selector))
            .reply(200, list(json::array()));
    }
    kube_fake
        .expect(Method::get, "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents" + selector)
        .reply(200, list(json::array()));
    px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, "{}");

    const auto environments = catalog.environments("");
    REQUIRE(environments.size() == 2);
    CHECK(environments[1].run == "47");
    CHECK(environments[0].run == "50");
    CHECK(environments[0].ns == "orders-stg-50");
    CHECK(environments[0].counts.at("namespace") == 1);
    CHECK(environments[0].counts.at("persistentvolume") == 1);
    CHECK(kube_fake.remaining() == 0);
    CHECK(px_fake.remaining() == 0);
}

TEST_CASE("Catalog under staging.role_binding does not read in a staging namespace that is gone") {
    // The namespace went (and its RoleBinding with it: a read there would be forbidden); its PV is
    // left, still claiming it. The environment is listed from what is left; nothing is read there.
    FakeTransport kube_fake;
    FakeTransport px_fake("https://px.test:9021");
    const k8s::Client kube(kube_fake, "https://k8s.test");
    const px::Client portworx(px_fake, "https://px.test:9021");
    const Catalog catalog(kube, portworx,
                          {.method_kinds = {}, .source_namespace = "prod", .staging_only = true});
    const std::string selector = "?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dpxclone%2C"
                                 "pxclone.io%2Frole%3Dstaging&limit=500";
    const auto list = [](const json& items) {
        return json{{"metadata", {{"resourceVersion", "9"}}}, {"items", items}};
    };
    kube_fake.expect(Method::get, "/api/v1/namespaces" + selector).reply(200, list(json::array()));
    json pv = staging_pv("50", "41");
    pv["spec"]["claimRef"] = {{"namespace", "orders-stg-50"}, {"name", "mongo-data-mongo-0"}};
    kube_fake.expect(Method::get, "/api/v1/persistentvolumes" + selector)
        .reply(200, list(json::array({pv})));
    kube_fake
        .expect(Method::get,
                "/api/v1/namespaces?fieldSelector=metadata.name%3Dorders-stg-50&limit=500")
        .reply(200, list(json::array()));
    px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, "{}");

    const auto environments = catalog.environments("");
    REQUIRE(environments.size() == 1);
    CHECK(environments[0].run == "50");
    CHECK(environments[0].counts.at("persistentvolume") == 1);
    CHECK(kube_fake.remaining() == 0);
    CHECK(px_fake.remaining() == 0);
}

TEST_CASE("a restore --new-pvc copy is a PVC environment, not orphaned; ready once Bound") {
    const auto copy = [](const std::string& name, const std::string& phase) {
        return json{{"metadata",
                     {{"name", name},
                      {"namespace", "dev"},
                      {"labels",
                       {{"app.kubernetes.io/managed-by", "pxclone"},
                        {"pxclone.io/profile", "orders"},
                        {"pxclone.io/run", "n1"},
                        {"pxclone.io/role", "staging"},
                        {"pxclone.io/snapshot-set", "40"}}}}},
                    {"status", {{"phase", phase}}}};
    };
    StagingObjects objects;
    objects.pvcs = {copy("copy-b", "Bound"), copy("copy-a", "Bound")};
    objects.pvs = {staging_pv("n1", "40")};
    objects.clones = {staging_clone("n1", "40")};
    auto environments = group_environments(objects);
    REQUIRE(environments.size() == 1);
    const auto& environment = environments[0];
    CHECK(environment.kind == "pvc");
    CHECK(environment.phase == "Bound");
    CHECK(environment.ns == "dev");
    CHECK(environment.pvcs == std::vector<std::string>{"copy-a", "copy-b"});
    const auto now = at("2026-11-27T07:30:00Z"); // before the clone's expiry
    CHECK(judge_environment(environment, now) == EnvironmentState::ready);

    objects.pvcs[1] = copy("copy-a", "Pending");
    environments = group_environments(objects);
    REQUIRE(environments.size() == 1);
    CHECK(environments[0].phase == "Pending");
    CHECK(judge_environment(environments[0], now) == EnvironmentState::partial);
}

TEST_CASE(
    "staging_scope: a staging cluster of its own holds no set; the catalog reads none there") {
    profile::Profile profile;
    profile.name = "orders";
    profile.source.source_namespace = "prod";
    CHECK(staging_scope(profile, {"VolumeSnapshot"}).holds_sets);
    CHECK(catalog_scope(profile, {"VolumeSnapshot"}).holds_sets);
    profile.staging.cluster = profile::StagingCluster{};
    const auto scope = staging_scope(profile, {"VolumeSnapshot", "VolumeSnapshotContent"});
    CHECK_FALSE(scope.holds_sets);
    CHECK(scope.source_namespace == "prod");
    CHECK(catalog_scope(profile, {"VolumeSnapshot"}).holds_sets); // the source side's sets

    FakeTransport kube_fake;
    FakeTransport px_fake("https://px.test:9021");
    const k8s::Client kube(kube_fake, "https://k8s.test");
    const px::Client portworx(px_fake, "https://px.test:9021");
    // No request at all: neither the Portworx snapshots nor the source namespace's VolumeSnapshots.
    CHECK(Catalog(kube, portworx, scope).snapshot_sets("orders").empty());
    CHECK(kube_fake.requests().empty());
    CHECK(px_fake.requests().empty());
}
