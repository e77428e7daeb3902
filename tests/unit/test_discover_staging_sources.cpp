// describe_set against a strict fake: how many reads it sends for a small and a large set.
#include "pxclone/discover/staging_sources.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/fake_transport.hpp"

using namespace pxclone;
using http::Method;
using nlohmann::json;
using test::FakeTransport;

namespace {

json source_claim(int i) {
    return {{"metadata", {{"name", fmt::format("data-{}", i)}, {"namespace", "prod"}}},
            {"spec",
             {{"volumeName", fmt::format("pv-{}", i)},
              {"storageClassName", "px-db"},
              {"accessModes", {"ReadWriteOnce"}}}}};
}

json source_pv(int i) {
    return {{"metadata", {{"name", fmt::format("pv-{}", i)}}},
            {"spec", {{"csi", {{"driver", "pxd.portworx.com"}, {"fsType", "xfs"}}}}}};
}

json list_of(json items) {
    return {{"metadata", {{"resourceVersion", "1"}}}, {"items", std::move(items)}};
}

exec::SnapshotSet set_of(int count) {
    exec::SnapshotSet set;
    set.id = "41";
    set.method = "portworx";
    for (int i = 0; i < count; ++i) {
        set.snapshots.push_back({.source = fmt::format("prod/data-{}", i),
                                 .id = fmt::format("snap-{}", i),
                                 .portworx_id = {},
                                 .size = 1024,
                                 .name = {},
                                 .ready = true});
    }
    return set;
}

void check_described(const plan::SnapshotSet& described, int count) {
    REQUIRE(described.volumes.size() == static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const auto& volume = described.volumes[static_cast<std::size_t>(i)];
        CHECK(volume.source_pvc == fmt::format("data-{}", i));
        CHECK(volume.snapshot_id == fmt::format("snap-{}", i));
        CHECK(volume.storage_class == "px-db");
        CHECK(volume.fs_type == "xfs");
    }
}

} // namespace

TEST_CASE("describe_set reads a small set's source PVCs and PVs one GET each") {
    FakeTransport fake;
    k8s::Client kube{fake, "https://k8s.test"};
    util::WorkerPool pool{1};
    for (int i = 0; i < 2; ++i) {
        fake.expect(Method::get,
                    fmt::format("/api/v1/namespaces/prod/persistentvolumeclaims/data-{}", i))
            .reply(200, source_claim(i));
        fake.expect(Method::get, fmt::format("/api/v1/persistentvolumes/pv-{}", i))
            .reply(200, source_pv(i));
    }
    check_described(discover::describe_set(kube, pool, profile::Profile{}, set_of(2)), 2);
}

TEST_CASE("describe_set lists a large set's source PVCs and PVs once, not a GET each") {
    // Issue 18: a 200-volume deploy-staging sent 400 GETs here.
    FakeTransport fake;
    k8s::Client kube{fake, "https://k8s.test"};
    util::WorkerPool pool{1};
    constexpr int k_count = 12;
    json claims = json::array();
    json pvs = json::array({source_pv(99)}); // someone else's PV: ignored
    for (int i = 0; i < k_count; ++i) {
        claims.push_back(source_claim(i));
        pvs.push_back(source_pv(i));
    }
    fake.expect(Method::get, "/api/v1/namespaces/prod/persistentvolumeclaims?limit=500")
        .reply(200, list_of(claims));
    fake.expect(Method::get, "/api/v1/persistentvolumes?limit=500").reply(200, list_of(pvs));
    check_described(discover::describe_set(kube, pool, profile::Profile{}, set_of(k_count)),
                    k_count);
}
