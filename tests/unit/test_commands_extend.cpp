// `pxclone extend` through the composition root: a Session on strict fakes, so the one list and
// the one PATCH it sends are scripted, and anything else (a Portworx request, a write elsewhere)
// fails the test.
#include "pxclone/commands/extend.hpp"
#include "pxclone/error.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_session.hpp"

using namespace pxclone;
using http::Method;
using nlohmann::json;
using test::list_of;
using test::orders_selector;

namespace {

const std::string k_run_41 =
    "/api/v1/namespaces?" + orders_selector("pxclone.io%2Frole%3Dstaging%2Cpxclone.io%2Frun%3D41");

json stg(const std::string& expires_at = "2023-11-15T22:13:20Z") {
    return {{"metadata",
             {{"name", "stg"},
              {"labels",
               {{"app.kubernetes.io/managed-by", "pxclone"},
                {"pxclone.io/profile", "orders"},
                {"pxclone.io/run", "41"},
                {"pxclone.io/role", "staging"}}},
              {"annotations", {{"pxclone.io/expires-at", expires_at}}}}},
            {"status", {{"phase", "Active"}}}};
}

json patch_of(const std::string& expires_at) {
    return {{"metadata", {{"annotations", {{"pxclone.io/expires-at", expires_at}}}}}};
}

struct Fixture : test::FakeSession {
    cmd::LoadedProfile loaded = test::orders_profile("41");

    Fixture() { globals.run_id = "41"; }

    void run(const cmd::ExtendOptions& options) {
        cmd::validate_extend(globals, options, loaded.profile);
        auto session = this->session(loaded.profile);
        cmd::extend(*session, globals, loaded, options, streams());
    }
};

} // namespace

TEST_CASE_FIXTURE(Fixture, "extend --ttl 48h: one list, one merge patch of the namespace") {
    kube->expect(Method::get, k_run_41).reply(200, list_of(json::array({stg()})));
    kube->expect(Method::patch, "/api/v1/namespaces/stg")
        .with_header("Content-Type", "application/merge-patch+json")
        .body(patch_of("2023-11-16T22:13:20Z"))
        .reply(200, stg("2023-11-16T22:13:20Z"));

    run({.ttl = "48h"});
    CHECK(out.str() == "run 41: staging namespace stg expires at 2023-11-16T22:13:20Z (was "
                       "2023-11-15T22:13:20Z)\n");
}

TEST_CASE_FIXTURE(Fixture, "extend without --ttl: the profile's staging.ttl from now") {
    kube->expect(Method::get, k_run_41).reply(200, list_of(json::array({stg()})));
    kube->expect(Method::patch, "/api/v1/namespaces/stg")
        .body(patch_of("2023-11-15T22:13:20Z"))
        .reply(200, stg());
    run({});
}

TEST_CASE_FIXTURE(Fixture, "extend --ttl never -o json: pinned; the report carries the patch") {
    globals.output = output::Format::json;
    kube->expect(Method::get, k_run_41).reply(200, list_of(json::array({stg()})));
    kube->expect(Method::patch, "/api/v1/namespaces/stg").body(patch_of("never")).reply(200, stg());

    run({.ttl = "never"});
    const auto report = json::parse(out.str());
    CHECK(report["kind"] == "ExtendReport");
    CHECK(report["namespace"] == "stg");
    CHECK(report["pinned"] == true);
    CHECK(report["expiresAt"] == "");
    CHECK(report["previousExpiresAt"] == "2023-11-15T22:13:20Z");
    CHECK(report["dryRun"] == false);
    CHECK(report["patch"] == patch_of("never"));
}

TEST_CASE_FIXTURE(Fixture, "extend --dry-run: the PATCH is printed, only the list is sent") {
    globals.dry_run = true;
    kube->expect(Method::get, k_run_41).reply(200, list_of(json::array({stg()})));

    run({.ttl = "never"});
    CHECK(out.str() ==
          "PATCH /api/v1/namespaces/stg {\"metadata\":{\"annotations\":{\"pxclone.io/expires-at\":"
          "\"never\"}}}\n"
          "run 41: staging namespace stg pinned: it never expires (was 2023-11-15T22:13:20Z) "
          "(dry run)\n");
}

TEST_CASE_FIXTURE(Fixture, "extend: a run without a staging namespace is not found (exit 3)") {
    kube->expect(Method::get, k_run_41).reply(200, list_of());
    try {
        run({.ttl = "48h"});
        FAIL("no error");
    } catch (const Error& error) {
        CHECK(error.code() == ExitCode::not_found);
        CHECK(std::string(error.what()) ==
              "extend: run 41 of profile orders has no staging namespace");
    }
}

TEST_CASE_FIXTURE(Fixture, "extend: bad flags are usage errors before any request") {
    const auto usage = [this](const cmd::ExtendOptions& options, const std::string& message) {
        try {
            cmd::validate_extend(globals, options, loaded.profile);
            FAIL("no error for ", message);
        } catch (const Error& error) {
            CHECK(error.code() == ExitCode::usage);
            CHECK(std::string(error.what()) == message);
        }
    };
    usage({.ttl = "2 days"}, "extend: --ttl 2 days: not a positive duration or never");
    usage({.ttl = "0s"}, "extend: --ttl 0s: not a positive duration or never");
    usage({.ttl = "-1h"}, "extend: --ttl -1h: not a positive duration or never");
    globals.output = output::Format::env;
    usage({.ttl = "1h"}, "extend: -o env is not supported");
    globals.output = output::Format::text;
    globals.run_id.clear();
    usage({.ttl = "1h"}, "extend: give the environment's run with --run ID");
}
