#include <doctest/doctest.h>

#include "faults.hpp"
#include "k8s_util.hpp"

using pxsim::Json;

TEST_CASE("quantities parse and print like the API server") {
    CHECK(pxsim::parse_quantity("1Gi") == 1073741824);
    CHECK(pxsim::parse_quantity("500M") == 500000000);
    CHECK(pxsim::parse_quantity("1.5Gi") == 1610612736);
    CHECK(pxsim::parse_quantity("10") == 10);
    CHECK_FALSE(pxsim::parse_quantity("ten").has_value());
    CHECK(pxsim::format_quantity(10737418240) == "10Gi");
    CHECK(pxsim::format_quantity(1000) == "1000");
}

TEST_CASE("label selectors: equality and set-based") {
    const Json labels = {{"app", "db"}, {"tier", "backend"}};
    const auto match = [&](const std::string& text) {
        const auto selector = pxsim::parse_label_selector(text);
        REQUIRE(selector.has_value());
        return pxsim::labels_match(*selector, labels);
    };
    CHECK(match(""));
    CHECK(match("app=db"));
    CHECK(match("app==db,tier=backend"));
    CHECK_FALSE(match("app!=db"));
    CHECK(match("app in (db, web)"));
    CHECK_FALSE(match("app notin (db)"));
    CHECK(match("tier"));
    CHECK(match("!missing"));
    CHECK_FALSE(match("!app"));
    CHECK_FALSE(pxsim::parse_label_selector("a b c").has_value());
}

TEST_CASE("field selectors read dotted paths") {
    const Json object = {{"metadata", {{"name", "x"}, {"namespace", "prod"}}}};
    const auto selector = pxsim::parse_field_selector("metadata.name=x,metadata.namespace!=dev");
    REQUIRE(selector.has_value());
    CHECK(pxsim::fields_match(*selector, object));
    CHECK_FALSE(pxsim::fields_match(*pxsim::parse_field_selector("metadata.name=y"), object));
}

TEST_CASE("names are validated as RFC 1123") {
    CHECK_FALSE(pxsim::validate_dns_subdomain("data-clone.v1").has_value());
    CHECK(pxsim::validate_dns_subdomain("Bad_Name").has_value());
    CHECK(pxsim::validate_dns_label("a.b").has_value());
}

TEST_CASE("latency and fault specs parse; bad items are named") {
    const auto latency = pxsim::Latency::parse("snapshot=2s,pvc-bind=500ms,request=5ms");
    CHECK(latency.of("snapshot") == std::chrono::milliseconds(2000));
    CHECK(latency.of("pvc-bind") == std::chrono::milliseconds(500));
    CHECK(latency.of("clone") == std::chrono::milliseconds(0));
    CHECK_THROWS_WITH_AS(pxsim::Latency::parse("snapshot"), doctest::Contains("snapshot"),
                         std::invalid_argument);
    CHECK_THROWS_AS(pxsim::FaultPlan::parse({"rate=0.1,kinds=boom"}, 1), std::invalid_argument);
}

TEST_CASE("faults drawn from a seed reproduce exactly") {
    const auto draw = [](std::uint64_t seed) {
        auto plan = pxsim::FaultPlan::parse({"rate=0.3,kinds=429+503+reset"}, seed);
        std::vector<int> kinds;
        for (int i = 0; i < 200; ++i) {
            kinds.push_back(static_cast<int>(plan.decide("GET", "/api/v1/pods", false).kind));
        }
        return kinds;
    };
    const auto first = draw(42);
    CHECK(first == draw(42));
    CHECK(first != draw(43));
    const auto faulted =
        std::count_if(first.begin(), first.end(), [](int kind) { return kind != 0; });
    CHECK(faulted > 30);
    CHECK(faulted < 90);
}

TEST_CASE("a targeted fault hits exactly the N-th matching request") {
    auto plan = pxsim::FaultPlan::parse({"POST /v1/volumes/snapshots#2=500"}, 1);
    CHECK(plan.decide("POST", "/v1/volumes/snapshots", false).kind == pxsim::FaultKind::None);
    CHECK(plan.decide("GET", "/v1/volumes/snapshots", false).kind == pxsim::FaultKind::None);
    const auto second = plan.decide("POST", "/v1/volumes/snapshots", false);
    CHECK(second.kind == pxsim::FaultKind::Status);
    CHECK(second.status == 500);
    CHECK(plan.decide("POST", "/v1/volumes/snapshots", false).kind == pxsim::FaultKind::None);
}
