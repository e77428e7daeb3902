// Teardown's selection (pure: select_teardown over what the catalog found) and the sets a plan
// left because --snapshots was not given.
#include "pxclone/discover/teardown.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_session.hpp"

using namespace pxclone;
using nlohmann::json;

namespace {

json staging_namespace(const std::string& run, const std::string& set,
                       const std::string& expires_at) {
    return {{"metadata",
             {{"name", "stg-" + run},
              {"labels",
               {{"app.kubernetes.io/managed-by", "pxclone"},
                {"pxclone.io/profile", "orders"},
                {"pxclone.io/run", run},
                {"pxclone.io/role", "staging"},
                {"pxclone.io/snapshot-set", set}}},
              {"annotations",
               {{"pxclone.io/created-at", "2023-11-14T00:00:00Z"},
                {"pxclone.io/expires-at", expires_at}}}}}};
}

exec::SnapshotSet set(const std::string& id) {
    exec::SnapshotSet found;
    found.id = id;
    found.profile = "orders";
    found.state = exec::SetState::complete;
    return found;
}

// Run 7 expired (on set 5), run 8 live (on set 5 too), run 9 live (on set 6).
exec::StagingObjects three_runs() {
    exec::StagingObjects objects;
    objects.namespaces = {staging_namespace("7", "5", "2023-11-14T10:00:00Z"),
                          staging_namespace("8", "5", "2099-01-01T00:00:00Z"),
                          staging_namespace("9", "6", "2099-01-01T00:00:00Z")};
    return objects;
}

const auto k_now = std::chrono::system_clock::from_time_t(1'700'000'000); // 2023-11-14T22:13Z

} // namespace

TEST_CASE("select_teardown: --expired takes the runs whose TTL passed; --all every run") {
    const auto profile = test::orders_profile().profile;
    const auto expired =
        discover::select_teardown(profile, {.expired = true}, three_runs(), {}, k_now);
    CHECK(expired.target.runs == std::set<std::string>{"7"});
    CHECK(expired.target.snapshot_sets.empty());
    CHECK(expired.target.source_namespace == "prod");

    const auto all = discover::select_teardown(profile, {.all = true}, three_runs(), {}, k_now);
    CHECK(all.target.runs == std::set<std::string>{"7", "8", "9"});

    const auto one = discover::select_teardown(profile, {.run = "8"}, three_runs(), {}, k_now);
    CHECK(one.target.runs == std::set<std::string>{"8"});
}

TEST_CASE("select_teardown --snapshots: a set another live run uses is kept, naming it") {
    const auto profile = test::orders_profile().profile;
    const auto selection = discover::select_teardown(profile, {.expired = true, .snapshots = true},
                                                     three_runs(), {set("5"), set("7")}, k_now);
    // Set 5 is run 8's too; set 7 was taken by run 7 itself (deploy-staging --fresh).
    CHECK(selection.target.snapshot_sets == std::set<std::string>{"7"});
    REQUIRE(selection.kept_sets.count("5") == 1);
    CHECK(selection.kept_sets.at("5") == std::vector<std::string>{"8"});

    const auto both = discover::select_teardown(profile, {.all = true, .snapshots = true},
                                                three_runs(), {set("5"), set("6")}, k_now);
    CHECK(both.target.snapshot_sets == std::set<std::string>{"5", "6"});
    CHECK(both.kept_sets.empty());
}

TEST_CASE("sets_not_asked: the snapshot sets found but not selected without --snapshots") {
    plan::TeardownPlan plan;
    plan::FoundObject snapshot{plan::TeardownKind::portworx_volume,
                               "",
                               "snap-5",
                               "snap-5",
                               {{"pxclone.io/role", "snapshot"}, {"pxclone.io/snapshot-set", "5"}}};
    plan.refused.push_back({snapshot, "snapshot set 5 not selected", true});
    CHECK(discover::sets_not_asked(plan, false) == std::set<std::string>{"5"});
    CHECK(discover::sets_not_asked(plan, true).empty());
    plan.refused.back().not_selected = false; // refused for a reason of its own
    CHECK(discover::sets_not_asked(plan, false).empty());
}
