#include "pxclone/plan/extend_plan.hpp"

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
    profile.staging.staging_namespace = "orders-stg-7";
    return profile;
}

json staging_namespace(const std::string& name = "orders-stg-7",
                       const std::string& expires_at = "2023-11-15T22:13:20Z",
                       const std::string& phase = "Active") {
    return {{"metadata",
             {{"name", name},
              {"labels",
               {{"app.kubernetes.io/managed-by", "pxclone"},
                {"pxclone.io/profile", "orders"},
                {"pxclone.io/run", "7"},
                {"pxclone.io/role", "staging"}}},
              {"annotations", {{"pxclone.io/expires-at", expires_at}}}}},
            {"status", {{"phase", phase}}}};
}

const auto k_now = std::chrono::system_clock::from_time_t(1'700'000'000); // 2023-11-14T22:13:20Z

} // namespace

TEST_CASE("plan_extend: the new expiry counts from now; the patch writes only the annotation") {
    const auto plan = plan_extend(
        orders(), {.run = "7", .ttl = std::chrono::hours(48), .now = k_now}, staging_namespace());
    CHECK_FALSE(plan.refused);
    CHECK(plan.ns == "orders-stg-7");
    CHECK(plan.previous == "2023-11-15T22:13:20Z");
    CHECK(plan.expires_at == "2023-11-16T22:13:20Z");
    CHECK_FALSE(plan.pinned);
    CHECK(plan.patch ==
          json::parse(
              R"({"metadata":{"annotations":{"pxclone.io/expires-at":"2023-11-16T22:13:20Z"}}})"));
}

TEST_CASE("plan_extend: --ttl never pins (expires-at never); a later ttl unpins") {
    const auto pinned =
        plan_extend(orders(), {.run = "7", .ttl = std::nullopt, .now = k_now}, staging_namespace());
    CHECK(pinned.pinned);
    CHECK(pinned.expires_at == "never");
    CHECK(pinned.patch["metadata"]["annotations"]["pxclone.io/expires-at"] == "never");

    const auto unpinned =
        plan_extend(orders(), {.run = "7", .ttl = std::chrono::hours(1), .now = k_now},
                    staging_namespace("orders-stg-7", "never"));
    CHECK(unpinned.previous == "never");
    CHECK_FALSE(unpinned.pinned);
    CHECK(unpinned.expires_at == "2023-11-14T23:13:20Z");
}

TEST_CASE("plan_extend: refuses a namespace being deleted, the source namespace, or one that "
          "is not this run's") {
    const ExtendRequest request{.run = "7", .ttl = std::chrono::hours(1), .now = k_now};
    const auto terminating =
        plan_extend(orders(), request, staging_namespace("orders-stg-7", "", "Terminating"));
    REQUIRE(terminating.refused);
    CHECK(*terminating.refused == "namespace orders-stg-7 is being deleted");
    CHECK(terminating.patch.is_null());

    const auto source = plan_extend(orders(), request, staging_namespace("prod"));
    REQUIRE(source.refused);
    CHECK(*source.refused == "namespace prod is the source namespace");

    auto other = staging_namespace();
    other["metadata"]["labels"]["pxclone.io/run"] = "8";
    const auto foreign = plan_extend(orders(), request, other);
    REQUIRE(foreign.refused);
    CHECK(*foreign.refused == "namespace orders-stg-7 does not carry pxclone.io/run=7");
}
