// `pxclone restore` through the composition root: a Session on strict fakes of both APIs. The dry
// run walks the plan through the session's dry-run runners and sends only reads; production is
// refused before any write.
#include "pxclone/commands/restore.hpp"
#include "pxclone/error.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_session.hpp"

using namespace pxclone;
using http::Method;
using nlohmann::json;
using test::deployment_mounting_data;
using test::list_of;
using test::staging_pv;
using test::staging_pvc;

namespace {

json ours() {
    return test::pxclone_labels("41", "staging", "41");
}

json baselines_reply() {
    return test::px_volumes(
        json::array({test::px_volume("base-1", test::baseline_labels(), "clone-1")}));
}

const std::string k_pvc = "/api/v1/namespaces/stg/persistentvolumeclaims/data";

struct Fixture : test::FakeSession {
    cmd::LoadedProfile loaded = test::orders_profile("41");

    Fixture() { globals.run_id = "41"; }

    void run(const cmd::RestoreOptions& options) {
        cmd::validate_restore(globals, options, loaded.profile);
        auto session = this->session(loaded.profile);
        cmd::restore(*session, globals, loaded, options, environment, streams());
    }
};

} // namespace

TEST_CASE_FIXTURE(Fixture, "restore --pvc --dry-run: the session's dry-run runners print the "
                           "roll-back after the summary; only reads are sent") {
    globals.dry_run = true;
    kube->expect(Method::get, k_pvc).reply(200, staging_pvc());
    kube->expect(Method::get, k_pvc).reply(200, staging_pvc());
    kube->expect(Method::get, "/api/v1/persistentvolumes/pv-data").reply(200, staging_pv());
    px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, baselines_reply());
    kube->expect(Method::get, "/apis/apps/v1/namespaces/stg/statefulsets?limit=500")
        .reply(200, list_of());
    kube->expect(Method::get, "/apis/apps/v1/namespaces/stg/deployments?limit=500")
        .reply(200, list_of(json::array({deployment_mounting_data()})));
    kube->expect(Method::get, "/api/v1/namespaces/stg")
        .reply(200, json{{"metadata", {{"name", "stg"}, {"labels", ours()}}}});

    run({.pvcs = {"data"}, .ns = "stg"});
    const auto printed = out.str();
    const auto summary = printed.find("would restore 1 volume in stg");
    const auto scale = printed.find("deployments/app/scale");
    CHECK(summary == 0);
    CHECK(scale != std::string::npos);
    CHECK(printed.find("base-1") != std::string::npos); // restored to its baseline
    for (const auto& request : kube->requests()) {
        CHECK(request.method == Method::get);
    }
}

TEST_CASE_FIXTURE(Fixture, "restore refuses a production PVC (one pxclone did not make)") {
    const json production{{"metadata", {{"name", "data"}, {"namespace", "stg"}}}};
    kube->expect(Method::get, k_pvc).reply(200, production);
    kube->expect(Method::get, k_pvc).reply(200, production);
    try {
        run({.pvcs = {"data"}, .ns = "stg"});
        FAIL("no refusal");
    } catch (const UsageError& error) {
        CHECK(std::string(error.what()).find("restore refused") != std::string::npos);
    }
    CHECK(out.str().empty());
}

TEST_CASE_FIXTURE(Fixture, "restore refuses the source namespace without a request") {
    CHECK_THROWS_AS(run({.pvcs = {"data"}, .ns = "prod"}), UsageError);
    CHECK_THROWS_AS(run({.snapshot_set = "41", .ns = "prod", .new_pvc = "copy", .from = "data"}),
                    UsageError);
    CHECK(kube->requests().empty());
}

TEST_CASE("restore validates its mode and output") {
    const auto loaded = test::orders_profile("41");
    cmd::GlobalOptions globals;
    // In place needs --run, and --pvc or --all.
    CHECK_THROWS_AS(cmd::validate_restore(globals, {.all = true}, loaded.profile), UsageError);
    globals.run_id = "41";
    CHECK_THROWS_AS(cmd::validate_restore(globals, {}, loaded.profile), UsageError);
    CHECK_THROWS_AS(cmd::validate_restore(globals, {.pvcs = {"data"}, .all = true}, loaded.profile),
                    UsageError);
    CHECK_NOTHROW(cmd::validate_restore(globals, {.all = true}, loaded.profile));
    // --new-pvc needs --snapshot, -n and --from.
    CHECK_THROWS_AS(cmd::validate_restore(globals, {.new_pvc = "copy"}, loaded.profile),
                    UsageError);
    globals.output = output::Format::env;
    CHECK_THROWS_AS(cmd::validate_restore(globals, {.all = true}, loaded.profile), UsageError);
}
