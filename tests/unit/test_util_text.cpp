#include "pxclone/util/text.hpp"

#include <array>

#include <doctest/doctest.h>

using namespace pxclone::util;

TEST_CASE("edit_distance counts insertions, deletions and substitutions") {
    CHECK(edit_distance("", "") == 0);
    CHECK(edit_distance("volums", "volumes") == 1);
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("abc", "") == 3);
}

TEST_CASE("closest_match suggests only plausible typos") {
    constexpr std::array<std::string_view, 4> keys{"namespace", "ttl", "volumes", "manifests"};
    CHECK(closest_match("volums", keys) == "volumes");
    CHECK(closest_match("Namespace", keys) == "namespace");
    CHECK(closest_match("manifest", keys) == "manifests");
    CHECK(closest_match("tll", keys) == "ttl");
    CHECK_FALSE(closest_match("replicas", keys));
    CHECK_FALSE(closest_match(std::string(200, 'x'), keys));
    CHECK(did_you_mean("volums", keys) == " (did you mean 'volumes'?)");
    CHECK(did_you_mean("zzzzzz", keys).empty());
}

TEST_CASE("one_line turns control characters into single spaces and cuts long text") {
    using pxclone::util::one_line;
    CHECK(one_line("a\nb\r\n\tc\n") == "a b c");
    CHECK(one_line("\n\nx") == "x");
    CHECK(one_line(std::string(500, 'y'), 10) == std::string(10, 'y') + "...");
}
