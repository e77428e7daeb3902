// `pxclone refresh` through the composition root, on strict fakes: what it checks before it
// writes anything. (Its whole run is tests/e2e/staging-refresh.sh: it composes snapshot's and
// restore's runners, which their own unit tests script.)
#include "pxclone/commands/refresh.hpp"
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

struct Fixture : test::FakeSession {
    cmd::LoadedProfile loaded = test::orders_profile("41");

    Fixture() { globals.run_id = "41"; }

    void run() {
        cmd::validate_refresh(globals);
        auto session = this->session(loaded.profile);
        cmd::refresh(*session, globals, loaded, {}, environment, streams());
    }

    ExitCode failure(const std::string& message) {
        try {
            run();
        } catch (const Error& error) {
            CHECK(std::string(error.what()) == message);
            return error.code();
        }
        FAIL("no error");
        return ExitCode::ok;
    }
};

} // namespace

TEST_CASE_FIXTURE(Fixture, "refresh: a run without a staging namespace is not found; nothing is "
                           "written, Portworx is not asked") {
    kube->expect(Method::get, k_run_41).reply(200, list_of());
    CHECK(failure("refresh: run 41 of profile orders has no staging namespace") ==
          ExitCode::not_found);
}

TEST_CASE_FIXTURE(Fixture, "refresh: a namespace being deleted is refused before any write") {
    const json ns = {{"metadata",
                      {{"name", "stg"},
                       {"labels",
                        {{"app.kubernetes.io/managed-by", "pxclone"},
                         {"pxclone.io/profile", "orders"},
                         {"pxclone.io/run", "41"},
                         {"pxclone.io/role", "staging"},
                         {"pxclone.io/snapshot-set", "40"}}}}},
                     {"status", {{"phase", "Terminating"}}}};
    kube->expect(Method::get, k_run_41).reply(200, list_of(json::array({ns})));
    CHECK(failure("refresh: run 41: namespace stg is being deleted") == ExitCode::failed);
}

TEST_CASE_FIXTURE(Fixture, "refresh: --run is required and -o env refused, before any request") {
    globals.run_id.clear();
    CHECK_THROWS_WITH_AS(cmd::validate_refresh(globals),
                         "refresh: give the environment's run with --run ID", UsageError);
    globals.run_id = "41";
    globals.output = output::Format::env;
    CHECK_THROWS_WITH_AS(cmd::validate_refresh(globals), "refresh: -o env is not supported",
                         UsageError);
}
