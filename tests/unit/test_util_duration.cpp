#include "pxclone/util/duration.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using pxclone::util::format_duration;
using pxclone::util::parse_duration;

TEST_CASE("parse_duration reads Go-style durations") {
    CHECK(parse_duration("10m") == 10min);
    CHECK(parse_duration("24h") == 24h);
    CHECK(parse_duration("500ms") == 500ms);
    CHECK(parse_duration("1h30m") == 90min);
    CHECK(parse_duration("1.5h") == 90min);
    CHECK(parse_duration("0s") == 0ms);
}

TEST_CASE("parse_duration rejects what is not a duration") {
    for (const auto* text : {"", "10", "m", "10 m", "-5s", "10d", "1h-", "ten minutes", "5sx"}) {
        CAPTURE(text);
        CHECK_FALSE(parse_duration(text).has_value());
    }
    CHECK_FALSE(parse_duration("99999999999999999999h").has_value());
}

TEST_CASE("format_duration gives the shortest exact form") {
    CHECK(format_duration(0ms) == "0s");
    CHECK(format_duration(90s) == "1m30s");
    CHECK(format_duration(24h) == "24h");
    CHECK(format_duration(1500ms) == "1s500ms");
}
