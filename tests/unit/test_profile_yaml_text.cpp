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

TEST_CASE("split_lines numbers lines from 1 and drops line breaks") {
    const auto lines = split_lines("a\r\nb\n");
    REQUIRE(lines.size() == 3);
    CHECK(lines[0].text == "a");
    CHECK(lines[1].text == "b");
    CHECK(lines[1].number == 2);
    CHECK(lines[2].text.empty());
}

TEST_CASE("scan_lines finds a ',' that starts a block-context line, and only there") {
    const auto comma_at = [](std::string_view text) -> std::optional<TextPosition> {
        return scan_lines(split_lines(text), 100).block_comma;
    };
    const auto first = comma_at("a: 1\n  , b: 2\n, c: 3\n");
    REQUIRE(first);
    CHECK(first->line == 3);
    CHECK(first->column == 1);
    CHECK(comma_at(", a:7\n- b\n")->line == 1);
    CHECK_FALSE(comma_at("a: [1,\n, 2]\n"));               // inside a flow collection
    CHECK_FALSE(comma_at("a: |\n  x\n  , y\nb: 1\n"));     // inside a block scalar
    CHECK_FALSE(comma_at("a: >- # folded\n , y\n"));       // block scalar with a comment
    CHECK_FALSE(comma_at("a: plain\n   , more\n"));        // a more indented continuation
    CHECK_FALSE(comma_at("# , comment\na: ', quoted'\n")); // comments and quotes
}

TEST_CASE("scan_lines estimates nesting from indentation, entries and flow brackets") {
    CHECK_FALSE(scan_lines(split_lines("a:\n  b:\n    - c: 1\n"), 4).too_deep);
    const auto deep = scan_lines(split_lines("a:\n  b:\n    - c: 1\n"), 3).too_deep;
    REQUIRE(deep);
    CHECK(deep->number == 3);
    CHECK(scan_lines(split_lines("a: [[[[\n1]]]]\n"), 4).too_deep->number == 1);
    // Lines of a block scalar are text, however indented.
    CHECK_FALSE(scan_lines(split_lines("a: |\n        - - - - x\nb: 1\n"), 2).too_deep);
}

TEST_CASE("documents_end_within counts documents and stops a parser that does not advance") {
    CHECK(documents_end_within("a: 1\n---\nb: 2\n", 2));
    CHECK_FALSE(documents_end_within("a: 1\n---\nb: 2\n---\nc: 3\n", 2));
    // Found by fuzz_profile: yaml-cpp 0.7 returns empty documents for ever on these.
    CHECK_FALSE(documents_end_within("!K,KKKKKKKKKKKKKKKKKKKKKKKKKKKKKK\n", 1000));
    CHECK_FALSE(documents_end_within(", a:7\n- b\n", 1000));
    CHECK_THROWS_AS(documents_end_within("a: [1\n", 10), YAML::Exception);
}
