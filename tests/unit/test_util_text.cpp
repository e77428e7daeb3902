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

TEST_CASE("find_invalid_utf8 finds the first byte that does not start well-formed UTF-8") {
    CHECK_FALSE(find_invalid_utf8(""));
    CHECK_FALSE(find_invalid_utf8("plain ascii\ttext\n"));
    CHECK_FALSE(find_invalid_utf8("caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80"));
    CHECK_FALSE(find_invalid_utf8(std::string_view("nul\0ok", 6)));
    CHECK(find_invalid_utf8("ab\x80") == 2u);            // a stray continuation byte
    CHECK(find_invalid_utf8("a\xC0\xAF") == 1u);         // an overlong form of '/'
    CHECK(find_invalid_utf8("x\xF5\x80\x80\x80") == 1u); // above U+10FFFF
    CHECK(find_invalid_utf8("ok\xE2\x9C") == 2u);        // cut short
    CHECK(find_invalid_utf8("\xC3(") == 0u);             // not a continuation
    CHECK(is_valid_utf8("\xE2\x9C\x93"));
    CHECK_FALSE(is_valid_utf8("\xFF"));
}

TEST_CASE("one_line turns control characters into single spaces and cuts long text") {
    using pxclone::util::one_line;
    CHECK(one_line("a\nb\r\n\tc\n") == "a b c");
    CHECK(one_line("\n\nx") == "x");
    CHECK(one_line(std::string(500, 'y'), 10) == std::string(10, 'y') + "...");
}

TEST_CASE("describe_bytes names whole MiB and KiB, and bytes otherwise") {
    CHECK(describe_bytes(64 * 1024 * 1024) == "64 MiB");
    CHECK(describe_bytes(1536 * 1024) == "1536 KiB");
    CHECK(describe_bytes(2048) == "2 KiB");
    CHECK(describe_bytes(1000) == "1000 bytes");
    CHECK(describe_bytes(1) == "1 byte");
    CHECK(describe_bytes(0) == "0 bytes");
}
