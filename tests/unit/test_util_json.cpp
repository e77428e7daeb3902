#include "pxclone/util/json.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace pxclone;

TEST_CASE("parse_json parses JSON and gives a discarded value for text that is not JSON") {
    CHECK(util::parse_json(R"({"a": [1, {"b": null}]})")["a"][1].contains("b"));
    CHECK(util::parse_json("[1, 2").is_discarded());
    CHECK(util::parse_json("").is_discarded());
    CHECK(util::parse_json("<html>").is_discarded());
}

TEST_CASE("parse_json refuses nesting deeper than the limit, before anything recurses over it") {
    const auto nested = [](int depth) {
        return std::string(static_cast<std::size_t>(depth), '[') +
               std::string(static_cast<std::size_t>(depth), ']');
    };
    CHECK_FALSE(util::parse_json(nested(util::k_max_json_depth)).is_discarded());
    CHECK(util::parse_json(nested(util::k_max_json_depth + 1)).is_discarded());
    // A reply of 100000 levels: copying or printing it overflowed the stack (exit 139).
    CHECK(util::parse_json(R"({"sdk_version": )" + nested(100000) + "}").is_discarded());
    CHECK(util::parse_json(std::string(100000, '{')).is_discarded());
}
