#include "pxclone/util/base64.hpp"

#include <doctest/doctest.h>

using namespace pxclone::util;

TEST_CASE("base64 round-trips every tail length") {
    for (const std::string text : {"", "a", "ab", "abc", "abcd", "user:pässword"}) {
        CHECK(base64_decode(base64_encode(text)) == text);
    }
    CHECK(base64_encode("user:pass") == "dXNlcjpwYXNz");
}

TEST_CASE("base64_decode ignores line breaks and rejects garbage") {
    CHECK(base64_decode("dXNl\ncjpw\r\nYXNz") == std::string("user:pass"));
    CHECK(base64_decode("dXNlcjpwYXN") == std::string("user:pas"));
    CHECK_FALSE(base64_decode("dX*l").has_value());
    CHECK_FALSE(base64_decode("d").has_value());
    CHECK_FALSE(base64_decode("dQ==dQ").has_value());
}
