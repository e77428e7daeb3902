#include "pxclone/error.hpp"
#include "pxclone/exec/staging_runner.hpp"

#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"

using namespace pxclone;
using namespace pxclone::exec;
using http::Method;
using nlohmann::json;
using test::FakeClock;
using test::FakeSleeper;
using test::FakeTransport;

namespace {

const std::string k_ns = "orders-stg-42";

plan::StagingVolume csi_volume() {
    plan::StagingVolume volume;
    volume.staging_pvc = "data";
    volume.method = profile::SnapshotMethod::csi;
    volume.bound_pv_labels = {{"app.kubernetes.io/managed-by", "pxclone"},
                              {"pxclone.io/run", "42"}};
    return volume;
}

json bound_pvc() {
    return {{"metadata", {{"name", "data"}, {"namespace", k_ns}, {"uid", "pvc-uid"}}},
            {"spec", {{"volumeName", "pvc-123"}}},
            {"status", {{"phase", "Bound"}}}};
}

json pv_claimed_by(const std::string& ns, const std::string& name, const std::string& uid) {
    return {{"metadata", {{"name", "pvc-123"}}},
            {"spec",
             {{"claimRef", {{"namespace", ns}, {"name", name}, {"uid", uid}}},
              {"persistentVolumeReclaimPolicy", "Retain"}}}};
}

} // namespace

TEST_CASE("label_bound_volume: labels the PV bound to the staging PVC, once") {
    FakeTransport transport;
    const k8s::Client kube(transport, "https://k8s.test");
    FakeClock clock;
    FakeSleeper sleeper(clock);
    std::vector<std::string> written;
    StagingContext context{.clock = &clock, .sleeper = &sleeper};
    context.on_written = [&written](const std::string& what) {
        written.push_back(what);
    };
    const auto runner = make_staging_runner(kube, nullptr, context);

    transport.expect(Method::get, "/api/v1/namespaces/orders-stg-42/persistentvolumeclaims/data")
        .reply(200, bound_pvc());
    transport.expect(Method::get, "/api/v1/persistentvolumes/pvc-123")
        .reply(200, pv_claimed_by(k_ns, "data", "pvc-uid"));
    transport.expect(Method::patch, "/api/v1/persistentvolumes/pvc-123")
        .body({{"metadata",
                {{"labels",
                  {{"app.kubernetes.io/managed-by", "pxclone"}, {"pxclone.io/run", "42"}}}}}})
        .reply(200, pv_claimed_by(k_ns, "data", "pvc-uid"));
    runner->label_bound_volume(csi_volume(), k_ns);
    CHECK(written == std::vector<std::string>{"persistentvolume/pvc-123"});

    // Already labelled (a re-run): nothing written.
    auto labelled = pv_claimed_by(k_ns, "data", "pvc-uid");
    labelled["metadata"]["labels"] = {{"app.kubernetes.io/managed-by", "pxclone"},
                                      {"pxclone.io/run", "42"}};
    transport.expect(Method::get, "/api/v1/namespaces/orders-stg-42/persistentvolumeclaims/data")
        .reply(200, bound_pvc());
    transport.expect(Method::get, "/api/v1/persistentvolumes/pvc-123").reply(200, labelled);
    runner->label_bound_volume(csi_volume(), k_ns);
}

TEST_CASE("label_bound_volume: refuses a PV whose claimRef is not the staging PVC") {
    FakeTransport transport;
    const k8s::Client kube(transport, "https://k8s.test");
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const auto runner =
        make_staging_runner(kube, nullptr, StagingContext{.clock = &clock, .sleeper = &sleeper});
    // Production's claim, and the staging name in another incarnation (another uid).
    for (const auto& pv :
         {pv_claimed_by("prod", "data", "prod-uid"), pv_claimed_by(k_ns, "data", "older-uid")}) {
        transport
            .expect(Method::get, "/api/v1/namespaces/orders-stg-42/persistentvolumeclaims/data")
            .reply(200, bound_pvc());
        transport.expect(Method::get, "/api/v1/persistentvolumes/pvc-123").reply(200, pv);
        try {
            runner->label_bound_volume(csi_volume(), k_ns);
            FAIL("expected a refusal");
        } catch (const Error& e) {
            CHECK(e.code() == ExitCode::failed);
            CHECK(std::string(e.what()).find("persistentvolume/pvc-123 is not bound to the "
                                             "staging pvc/data in orders-stg-42") !=
                  std::string::npos);
        }
    }
}

TEST_CASE("the dry-run runner prints the label writes of a bound csi volume and the ready mark") {
    auto volume = csi_volume();
    volume.bound_volume_labels = {{"pxclone.io/run", "42"}};
    std::ostringstream out;
    const auto runner = make_dry_run_staging_runner(out);
    runner->label_bound_volume(volume, k_ns);
    runner->mark_ready(k_ns, plan::ready_patch("2026-11-27T13:00:00Z"));
    CHECK(
        out.str() ==
        "PATCH /api/v1/persistentvolumes/<pv-of-pvc-data> "
        R"({"metadata":{"labels":{"app.kubernetes.io/managed-by":"pxclone","pxclone.io/run":"42"}}})"
        "\nPUT /v1/volumes/<volume-of-pvc-data> "
        R"({"labels":{"pxclone.io/run":"42"}})"
        "\nPATCH /api/v1/namespaces/orders-stg-42 "
        R"({"metadata":{"annotations":{"pxclone.io/ready-at":"2026-11-27T13:00:00Z"}}})"
        "\n");
}

TEST_CASE("mark_ready merge-patches the staging namespace") {
    FakeTransport transport;
    const k8s::Client kube(transport, "https://k8s.test");
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const auto runner = make_staging_runner(kube, nullptr, {.clock = &clock, .sleeper = &sleeper});
    transport.expect(Method::patch, "/api/v1/namespaces/orders-stg-42")
        .body({{"metadata", {{"annotations", {{"pxclone.io/ready-at", "2026-11-27T13:00:00Z"}}}}}})
        .reply(200, json{{"metadata", {{"name", k_ns}}}});
    runner->mark_ready(k_ns, plan::ready_patch("2026-11-27T13:00:00Z"));
}
