#include "pxclone/profile/yaml_text.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/exceptions.h>

using namespace pxclone::profile;

TEST_CASE("describe_syntax_error puts yaml-cpp's messages in our words and never echoes its own") {
    CHECK(describe_syntax_error(YAML::ErrorMsg::END_OF_MAP_FLOW) ==
          "invalid YAML: a '{' is never closed with '}'");
    CHECK(describe_syntax_error(std::string(YAML::ErrorMsg::TAB_IN_INDENTATION) + " at x") ==
          "invalid YAML: tab character in indentation (indent with spaces)");
    CHECK(describe_syntax_error(YAML::ErrorMsg::FLOW_END) == "invalid YAML: unexpected ']' or '}'");
    CHECK(describe_syntax_error("something yaml-cpp says about a secret: hunter2") ==
          "invalid YAML syntax");
}

TEST_CASE("position_at counts lines and code points from 1") {
    CHECK(position_at("ab\ncd", 0).line == 1);
    CHECK(position_at("ab\ncd", 0).column == 1);
    const auto after_newline = position_at("ab\ncd", 4);
    CHECK(after_newline.line == 2);
    CHECK(after_newline.column == 2);
    // "é" is two bytes but one column.
    CHECK(position_at("\xC3\xA9x", 2).column == 2);
}

TEST_CASE("find_control_byte finds bytes that make a file not text") {
    CHECK_FALSE(find_control_byte("key: value\r\n\tother\n"));
    CHECK(find_control_byte(std::string_view("ab\0c", 4)) == 2u);
    CHECK(find_control_byte("a\x7F") == 1u);
    CHECK(find_control_byte("\x1B[31m") == 0u);
}

TEST_CASE("quote_is_closed knows YAML's escapes in both kinds of quotes") {
    CHECK(quote_is_closed("a: 'it''s' ", 3));
    CHECK_FALSE(quote_is_closed("a: 'it''s", 3));
    CHECK(quote_is_closed(R"(a: "say \"hi\"")", 3));
    CHECK_FALSE(quote_is_closed(R"(a: "open \")", 3));
}
