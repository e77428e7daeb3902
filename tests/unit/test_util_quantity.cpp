#include "pxclone/util/quantity.hpp"

#include <doctest/doctest.h>

using pxclone::util::format_quantity;
using pxclone::util::parse_quantity;

TEST_CASE("parse_quantity reads Kubernetes quantities") {
    CHECK(parse_quantity("10Gi") == 10LL << 30);
    CHECK(parse_quantity("512Mi") == 512LL << 20);
    CHECK(parse_quantity("1.5Ti") == 3LL << 39);
    CHECK(parse_quantity("5G") == 5'000'000'000LL);
    CHECK(parse_quantity("1e9") == 1'000'000'000LL);
    CHECK(parse_quantity("1024") == 1024);
}

TEST_CASE("parse_quantity rejects what is not a quantity") {
    for (const auto* text : {"", "Gi", "10GB", "-1Gi", "ten", "10 Gi", "9Ei"}) {
        CAPTURE(text);
        CHECK_FALSE(parse_quantity(text).has_value());
    }
}

TEST_CASE("format_quantity prints the largest exact binary unit") {
    CHECK(format_quantity(10LL << 30) == "10Gi");
    CHECK(format_quantity(1536LL << 20) == "1536Mi");
    CHECK(format_quantity(1000) == "1000");
    CHECK(format_quantity(0) == "0");
}
