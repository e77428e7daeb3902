#include "pxclone/plan/refresh_plan.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace pxclone;
using namespace pxclone::plan;
using nlohmann::json;

namespace {

profile::Profile orders() {
    profile::Profile profile;
    profile.name = "orders";
    profile.source.source_namespace = "prod";
    profile.staging.staging_namespace = "orders-stg-qa";
    return profile;
}

json staging_namespace(const std::string& set, json annotations = json::object()) {
    return {{"metadata",
             {{"name", "orders-stg-qa"},
              {"labels",
               {{"app.kubernetes.io/managed-by", "pxclone"},
                {"pxclone.io/profile", "orders"},
                {"pxclone.io/run", "qa"},
                {"pxclone.io/role", "staging"},
                {"pxclone.io/snapshot-set", set}}},
              {"annotations", std::move(annotations)}}},
            {"status", {{"phase", "Active"}}}};
}

const auto k_now = std::chrono::system_clock::from_time_t(1'700'000'000); // 2023-11-14T22:13:20Z

} // namespace

TEST_CASE("refresh_set_id: the run and the time, a label value whatever the run's length") {
    CHECK(refresh_set_id("qa", k_now) == "qa-20231114221320");
    const auto id = refresh_set_id(std::string(80, 'a'), k_now);
    CHECK(id.size() == 63);
    CHECK(id.ends_with("-20231114221320"));
}

TEST_CASE("plan_refresh: a new refresh records the set it moves to and the one it leaves") {
    const auto plan = plan_refresh(orders(), "qa", staging_namespace("qa"), k_now);
    CHECK_FALSE(plan.refused);
    CHECK(plan.ns == "orders-stg-qa");
    CHECK(plan.set == "qa-20231114221320");
    CHECK(plan.previous_set == "qa");
    CHECK_FALSE(plan.resumed);
    CHECK_FALSE(plan.restored);
    CHECK(plan.mark == json::parse(R"({"metadata":{"annotations":{
        "pxclone.io/refresh-set":"qa-20231114221320","pxclone.io/refresh-from":"qa"}}})"));
    CHECK(plan.clear == json::parse(R"({"metadata":{"annotations":{
        "pxclone.io/refresh-set":null,"pxclone.io/refresh-from":null}}})"));
}

TEST_CASE("plan_refresh: an interrupted refresh continues with its set; once the namespace is on "
          "it only retention is left") {
    const json record = {{"pxclone.io/refresh-set", "qa-1"}, {"pxclone.io/refresh-from", "qa"}};
    const auto later = k_now + std::chrono::hours(5);
    const auto midway = plan_refresh(orders(), "qa", staging_namespace("qa", record), later);
    CHECK(midway.resumed);
    CHECK(midway.set == "qa-1");
    CHECK(midway.previous_set == "qa");
    CHECK_FALSE(midway.restored);
    CHECK(midway.mark.is_null());

    const auto swapped = plan_refresh(orders(), "qa", staging_namespace("qa-1", record), later);
    CHECK(swapped.restored);
    CHECK(swapped.previous_set == "qa");
}

TEST_CASE("plan_refresh: refuses a namespace that is not the run's or is being deleted") {
    auto other = staging_namespace("qa");
    other["metadata"]["labels"]["pxclone.io/profile"] = "billing";
    const auto foreign = plan_refresh(orders(), "qa", other, k_now);
    REQUIRE(foreign.refused);
    CHECK(*foreign.refused == "namespace orders-stg-qa does not carry pxclone.io/profile=orders");

    auto deleting = staging_namespace("qa");
    deleting["status"]["phase"] = "Terminating";
    REQUIRE(plan_refresh(orders(), "qa", deleting, k_now).refused);
}
