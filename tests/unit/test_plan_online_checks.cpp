// validate --online's judgements on what its reads found (pure).
#include "pxclone/plan/online_checks.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace pxclone;
using nlohmann::json;
using plan::CheckResult;

namespace {

json namespace_of(const std::string& run, const std::string& phase = "Active") {
    return {{"metadata",
             {{"name", "stg"},
              {"labels",
               {{"app.kubernetes.io/managed-by", "pxclone"},
                {"pxclone.io/profile", "orders"},
                {"pxclone.io/run", run},
                {"pxclone.io/role", "staging"}}}}},
            {"status", {{"phase", phase}}}};
}

} // namespace

TEST_CASE("staging_namespace_check: free, this run's, another run's, foreign, being deleted") {
    CHECK(plan::staging_namespace_check("stg", std::nullopt, "orders", "41").result ==
          CheckResult::ok);
    const auto ours = plan::staging_namespace_check("stg", namespace_of("41"), "orders", "41");
    CHECK(ours.result == CheckResult::ok);
    CHECK(ours.message == "stg is this run's already (deploy-staging continues it)");

    const auto other = plan::staging_namespace_check("stg", namespace_of("40"), "orders", "41");
    CHECK(other.result == CheckResult::failed);
    CHECK(other.code == ExitCode::usage);
    CHECK(other.message == "stg belongs to run 40 of profile orders, not to run 41");

    const auto foreign =
        plan::staging_namespace_check("stg", json{{"metadata", {{"name", "stg"}}}}, "orders", "41");
    CHECK(foreign.message == "stg exists and was not created by pxclone");

    const auto deleting =
        plan::staging_namespace_check("stg", namespace_of("41", "Terminating"), "orders", "41");
    CHECK(deleting.result == CheckResult::failed);
    CHECK(deleting.message == "stg is being deleted (a teardown of run 41 is under way)");
}

TEST_CASE("source_pvcs_check: each volume named, or every problem (a missing PVC: exit 3)") {
    plan::SourceResolution resolution;
    resolution.volumes.push_back({});
    resolution.volumes.back().pvc = "data";
    resolution.volumes.back().volume_id = "vol-0";
    const auto ok = plan::source_pvcs_check(resolution, "prod");
    CHECK(ok.result == CheckResult::ok);
    CHECK(ok.message == "1 PVC in namespace prod, each a Bound Portworx volume: data -> vol-0");

    resolution.problems.push_back(
        {plan::SourceProblem::Kind::not_bound, "persistentvolumeclaim \"prod/x\"", "not Bound"});
    CHECK(plan::source_pvcs_check(resolution, "prod").code == ExitCode::failed);
    resolution.problems.push_back(
        {plan::SourceProblem::Kind::missing, "persistentvolumeclaim \"prod/y\"", "not found"});
    const auto failed = plan::source_pvcs_check(resolution, "prod");
    CHECK(failed.code == ExitCode::not_found);
    CHECK(failed.message == "2 problems with the source PVCs in namespace prod");
    CHECK(failed.details.size() == 2);
}

TEST_CASE("access_check: every permission listed; each denial named with why it is needed") {
    plan::Permission get_pvcs;
    get_pvcs.verb = "get";
    get_pvcs.resource = "persistentvolumeclaims";
    get_pvcs.ns = "prod";
    get_pvcs.why = {"snapshot reads the source PVCs"};
    auto delete_ns = get_pvcs;
    delete_ns.verb = "delete";
    delete_ns.resource = "namespaces";
    delete_ns.ns = "";
    delete_ns.why = {"teardown deletes the staging namespace"};

    const auto granted = plan::access_check({get_pvcs, delete_ns}, {{true, ""}, {true, ""}});
    CHECK(granted.result == CheckResult::ok);
    CHECK(granted.message == "all 2 permissions the commands need are granted");
    CHECK(granted.data["permissions"].size() == 2);

    const auto denied = plan::access_check({get_pvcs, delete_ns}, {{true, ""}, {false, "RBAC"}});
    CHECK(denied.result == CheckResult::failed);
    CHECK(denied.message == "1 of 2 permissions the commands need is denied");
    REQUIRE(denied.details.size() == 1);
    CHECK(denied.details[0].find("teardown deletes the staging namespace") != std::string::npos);
    CHECK(denied.details[0].find(": RBAC") != std::string::npos);
    CHECK(denied.data["permissions"][1]["allowed"] == false);
}
